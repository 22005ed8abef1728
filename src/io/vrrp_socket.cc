// VrrpSocket over a raw IP socket (protocol 112). Why each option is set:
// - SO_BINDTODEVICE: adverts are per link (RFC 9568 §7.1: only those of the interface the
//   router is on count), and the same VRID may live on another interface.
// - Multicast group joined on the ifindex, sent via IP(V6)_MULTICAST_IF: the interface, not
//   the routing table, picks the link.
// - TTL / hop limit 255 for multicast and unicast: a receiver drops anything else (§7.1), so
//   that no advert crosses a router.
// - Multicast loop off: our own adverts would come back to us.
// - IPv4 receive keeps the IP header (raw sockets do): TTL and addresses come from it.
//   IPv6 raw sockets strip it, so hop limit and destination come as ancillary data.
// - No IPV6_CHECKSUM: wire::encode_vrrp fills in the checksum, for both families alike.
// - The source address goes with each packet (IP_PKTINFO / IPV6_PKTINFO), not by bind():
//   see send() for why.
#include "io/vrrp_socket.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/socket.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

#include "io/vrrp_ipv4.h"

namespace vigil::io {
namespace {

constexpr std::size_t kReceiveBytesMax = 65536;

std::string errno_text(const std::string& what) {
    return what + ": " + std::strerror(errno);
}

Result<void> set_option(int fd, int level, int name, int value, const char* what) {
    if (setsockopt(fd, level, name, &value, sizeof value) != 0)
        return Error::io(errno_text(std::string("setsockopt ") + what));
    return {};
}

struct NlSockFree {
    void operator()(nl_sock* sock) const { nl_socket_free(sock); }
};
struct NlCacheFree {
    void operator()(nl_cache* cache) const { nl_cache_free(cache); }
};

bool excluded(const wire::IpAddress& a, const std::vector<wire::IpAddress>& exclude) {
    for (const auto& x : exclude)
        if (x == a) return true;
    return false;
}

// The interface's source address for adverts, from one netlink dump (libnl gives the
// IFA_F_* flags, which getifaddrs does not): IPv4, the first primary address not in
// `exclude`, else the first secondary one; IPv6, the first link-local address that is
// usable (not tentative, not failed DAD) and not excluded.
std::optional<wire::IpAddress> find_source(int ifindex, bool ipv6,
                                           const std::vector<wire::IpAddress>& exclude) {
    std::unique_ptr<nl_sock, NlSockFree> sock(nl_socket_alloc());
    if (!sock || nl_connect(sock.get(), NETLINK_ROUTE) < 0) return std::nullopt;
    nl_cache* raw = nullptr;
    if (rtnl_addr_alloc_cache(sock.get(), &raw) < 0) return std::nullopt;
    std::unique_ptr<nl_cache, NlCacheFree> cache(raw);
    std::optional<wire::IpAddress> secondary;
    for (nl_object* obj = nl_cache_get_first(raw); obj; obj = nl_cache_get_next(obj)) {
        auto* addr = reinterpret_cast<rtnl_addr*>(obj);
        if (rtnl_addr_get_ifindex(addr) != ifindex) continue;
        if (rtnl_addr_get_family(addr) != (ipv6 ? AF_INET6 : AF_INET)) continue;
        nl_addr* local = rtnl_addr_get_local(addr);
        if (!local || nl_addr_get_len(local) != (ipv6 ? 16u : 4u)) continue;
        wire::IpAddress a;
        a.ipv6 = ipv6;
        std::memcpy(a.bytes.data(), nl_addr_get_binary_addr(local), a.size());
        if (excluded(a, exclude)) continue;
        const unsigned flags = rtnl_addr_get_flags(addr);
        if (ipv6) {
            const bool link_local = a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80;
            if (!link_local || (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED))) continue;
            return a;
        }
        if (!(flags & IFA_F_SECONDARY)) return a;
        if (!secondary) secondary = a;
    }
    return secondary;
}

sockaddr_storage to_sockaddr(const wire::IpAddress& a, int ifindex, socklen_t& length) {
    sockaddr_storage ss{};
    if (a.ipv6) {
        auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
        s6->sin6_family = AF_INET6;
        std::memcpy(&s6->sin6_addr, a.bytes.data(), 16);
        // Link-local and multicast link-scope addresses mean nothing without the link.
        if (IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr) || IN6_IS_ADDR_MC_LINKLOCAL(&s6->sin6_addr))
            s6->sin6_scope_id = static_cast<std::uint32_t>(ifindex);
        length = sizeof(sockaddr_in6);
    } else {
        auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
        s4->sin_family = AF_INET;
        std::memcpy(&s4->sin_addr, a.bytes.data(), 4);
        length = sizeof(sockaddr_in);
    }
    return ss;
}

