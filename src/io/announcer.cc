// Announcer over raw sockets: after a node takes a VIP, neighbours must learn the VIP's new
// MAC address now rather than when their ARP or neighbour cache entries time out (minutes).
// IPv4 gets a gratuitous ARP request (RFC 5227 §3 "ARP Announcement"), IPv6 an unsolicited
// neighbour advertisement (RFC 4861 §7.2.6), the same packets keepalived and the kernel's
// own arp_notify send.
//
// Interfaces come and go under us (a veth recreated by a container runtime gets a new index),
// so the interface's index and MAC are read on every call: two ioctls, next to a few packets
// per failover. Only the IPv6 sockets, which are bound to one interface, are kept, keyed by
// name together with the index they were bound to, and rebuilt when that index changes.
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/icmp6.h>
#include <netinet/if_ether.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <string>

#include "io/addresses.h"

namespace vigil::io {
namespace {

// Interfaces with a cached IPv6 socket; a node has a handful. At the limit the cache is
// emptied and refilled on demand, which costs a socket per interface, never correctness.
constexpr std::size_t kInterfacesMax = 64;
constexpr int kNdHopLimit = 255;  // RFC 4861 §7.1.2: receivers drop anything less

using Mac = std::array<unsigned char, ETH_ALEN>;

class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) reset(other.release());
        return *this;
    }
    ~UniqueFd() { reset(-1); }
    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }

private:
    int release() {
        const int fd = fd_;
        fd_ = -1;
        return fd;
    }
    void reset(int fd) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }
    int fd_ = -1;
};

struct Interface {
    int ifindex = 0;
    Mac mac{};
};

struct NaSocket {
    int ifindex = 0;  // the index the socket was bound to
    UniqueFd fd;
};

std::string describe(const VipConfig& vip) {
    return "announce vip " + vip.address + " on interface " + vip.interface;
}

Error system_error(const VipConfig& vip, const char* what, int error_number) {
    return Error::io(describe(vip) + ": " + what + ": " + std::strerror(error_number));
}

class RawAnnouncer final : public Announcer {
public:
    Result<void> announce(const VipConfig& vip) override {
        std::array<unsigned char, sizeof(in6_addr)> address{};
        const int family = vip.ipv6 ? AF_INET6 : AF_INET;
        if (inet_pton(family, vip.address.c_str(), address.data()) != 1) {
            return Error::invalid(describe(vip) + ": not an IPv" + (vip.ipv6 ? "6" : "4") +
                                  " address literal");
        }
        auto iface = lookup(vip);
        if (!iface) return iface.error();
        if (vip.ipv6) return send_neighbour_advert(vip, address, *iface);
        return send_gratuitous_arp(vip, address, *iface);
    }

private:
    // REQUIRES: vip.interface names an Ethernet-like interface (one with a 6-byte MAC).
    Result<Interface> lookup(const VipConfig& vip) {
        if (vip.interface.empty() || vip.interface.size() >= IFNAMSIZ) {
            return Error::invalid(describe(vip) + ": interface name must be 1.." +
                                  std::to_string(IFNAMSIZ - 1) + " bytes");
        }
        if (!ioctl_fd_.valid()) {
            // Any socket answers SIOCGIF*; a UDP one needs no privilege, so that a missing
            // interface is reported as such even where raw sockets would be refused.
            ioctl_fd_ = UniqueFd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
            if (!ioctl_fd_.valid()) return system_error(vip, "socket(AF_INET)", errno);
        }
        ifreq req{};
        std::memcpy(req.ifr_name, vip.interface.data(), vip.interface.size());
        Interface iface;
        if (::ioctl(ioctl_fd_.get(), SIOCGIFINDEX, &req) != 0) {
            if (errno == ENODEV) {
                na_sockets_.erase(vip.interface);
                return Error::not_found(describe(vip) + ": interface " + vip.interface +
                                        " does not exist");
            }
            return system_error(vip, "SIOCGIFINDEX", errno);
        }
        iface.ifindex = req.ifr_ifindex;
        if (::ioctl(ioctl_fd_.get(), SIOCGIFHWADDR, &req) != 0) {
            return system_error(vip, "SIOCGIFHWADDR", errno);
        }
        // Loopback, tun and the like have no link-layer address to announce.
        if (req.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
            return Error::invalid(describe(vip) + ": not an Ethernet interface (type " +
                                  std::to_string(req.ifr_hwaddr.sa_family) + ")");
        }
        std::memcpy(iface.mac.data(), req.ifr_hwaddr.sa_data, ETH_ALEN);
        return iface;
    }

