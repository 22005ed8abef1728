// The status page (web/status.html), embedded into the binary at build time by
// cmake/embed_file.cmake, so that the agent serves it without reading any file.
#pragma once

#include <string_view>

namespace vigil::daemon {

std::string_view status_page_html();  // the bytes of web/status.html, as they were at build

}  // namespace vigil::daemon