// Options of the IPv4 socket (RFC 9568 §5.1.1).
Result<void> setup_v4(int fd, int ifindex) {
    ip_mreqn join{};
    join.imr_multiaddr.s_addr = htonl(0xe0000012);  // 224.0.0.18
    join.imr_ifindex = ifindex;
    if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &join, sizeof join) != 0)
        return Error::io(errno_text("join 224.0.0.18"));
    ip_mreqn out{};
    out.imr_ifindex = ifindex;
    if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &out, sizeof out) != 0)
        return Error::io(errno_text("setsockopt IP_MULTICAST_IF"));
    if (auto r = set_option(fd, IPPROTO_IP, IP_MULTICAST_TTL, wire::kVrrpTtl, "IP_MULTICAST_TTL");
        !r)
        return r;
    if (auto r = set_option(fd, IPPROTO_IP, IP_TTL, wire::kVrrpTtl, "IP_TTL"); !r) return r;
    // Network control traffic, as keepalived marks it (IPTOS_PREC_INTERNETCONTROL).
    if (auto r = set_option(fd, IPPROTO_IP, IP_TOS, 0xc0, "IP_TOS"); !r) return r;
    return set_option(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0, "IP_MULTICAST_LOOP");
}

// Options of the IPv6 socket (RFC 9568 §5.1.2).
Result<void> setup_v6(int fd, int ifindex) {
    ipv6_mreq join{};
    std::memcpy(&join.ipv6mr_multiaddr, wire::kVrrpMulticastV6.data(), 16);
    join.ipv6mr_interface = static_cast<unsigned>(ifindex);
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &join, sizeof join) != 0)
        return Error::io(errno_text("join ff02::12"));
    if (auto r = set_option(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex, "IPV6_MULTICAST_IF"); !r)
        return r;
    if (auto r = set_option(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, wire::kVrrpTtl,
                            "IPV6_MULTICAST_HOPS");
        !r)
        return r;
    if (auto r =
            set_option(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, wire::kVrrpTtl, "IPV6_UNICAST_HOPS");
        !r)
        return r;
    if (auto r = set_option(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP"); !r)
        return r;
    if (auto r = set_option(fd, IPPROTO_IPV6, IPV6_TCLASS, 0xc0, "IPV6_TCLASS"); !r) return r;
    if (auto r = set_option(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT"); !r)
        return r;
    return set_option(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO");
}

}  // namespace

Result<VrrpSocket::Packet> parse_vrrp_ipv4(std::span<const std::uint8_t> buffer,
                                           const std::string& interface) {
    const std::string bad = "vrrp receive on " + interface + ": malformed IPv4 header";
    const std::size_t size = buffer.size();
    if (size < 20) return Error::protocol(bad + " (shorter than 20 bytes)");
    if ((buffer[0] >> 4) != 4) return Error::protocol(bad + " (version not 4)");
    const std::size_t ihl = std::size_t{buffer[0] & 0x0fu} * 4;
    if (ihl < 20 || ihl > size) return Error::protocol(bad + " (bad header length)");
    const std::size_t total = (std::size_t{buffer[2]} << 8) | buffer[3];
    if (total < ihl || total > size) return Error::protocol(bad + " (bad total length)");
    if (buffer[9] != wire::kVrrpIpProtocol) return Error::protocol(bad + " (not protocol 112)");
    VrrpSocket::Packet p;
    p.ttl = buffer[8];
    p.source = wire::IpAddress::v4({buffer[12], buffer[13], buffer[14], buffer[15]});
    p.destination = wire::IpAddress::v4({buffer[16], buffer[17], buffer[18], buffer[19]});
    p.payload.assign(buffer.begin() + static_cast<std::ptrdiff_t>(ihl),
                     buffer.begin() + static_cast<std::ptrdiff_t>(total));
    return p;
}

Result<VrrpSocket> VrrpSocket::open(const std::string& interface, bool ipv6) {
    const std::string what =
        std::string("vrrp socket ") + (ipv6 ? "IPv6" : "IPv4") + " on interface " + interface;
    if (interface.empty() || interface.size() >= IFNAMSIZ)
        return Error::invalid(what + ": not an interface name");
    const unsigned ifindex = if_nametoindex(interface.c_str());
    if (ifindex == 0) return Error::not_found(what + ": no such interface");
    const int fd = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
                            wire::kVrrpIpProtocol);
    if (fd < 0) return Error::io(errno_text(what + ": socket"));
    VrrpSocket sock(fd, interface, ipv6, static_cast<int>(ifindex));  // closes fd on error
    if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(),
                   static_cast<socklen_t>(interface.size())) != 0)
        return Error::io(errno_text(what + ": SO_BINDTODEVICE"));
    auto r =
        ipv6 ? setup_v6(fd, static_cast<int>(ifindex)) : setup_v4(fd, static_cast<int>(ifindex));
    if (!r) return Error::io(what + ": " + r.error().message);
    return sock;
}

VrrpSocket::VrrpSocket(VrrpSocket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      ipv6_(other.ipv6_),
      ifindex_(other.ifindex_),
      interface_(std::move(other.interface_)),
      source_(std::move(other.source_)) {}

VrrpSocket& VrrpSocket::operator=(VrrpSocket&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
        ipv6_ = other.ipv6_;
        ifindex_ = other.ifindex_;
        interface_ = std::move(other.interface_);
        source_ = std::move(other.source_);
    }
    return *this;
}

VrrpSocket::~VrrpSocket() {
    if (fd_ >= 0) ::close(fd_);
}

