#include "daemon/check_target.h"

#include <algorithm>

namespace vigil::daemon {

namespace {

// 1..65535 in decimal digits, nothing else.
std::optional<int> parse_port(std::string_view s) {
    if (s.empty() || s.size() > 5) return std::nullopt;
    int port = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        port = port * 10 + (c - '0');
    }
    if (port < 1 || port > 65535) return std::nullopt;
    return port;
}

// HOST or HOST:PORT (when port_required is false the port may be left out).
std::optional<HostPort> parse_authority(std::string_view text, bool port_required,
                                        int default_port) {
    std::string_view host;
    std::string_view rest;
    bool bracketed = false;
    if (text.starts_with("[")) {
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        host = text.substr(1, close - 1);
        rest = text.substr(close + 1);
        bracketed = true;
    } else {
        const std::size_t colon = text.find(':');
        host = text.substr(0, colon);
        rest = colon == std::string_view::npos ? std::string_view() : text.substr(colon);
    }
    HostPort out;
    if (rest.empty()) {
        if (port_required) return std::nullopt;
        out.port = default_port;
    } else {
        if (rest.front() != ':') return std::nullopt;
        auto port = parse_port(rest.substr(1));
        if (!port) return std::nullopt;
        out.port = *port;
    }
    auto ip = parse_ip(host);
    // IPv6 only in brackets, brackets only for IPv6: "fd00::1:80" is ambiguous.
    if (!ip || ip->ipv6 != bracketed) return std::nullopt;
    out.host = *ip;
    return out;
}

}  // namespace

std::optional<HostPort> parse_host_port(std::string_view text) {
    return parse_authority(text, true, 0);
}

std::optional<HttpUrl> parse_http_url(std::string_view text) {
    constexpr std::string_view kScheme = "http://";
    if (!text.starts_with(kScheme)) return std::nullopt;
    text.remove_prefix(kScheme.size());
    const std::size_t slash = text.find('/');
    auto authority = parse_authority(text.substr(0, slash), false, 80);
    if (!authority) return std::nullopt;
    HttpUrl url;
    url.host = authority->host;
    url.port = authority->port;
    if (slash == std::string_view::npos) return url;
    const std::string_view path = text.substr(slash);
    // It goes into the request line as it is: no spaces, controls or raw non-ASCII bytes.
    if (!std::all_of(path.begin(), path.end(), [](char c) { return c > 0x20 && c < 0x7f; }))
        return std::nullopt;
    url.path = std::string(path);
    return url;
}

}  // namespace vigil::daemon
