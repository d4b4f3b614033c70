# cmake -DINPUT=path -DOUTPUT=path.cpp -DNAME=symbol -P EmbedFile.cmake writes INPUT's bytes
# into a C++ source as civic::generated::NAME[] and NAME_size (a build step, so a binary
# carries the file).
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" digits)
math(EXPR size "${digits} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE "${OUTPUT}.tmp"
     "// Generated from ${INPUT}; do not edit.\n#include <cstddef>\n"
     "namespace civic::generated {\nextern const unsigned char ${NAME}[] = {${bytes}};\n"
     "extern const std::size_t ${NAME}_size = ${size};\n} // namespace civic::generated\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