    // RFC 5227 §3: an ARP request with sender and target protocol address both the VIP and
    // an all-zero target hardware address, broadcast. A request rather than a reply, since
    // some hosts update their caches only from requests (RFC 5227 §3 discusses both).
    Result<void> send_gratuitous_arp(const VipConfig& vip,
                                     const std::array<unsigned char, 16>& address,
                                     const Interface& iface) {
        if (!packet_fd_.valid()) {
            // Protocol 0: this socket only sends, so the kernel queues nothing to it.
            packet_fd_ = UniqueFd(::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
            if (!packet_fd_.valid()) return system_error(vip, "socket(AF_PACKET)", errno);
        }
        ether_arp arp{};
        arp.arp_hrd = htons(ARPHRD_ETHER);
        arp.arp_pro = htons(ETHERTYPE_IP);
        arp.arp_hln = ETH_ALEN;
        arp.arp_pln = sizeof(in_addr);
        arp.arp_op = htons(ARPOP_REQUEST);
        std::memcpy(arp.arp_sha, iface.mac.data(), ETH_ALEN);
        std::memcpy(arp.arp_spa, address.data(), sizeof(in_addr));
        std::memcpy(arp.arp_tpa, address.data(), sizeof(in_addr));  // arp_tha stays zero

        // SOCK_DGRAM: the kernel writes the Ethernet header, source = the interface's MAC.
        sockaddr_ll dst{};
        dst.sll_family = AF_PACKET;
        dst.sll_protocol = htons(ETH_P_ARP);
        dst.sll_ifindex = iface.ifindex;
        dst.sll_halen = ETH_ALEN;
        std::memset(dst.sll_addr, 0xff, ETH_ALEN);
        const ssize_t sent = ::sendto(packet_fd_.get(), &arp, sizeof(arp), 0,
                                      reinterpret_cast<const sockaddr*>(&dst), sizeof(dst));
        if (sent < 0) return system_error(vip, "sending gratuitous ARP", errno);
        if (static_cast<std::size_t>(sent) != sizeof(arp)) {
            return Error::io(describe(vip) + ": gratuitous ARP sent short");
        }
        return {};
    }

    // RFC 4861 §7.2.6: an unsolicited advertisement to all-nodes with Override set (so that
    // caches replace the old holder's MAC) and Solicited clear (§4.4: not a reply); Router is
    // clear because a VIP is not a router address. The kernel fills in the checksum, which it
    // always does for raw ICMPv6 sockets (RFC 3542 §3.1).
    Result<void> send_neighbour_advert(const VipConfig& vip,
                                       const std::array<unsigned char, 16>& address,
                                       const Interface& iface) {
        struct Advert {
            nd_neighbor_advert header;
            nd_opt_hdr option;
            unsigned char mac[ETH_ALEN];
        };
        static_assert(sizeof(Advert) == 32, "RFC 4861 §4.4: 24 bytes + one 8-byte option");
        Advert advert{};
        advert.header.nd_na_type = ND_NEIGHBOR_ADVERT;
        advert.header.nd_na_code = 0;
        advert.header.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE;  // already network order
        std::memcpy(&advert.header.nd_na_target, address.data(), sizeof(in6_addr));
        advert.option.nd_opt_type = ND_OPT_TARGET_LINKADDR;
        advert.option.nd_opt_len = 1;  // in units of 8 bytes, header included
        std::memcpy(advert.mac, iface.mac.data(), ETH_ALEN);

        auto fd = neighbour_socket(vip, iface);
        if (!fd) return fd.error();
        sockaddr_in6 dst{};
        dst.sin6_family = AF_INET6;
        inet_pton(AF_INET6, "ff02::1", &dst.sin6_addr);
        dst.sin6_scope_id = static_cast<uint32_t>(iface.ifindex);
        const ssize_t sent = ::sendto(*fd, &advert, sizeof(advert), 0,
                                      reinterpret_cast<const sockaddr*>(&dst), sizeof(dst));
        if (sent < 0) {
            const int error_number = errno;
            na_sockets_.erase(vip.interface);  // the next call starts from a fresh socket
            return system_error(vip, "sending neighbour advertisement", error_number);
        }
        if (static_cast<std::size_t>(sent) != sizeof(advert)) {
            return Error::io(describe(vip) + ": neighbour advertisement sent short");
        }
        return {};
    }

    // Returns the interface's cached socket, opening one if there is none or if the cached
    // one was bound to an interface of the same name that has since been replaced.
    Result<int> neighbour_socket(const VipConfig& vip, const Interface& iface) {
        auto it = na_sockets_.find(vip.interface);
        if (it != na_sockets_.end() && it->second.ifindex == iface.ifindex) {
            return it->second.fd.get();
        }
        if (it != na_sockets_.end()) na_sockets_.erase(it);
        if (na_sockets_.size() >= kInterfacesMax) na_sockets_.clear();

        UniqueFd fd(::socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6));
        if (!fd.valid()) return system_error(vip, "socket(AF_INET6, ICMPv6)", errno);
        // A raw ICMPv6 socket receives every ICMPv6 packet on the host; this one only sends.
        icmp6_filter filter{};
        ICMP6_FILTER_SETBLOCKALL(&filter);
        const int hops = kNdHopLimit;
        const int loop = 0;  // our own stack needs no news of our own address
        const int ifindex = iface.ifindex;
        if (::setsockopt(fd.get(), IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof(filter)) != 0) {
            return system_error(vip, "ICMP6_FILTER", errno);
        }
        if (::setsockopt(fd.get(), SOL_SOCKET, SO_BINDTODEVICE, vip.interface.c_str(),
                         static_cast<socklen_t>(vip.interface.size())) != 0) {
            return system_error(vip, "SO_BINDTODEVICE", errno);
        }
        if (::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex)) !=
            0) {
            return system_error(vip, "IPV6_MULTICAST_IF", errno);
        }
        if (::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) != 0) {
            return system_error(vip, "IPV6_MULTICAST_HOPS", errno);
        }
        if (::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &loop, sizeof(loop)) != 0) {
            return system_error(vip, "IPV6_MULTICAST_LOOP", errno);
        }
        const int raw = fd.get();
        na_sockets_.emplace(vip.interface, NaSocket{iface.ifindex, std::move(fd)});
        return raw;
    }

    UniqueFd ioctl_fd_;   // AF_INET datagram socket, for SIOCGIF* lookups only
    UniqueFd packet_fd_;  // AF_PACKET, sends ARP on any interface named per packet
    std::map<std::string, NaSocket> na_sockets_;  // at most kInterfacesMax entries
};

}  // namespace

std::unique_ptr<Announcer> make_raw_announcer() {
    return std::make_unique<RawAnnouncer>();
}

}  // namespace vigil::io
