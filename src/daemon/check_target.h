// The targets of tcp and http health checks as the config file writes them
// (docs/config.md "[[check]]"): an IP literal host, never a host name, so that a check
// needs no resolver and means the same on every node. Shared by the config parser, which
// refuses anything else, and by whatever runs the checks, which reads the same text back.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "daemon/ip_literal.h"

namespace vigil::daemon {

struct HostPort {
    IpLiteral host;
    int port = 0;  // 1..65535
};

// "HOST:PORT": an IPv4 literal, or an IPv6 literal in brackets ("[fd00::1]:80").
std::optional<HostPort> parse_host_port(std::string_view text);

struct HttpUrl {
    IpLiteral host;
    int port = 80;
    std::string path = "/";  // as written, starting with '/'; printable ASCII, no spaces
};

// "http://HOST[:PORT][/PATH]", host as for parse_host_port; lower-case scheme only. No
// https (nothing here speaks TLS), no user info, no host names.
std::optional<HttpUrl> parse_http_url(std::string_view text);

}  // namespace vigil::daemon
