# hetsched_link_static_grpc(TARGET LIBS...): links TARGET against the
# archives of our libraries LIBS and the static archives Debian ships for
# gRPC, protobuf, Abseil, RE2, c-ares, OpenSSL and yaml-cpp, in one group,
# and libstdc++ statically, instead of ~55 shared libraries. Every CLI command is a new process, and
# resolving those libraries' symbols was most of its start-up
# (docs/BENCHMARKS.md, "CLI start-up"). Returns HETSCHED_STATIC_OK false
# (and links nothing) when an archive is missing: the caller falls back to
# shared linking.
function(hetsched_link_static_grpc target)
  set(HETSCHED_STATIC_OK FALSE PARENT_SCOPE)
  set(archives)
  foreach(name grpc++ grpc gpr upb address_sorting re2 cares ssl crypto
               protobuf yaml-cpp)
    find_library(_archive_${name} NAMES lib${name}.a)
    if(NOT _archive_${name})
      message(STATUS "static CLI: lib${name}.a not found; linking shared")
      return()
    endif()
    list(APPEND archives ${_archive_${name}})
  endforeach()
  get_filename_component(_dir ${_archive_protobuf} DIRECTORY)
  file(GLOB _absl ${_dir}/libabsl_*.a)
  if(NOT _absl)
    message(STATUS "static CLI: no libabsl_*.a; linking shared")
    return()
  endif()
  set(ours)
  foreach(lib ${ARGN})
    list(APPEND ours $<TARGET_FILE:${lib}>)
    target_include_directories(${target} PRIVATE
      $<TARGET_PROPERTY:${lib},INTERFACE_INCLUDE_DIRECTORIES>)
    add_dependencies(${target} ${lib})
  endforeach()
  target_link_libraries(${target} PRIVATE -Wl,--start-group ${ours}
    ${archives} ${_absl} -Wl,--end-group z dl Threads::Threads
    -static-libstdc++ -static-libgcc)
  # Not position-independent: a PIE of this size carries ~40,000 relative
  # relocations that the loader applies at every start, dirtying (and
  # copying) every page of vtables and descriptor tables; without them a
  # submit takes ~30% fewer page faults. The CLI is a short-lived client;
  # the daemons stay PIE (docs/BENCHMARKS.md, "CLI start-up").
  target_link_options(${target} PRIVATE -no-pie)
  set(HETSCHED_STATIC_OK TRUE PARENT_SCOPE)
endfunction()
