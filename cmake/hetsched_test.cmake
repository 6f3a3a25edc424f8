# hetsched_test(NAME SOURCES... LIBS... LABEL label): one GoogleTest binary
# whose cases ctest discovers and labels (unit, service, integration, sim, gpu).
function(hetsched_test name)
  if(NOT HETSCHED_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(T "" "LABEL;TIMEOUT" "SOURCES;LIBS" ${ARGN})
  if(NOT T_LABEL)
    set(T_LABEL unit)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE hetsched_defaults ${T_LIBS} GTest::gtest GTest::gtest_main
                        GTest::gmock)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
                       PROPERTIES LABELS ${T_LABEL} TIMEOUT ${T_TIMEOUT})
  if(T_LABEL MATCHES "^(unit|service)$")
    set_property(GLOBAL APPEND PROPERTY HETSCHED_UNIT_SERVICE_TESTS ${name})
  endif()
endfunction()
