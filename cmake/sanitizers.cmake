# Instrumented builds, for the whole build dir (every library and program in
# it), so keep each in a dir of its own: scripts/test builds build-asan,
# scripts/fuzz builds build-fuzz (docs/SECURITY.md).
#
#   HETSCHED_SANITIZE=address  AddressSanitizer + UndefinedBehaviorSanitizer;
#                              any undefined behaviour aborts the program.
#   HETSCHED_SANITIZE=thread   ThreadSanitizer.
#   HETSCHED_FUZZ=ON           libFuzzer targets in tests/fuzz (clang only);
#                              implies address, and compiles everything with
#                              coverage for the fuzzer (fuzzer-no-link).
# Neither set (the default): no flags are added.
set(HETSCHED_SANITIZE "" CACHE STRING
    "Sanitizers for the whole build: address (ASan+UBSan) or thread (TSan)")
set_property(CACHE HETSCHED_SANITIZE PROPERTY STRINGS "" address thread)
option(HETSCHED_FUZZ
       "Build the libFuzzer targets in tests/fuzz (clang; implies address)"
       OFF)

if(HETSCHED_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "HETSCHED_FUZZ=ON needs clang: configure with "
                        "-DCMAKE_CXX_COMPILER=clang++ (scripts/fuzz does)")
  endif()
  if(HETSCHED_SANITIZE AND NOT HETSCHED_SANITIZE STREQUAL "address")
    message(FATAL_ERROR "HETSCHED_FUZZ=ON goes with HETSCHED_SANITIZE=address "
                        "only, not ${HETSCHED_SANITIZE}")
  endif()
  set(HETSCHED_SANITIZE address)
  add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-fsanitize=fuzzer-no-link>)
endif()

if(HETSCHED_SANITIZE STREQUAL "address")
  set(_hetsched_sanitize_flags -fsanitize=address,undefined
      -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
elseif(HETSCHED_SANITIZE STREQUAL "thread")
  set(_hetsched_sanitize_flags -fsanitize=thread -fno-omit-frame-pointer)
elseif(HETSCHED_SANITIZE)
  message(FATAL_ERROR "HETSCHED_SANITIZE must be address or thread, not "
                      "${HETSCHED_SANITIZE}")
endif()
if(HETSCHED_SANITIZE)
  message(STATUS "hetsched: sanitizers ${_hetsched_sanitize_flags}")
  add_compile_options("$<$<COMPILE_LANGUAGE:CXX>:${_hetsched_sanitize_flags}>")
  add_link_options(${_hetsched_sanitize_flags})
endif()
