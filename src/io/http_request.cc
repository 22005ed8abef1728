#include "io/http_request.h"

#include <algorithm>
#include <cctype>

namespace vigil::io {

namespace {

// RFC 9110 §5.6.2: tchar.
bool is_tchar(char c) {
    if (std::isalnum(static_cast<unsigned char>(c))) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}

// Visible ASCII only: no spaces, no controls, no bytes >= 0x80 (RFC 3986 targets are ASCII).
bool is_target(std::string_view s) {
    if (s.empty() || s.front() != '/') return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

HttpParse bad(int status, std::string error) {
    HttpParse p;
    p.kind = HttpParse::Kind::bad;
    p.status = status;
    p.error = std::move(error);
    return p;
}

// The end of the head: the index just past the empty line, or npos.
std::size_t head_end(std::string_view bytes) {
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (bytes[i] != '\n') continue;
        // An empty line: "\n\n" or "\n\r\n".
        if (i + 1 < bytes.size() && bytes[i + 1] == '\n') return i + 2;
        if (i + 2 < bytes.size() && bytes[i + 1] == '\r' && bytes[i + 2] == '\n') return i + 3;
    }
    return std::string_view::npos;
}

}  // namespace

const std::string* HttpRequest::header(std::string_view name) const {
    for (const auto& [n, v] : headers)
        if (iequals(n, name)) return &v;
    return nullptr;
}

HttpParse parse_http_request(std::string_view bytes, std::size_t head_bytes_max) {
    const std::size_t bytes_in = bytes.size();
    // RFC 9112 §2.2: a server should ignore at least one empty line before the request line.
    while (!bytes.empty() && (bytes.front() == '\r' || bytes.front() == '\n')) {
        if (bytes.front() == '\r' && (bytes.size() < 2 || bytes[1] != '\n')) break;
        bytes.remove_prefix(bytes.front() == '\r' ? 2 : 1);
    }
    const std::size_t end = head_end(bytes);
    if (end == std::string_view::npos || end > head_bytes_max) {
        if (bytes.size() >= head_bytes_max || end != std::string_view::npos)
            return bad(431,
                       "request head larger than " + std::to_string(head_bytes_max) + " bytes");
        return HttpParse{};
    }
    std::string_view head = bytes.substr(0, end);
    HttpParse out;
    bool first = true, has_host = false, http11 = false;
    while (!head.empty()) {
        const std::size_t nl = head.find('\n');
        std::string_view line = head.substr(0, nl);
        head.remove_prefix(nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.find('\r') != std::string_view::npos) return bad(400, "bare CR in request head");
        if (line.empty()) break;  // the end of the head
        if (first) {
            first = false;
            // request-line = method SP request-target SP HTTP-version (RFC 9112 §3)
            const std::size_t sp1 = line.find(' ');
            const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
            if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
                return bad(400, "malformed request line");
            const std::string_view method = line.substr(0, sp1);
            const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
            const std::string_view version = line.substr(sp2 + 1);
            if (!is_token(method)) return bad(400, "malformed method");
            if (!is_target(target)) return bad(400, "request target must be a path (origin-form)");
            if (version.size() != 8 || version.substr(0, 5) != "HTTP/" ||
                !std::isdigit(static_cast<unsigned char>(version[5])) || version[6] != '.' ||
                !std::isdigit(static_cast<unsigned char>(version[7])))
                return bad(400, "malformed HTTP version");
            if (version != "HTTP/1.1" && version != "HTTP/1.0")
                return bad(505, "only HTTP/1.0 and HTTP/1.1 are supported");
            http11 = version == "HTTP/1.1";
            out.request.http11 = http11;
            out.request.method = std::string(method);
            out.request.target = std::string(target);
            out.request.path = std::string(target.substr(0, target.find('?')));
            continue;
        }
        // RFC 9112 §5.2: obsolete line folding is refused.
        if (line.front() == ' ' || line.front() == '\t') return bad(400, "obsolete line folding");
        const std::size_t colon = line.find(':');
        // RFC 9112 §5.1: no whitespace between the field name and the colon.
        if (colon == std::string_view::npos || !is_token(line.substr(0, colon)))
            return bad(400, "malformed header field");
        const std::string_view name = line.substr(0, colon);
        if (std::any_of(line.begin(), line.end(), [](char c) {
                return (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f;
            }))
            return bad(400, "control character in header field");
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
            value.remove_prefix(1);
        while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
            value.remove_suffix(1);
        out.request.headers.emplace_back(name, value);
        if (iequals(name, "host")) {
            if (has_host) return bad(400, "more than one Host header");
            has_host = true;
        }
    }
    if (first) return bad(400, "no request line");
    // RFC 9112 §3.2: a server must answer 400 to an HTTP/1.1 request without Host.
    if (http11 && !has_host) return bad(400, "HTTP/1.1 request without Host");
    out.kind = HttpParse::Kind::complete;
    out.head_bytes = bytes_in - bytes.size() + end;  // with the skipped empty lines
    return out;
}

}  // namespace vigil::io
