# cmake -DSRC=in.proto -DDST=out.proto -P strip_etcd_proto.cmake
# Copies one of etcd's API protos without its gogoproto and HTTP-gateway
# options: they only steer Go code generation and the REST gateway, and
# would pull two more proto trees into the C++ build. The wire format is
# untouched (options never change field numbers or types).
file(READ "${SRC}" text)
string(REGEX REPLACE "import \"gogoproto/gogo.proto\";\n" "" text "${text}")
string(REGEX REPLACE "import \"google/api/annotations.proto\";\n" "" text
       "${text}")
string(REGEX REPLACE "option \\(gogoproto\\.[a-z_]+\\) = [a-z]+;\n" "" text
       "${text}")
# An HTTP option may nest additional_bindings blocks: drop those first.
string(REGEX REPLACE "additional_bindings {[^}]*}" "" text "${text}")
string(REGEX REPLACE "option \\(google\\.api\\.http\\) = {[^}]*};" "" text
       "${text}")
string(REGEX REPLACE " *\\[\\(gogoproto\\.[^]]*\\]" "" text "${text}")
if(text MATCHES "gogoproto|google\\.api")
  message(FATAL_ERROR "${SRC}: an option this script does not strip is left")
endif()
file(WRITE "${DST}" "${text}")
