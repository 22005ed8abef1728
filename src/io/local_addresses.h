// Every IPv4 and IPv6 address on this host's interfaces, from one dump (getifaddrs, one
// netlink request). For checking many VIPs at once: Addresses::present() asks the kernel
// once per VIP, which a thousand VRRP routers turn into a thousand dumps a second.
#pragma once

#include <string>
#include <unordered_set>

#include "common/result.h"

namespace vigil::io {

// Keys "INTERFACE ADDRESS", the address in inet_ntop form (the config's canonical form).
Result<std::unordered_set<std::string>> local_addresses();

inline std::string local_address_key(const std::string& interface, const std::string& address) {
    return interface + " " + address;
}

}  // namespace vigil::io
