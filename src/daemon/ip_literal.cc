#include "daemon/ip_literal.h"

#include <arpa/inet.h>

#include <algorithm>

namespace vigil::daemon {

std::optional<IpLiteral> parse_ip(std::string_view text) {
    const std::string s(text);  // inet_pton needs a terminator
    unsigned char bytes[16] = {};
    IpLiteral ip;
    if (inet_pton(AF_INET, s.c_str(), bytes) != 1) {
        if (inet_pton(AF_INET6, s.c_str(), bytes) != 1) return std::nullopt;
        ip.ipv6 = true;
    }
    const bool unspecified = std::all_of(bytes, bytes + 16, [](unsigned char b) { return b == 0; });
    const bool multicast = ip.ipv6 ? bytes[0] == 0xff : bytes[0] >= 224;
    if (unspecified || multicast) return std::nullopt;
    char buf[INET6_ADDRSTRLEN];
    if (inet_ntop(ip.ipv6 ? AF_INET6 : AF_INET, bytes, buf, sizeof buf) == nullptr)
        return std::nullopt;
    ip.canonical = buf;
    return ip;
}

}  // namespace vigil::daemon
