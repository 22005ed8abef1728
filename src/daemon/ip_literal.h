// IP address literals as the config file writes them (node addresses, VIPs, the
// tie-breaker): parsed, checked to be unicast, and put in one canonical spelling so that
// equal addresses compare equal. Private to the config parser (config_parse.cc,
// config_quorum.cc).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vigil::daemon {

struct IpLiteral {
    bool ipv6 = false;
    std::string canonical;  // inet_ntop form, so that equal addresses compare equal
};

// A unicast IPv4 or IPv6 literal. Unspecified (0.0.0.0, ::), multicast (224/4, ff00::/8)
// and the reserved and broadcast block 240/4 are refused: none can be a node or a VIP.
std::optional<IpLiteral> parse_ip(std::string_view text);

}  // namespace vigil::daemon
