// The request head of HTTP/1.x (RFC 9112 §2-§5), as much as a GET/HEAD-only server needs:
// the request line and the header fields, no body, no chunked coding. Hand-written rather
// than a library (none in Debian fits a single-threaded epoll loop without pulling in its
// own): the agent serves two read-only endpoints, so the grammar it must accept is small,
// and everything outside it is refused with 400 rather than interpreted.
// Pure: no sockets, no clock; http_server.cc feeds it the bytes read so far.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigil::io {

struct HttpRequest {
    std::string method;   // a token, case-sensitive (RFC 9110 §9.1): "GET", "HEAD", ...
    std::string target;   // origin-form: starts with '/'
    std::string path;     // target without its query
    bool http11 = false;  // HTTP/1.1 (keep-alive by default) rather than HTTP/1.0
    // Header fields in order: the name as sent, the value without surrounding whitespace.
    std::vector<std::pair<std::string, std::string>> headers;
    // The first field named `name` (case-insensitive), or nullptr.
    const std::string* header(std::string_view name) const;
};

struct HttpParse {
    enum class Kind { incomplete, complete, bad };
    Kind kind = Kind::incomplete;
    HttpRequest request;         // complete only
    int status = 0;              // bad only: 400, 431 or 505
    std::string error;           // bad only: what was wrong, for the reply body
    std::size_t head_bytes = 0;  // complete only: bytes of the head, up to its empty line
};

// Parses the head at the start of `bytes`. incomplete: no empty line yet and fewer than
// `head_bytes_max` bytes; a longer head is bad (431). A bare LF is accepted as a line end
// (RFC 9112 §2.2 allows it); a bare CR, obsolete line folding, a header name with spaces,
// a missing Host in HTTP/1.1 and absolute-form targets are bad (400); a version other
// than HTTP/1.0 or HTTP/1.1 is 505.
HttpParse parse_http_request(std::string_view bytes, std::size_t head_bytes_max);

}  // namespace vigil::io
