// The IPv4 half of VrrpSocket::receive(), apart so that malformed headers can be tested
// without a kernel: raw IPv4 sockets hand over the whole datagram, IP header included.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "common/result.h"
#include "io/vrrp_socket.h"

namespace vigil::io {

// The VRRP payload, TTL and both addresses of an IPv4 datagram of protocol 112. Checks
// the version, the header length (IHL, options allowed) and the total length against the
// bytes received (bytes past the total length are dropped) before reading any field; a
// malformed header is Error::Code::protocol naming `interface` and what was wrong.
Result<VrrpSocket::Packet> parse_vrrp_ipv4(std::span<const std::uint8_t> datagram,
                                           const std::string& interface);

}  // namespace vigil::io
