# Turns a file into a C++ source that holds its bytes: web/status.html becomes
# vigil::daemon::status_page_html() (src/daemon/status_page_html.h). Run by CMake at build
# time (cmake -P), so no tool beyond cmake is needed and an edit to the file rebuilds it.
# Variables: INPUT (the file), OUTPUT (the .cc to write), FUNCTION (the function's name).
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR byte_count "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
set(text "// Generated from ${INPUT} by cmake/embed_file.cmake: do not edit.\n")
string(APPEND text "#include <string_view>\n\nnamespace vigil::daemon {\n\n")
# A trailing 0 keeps the array non-empty for an empty file.
string(APPEND text "namespace {\nconstexpr unsigned char kBytes[] = {${bytes} 0};\n}  // namespace\n\n")
string(APPEND text "std::string_view ${FUNCTION}() {\n    return {reinterpret_cast<const char*>(kBytes), ${byte_count}};\n}\n\n")
string(APPEND text "}  // namespace vigil::daemon\n")
# Written only when it changed, so that an unchanged page does not relink the daemon.
if(EXISTS "${OUTPUT}")
    file(READ "${OUTPUT}" old)
    if(old STREQUAL text)
        return()
    endif()
endif()
file(WRITE "${OUTPUT}" "${text}")
