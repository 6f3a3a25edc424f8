# What every hetsched target compiles with, declared per target rather than
# for the whole directory tree: the source root as the include base (headers
# are named from it, "scheduler/core/types.h"), and -Wall -Wextra. Base
# libraries link hetsched_defaults PUBLIC, so every target built on them
# inherits it; generated code (protobuf, gRPC) takes the include base only.
# Which part may include which is checked by `scripts/lint layers`.
add_library(hetsched_source_root INTERFACE)
target_include_directories(hetsched_source_root INTERFACE ${CMAKE_SOURCE_DIR})

# Less -Wmissing-field-initializers: an aggregate initialiser that leaves
# trailing members to their default member initialisers ({.jobs = {job}},
# {"workers", 2, 8}) is an idiom here, not a slip.
add_library(hetsched_warnings INTERFACE)
target_compile_options(hetsched_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wno-missing-field-initializers>)

add_library(hetsched_defaults INTERFACE)
target_link_libraries(hetsched_defaults INTERFACE hetsched_source_root
                      hetsched_warnings)
