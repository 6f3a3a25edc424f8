# `cmake --install` and a Debian package (`cpack -G DEB` in the build dir):
# the CLI, the scheduler, the agent with its task supervisor (and
# hetsched-calibrate where CUDA built it) in bin/, the systemd units, the
# Python client for the system Python, the docs, and the example and
# monitoring files under share/hetsched. scripts/package-check builds the
# package, installs it and runs what it installed.
include(GNUInstallDirs)

set(_hetsched_programs hetsched hetsched-scheduler hetsched-agent
    hetsched-task-supervisor hetsched-sim)
if(TARGET hetsched-calibrate)
  list(APPEND _hetsched_programs hetsched-calibrate)
endif()
install(TARGETS ${_hetsched_programs} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

configure_file(${PROJECT_SOURCE_DIR}/cmake/install_units.cmake.in
               ${PROJECT_BINARY_DIR}/install_units.cmake @ONLY)
install(SCRIPT ${PROJECT_BINARY_DIR}/install_units.cmake)

# The package and its generated stubs (python/CMakeLists.txt writes them
# into the source tree at build time).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/python/hetsched
        DESTINATION lib/python3/dist-packages
        PATTERN "__pycache__" EXCLUDE)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/deploy/examples
                  ${PROJECT_SOURCE_DIR}/deploy/prometheus
                  ${PROJECT_SOURCE_DIR}/deploy/grafana
                  ${PROJECT_SOURCE_DIR}/deploy/kubernetes
        DESTINATION ${CMAKE_INSTALL_DATADIR}/hetsched)

set(CPACK_PACKAGE_NAME hetsched)
set(CPACK_PACKAGE_VENDOR "hetsched")
set(CPACK_PACKAGE_CONTACT "hetsched maintainers <hetsched@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Scheduler for training and inference jobs on mixed accelerators")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# RelWithDebInfo binaries carry hundreds of MB of debug info: the package
# ships them stripped (and builds in a fraction of the time).
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
# dpkg-shlibdeps names the shared libraries' packages (gRPC, protobuf,
# Abseil, yaml-cpp, SQLite, prometheus-cpp, CLP); the Python client needs
# these two besides.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "python3, python3-grpcio, python3-yaml")
include(CPack)