std::optional<wire::IpAddress> VrrpSocket::refresh_source(
    const std::vector<wire::IpAddress>& exclude) {
    source_ = find_source(ifindex_, ipv6_, exclude);
    return source_;
}

// The source goes with each packet as IP_PKTINFO / IPV6_PKTINFO rather than by bind():
// a raw IPv4 socket bound to an address receives only packets sent to that address, so it
// would no longer hear 224.0.0.18 (the kernel's raw_v4_match), and a bound IPv6 socket
// would miss unicast adverts to the interface's other addresses. The effect the header
// asks for is the same: the kernel writes source_ into the IP header, the address the
// checksum was computed with.
Result<void> VrrpSocket::send(const wire::IpAddress& destination,
                              std::span<const std::uint8_t> payload) {
    if (destination.ipv6 != ipv6_)
        return Error::invalid("vrrp send to " + destination.to_string() + " on the " +
                              (ipv6_ ? "IPv6" : "IPv4") + " socket of " + interface_);
    socklen_t length = 0;
    sockaddr_storage ss = to_sockaddr(destination, ifindex_, length);
    iovec iov{const_cast<std::uint8_t*>(payload.data()), payload.size()};
    msghdr msg{};
    msg.msg_name = &ss;
    msg.msg_namelen = length;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(in6_pktinfo))] = {};
    if (source_) {
        msg.msg_control = control;
        cmsghdr* c = reinterpret_cast<cmsghdr*>(control);
        if (ipv6_) {
            in6_pktinfo info{};
            std::memcpy(&info.ipi6_addr, source_->bytes.data(), 16);
            info.ipi6_ifindex = static_cast<unsigned>(ifindex_);
            c->cmsg_level = IPPROTO_IPV6;
            c->cmsg_type = IPV6_PKTINFO;
            c->cmsg_len = CMSG_LEN(sizeof info);
            std::memcpy(CMSG_DATA(c), &info, sizeof info);
            msg.msg_controllen = CMSG_SPACE(sizeof info);
        } else {
            in_pktinfo info{};
            std::memcpy(&info.ipi_spec_dst, source_->bytes.data(), 4);
            info.ipi_ifindex = ifindex_;
            c->cmsg_level = IPPROTO_IP;
            c->cmsg_type = IP_PKTINFO;
            c->cmsg_len = CMSG_LEN(sizeof info);
            std::memcpy(CMSG_DATA(c), &info, sizeof info);
            msg.msg_controllen = CMSG_SPACE(sizeof info);
        }
    }
    const ssize_t n = ::sendmsg(fd_, &msg, MSG_DONTWAIT);
    if (n < 0) {
        const std::string text = "vrrp send to " + destination.to_string() + " on " + interface_;
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
            return Error::busy(errno_text(text));
        return Error::io(errno_text(text));
    }
    if (static_cast<std::size_t>(n) != payload.size())
        return Error::io("vrrp send to " + destination.to_string() + ": short write");
    return {};
}

Result<std::optional<VrrpSocket::Packet>> VrrpSocket::receive() {
    std::vector<std::uint8_t> buffer(kReceiveBytesMax);
    sockaddr_storage from{};
    alignas(cmsghdr) unsigned char control[256];
    iovec iov{buffer.data(), buffer.size()};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(fd_, &msg, MSG_DONTWAIT);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return std::optional<Packet>{};
        return Error::io(errno_text("vrrp receive on " + interface_));
    }
    if (msg.msg_flags & MSG_TRUNC)
        return Error::protocol("vrrp receive on " + interface_ + ": truncated packet");
    const auto size = static_cast<std::size_t>(n);
    Packet p;
    if (!ipv6_) {
        auto p4 = parse_vrrp_ipv4(std::span(buffer.data(), size), interface_);
        if (!p4) return p4.error();
        return std::optional<Packet>(std::move(*p4));
    }
    if (from.ss_family != AF_INET6)
        return Error::protocol("vrrp receive on " + interface_ + ": no IPv6 source address");
    const auto* s6 = reinterpret_cast<const sockaddr_in6*>(&from);
    p.source.ipv6 = true;
    std::memcpy(p.source.bytes.data(), &s6->sin6_addr, 16);
    p.destination.ipv6 = true;
    bool have_destination = false;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != IPPROTO_IPV6) continue;
        if (c->cmsg_type == IPV6_HOPLIMIT && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
            int hops = -1;
            std::memcpy(&hops, CMSG_DATA(c), sizeof hops);
            p.ttl = hops;
        } else if (c->cmsg_type == IPV6_PKTINFO && c->cmsg_len >= CMSG_LEN(sizeof(in6_pktinfo))) {
            in6_pktinfo info{};
            std::memcpy(&info, CMSG_DATA(c), sizeof info);
            std::memcpy(p.destination.bytes.data(), &info.ipi6_addr, 16);
            have_destination = true;
        }
    }
    if (!have_destination)
        return Error::protocol("vrrp receive on " + interface_ + ": no IPV6_PKTINFO destination");
    p.payload.assign(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(size));
    return std::optional<Packet>(std::move(p));
}

}  // namespace vigil::io
