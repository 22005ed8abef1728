// VrrpSocket: one raw IP socket (protocol 112) per interface and family, shared by every
// virtual router on that interface (a thousand routers, still one socket). It joins
// 224.0.0.18 / ff02::12 on the interface, sends with TTL / hop limit 255 from the
// interface's primary address (IPv4) or its link-local address (IPv6), and on receive
// reports the TTL / hop limit and both addresses so that the daemon can run the RFC 9568
// §7.1 checks and the checksum.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "wire/vrrp.h"

namespace vigil::io {

class VrrpSocket {
public:
    // Opens, binds to the device (SO_BINDTODEVICE) and joins the VRRP multicast group.
    // Needs CAP_NET_RAW. A missing interface is Error::Code::not_found.
    static Result<VrrpSocket> open(const std::string& interface, bool ipv6);
    VrrpSocket(VrrpSocket&& other) noexcept;
    VrrpSocket& operator=(VrrpSocket&& other) noexcept;
    VrrpSocket(const VrrpSocket&) = delete;
    ~VrrpSocket();

    int fd() const { return fd_; }
    bool ipv6() const { return ipv6_; }
    const std::string& interface() const { return interface_; }

    // The address adverts leave from, which the checksum covers: the interface's primary
    // IPv4 address (the first one that is not in `exclude`, i.e. not a VIP), or its IPv6
    // link-local address. nullopt when the interface has none yet. send() passes it with
    // every packet (IP_PKTINFO / IPV6_PKTINFO) so that the kernel uses the same source; the
    // socket is not bound to it, since a bound raw socket would no longer receive the
    // multicast group or adverts sent to the interface's other addresses. Call again when
    // addresses change.
    std::optional<wire::IpAddress> refresh_source(const std::vector<wire::IpAddress>& exclude);
    std::optional<wire::IpAddress> source() const { return source_; }

    // Best effort, never blocks: a full buffer is an error to count, not to wait on.
    Result<void> send(const wire::IpAddress& destination, std::span<const std::uint8_t> payload);

    struct Packet {
        std::vector<std::uint8_t> payload;  // the VRRP message, IP header removed
        wire::IpAddress source;
        wire::IpAddress destination;
        int ttl = -1;  // IPv4 TTL or IPv6 hop limit; -1 = unknown (then the packet is dropped)
    };
    // nullopt when nothing is pending. Malformed IP headers are returned as an error.
    Result<std::optional<Packet>> receive();

private:
    VrrpSocket(int fd, std::string interface, bool ipv6, int ifindex)
        : fd_(fd), ipv6_(ipv6), ifindex_(ifindex), interface_(std::move(interface)) {}
    int fd_ = -1;
    bool ipv6_ = false;
    int ifindex_ = 0;
    std::string interface_;
    std::optional<wire::IpAddress> source_;
};

}  // namespace vigil::io
