// Addresses over rtnetlink (libnl-route-3): the production way a node takes and gives up
// its VIPs. Each call is one synchronous request acknowledged by the kernel, so when add()
// returns the address is assigned and (IPv6) usable; nothing is cached between calls, so a
// change made behind our back (an operator's `ip addr del`) is seen by the next present().
#include <arpa/inet.h>
#include <linux/ip.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/inet.h>
#include <netlink/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "io/addresses.h"

namespace vigil::io {
namespace {

struct NlSockFree {
    void operator()(nl_sock* sock) const { nl_socket_free(sock); }
};
struct NlAddrPut {
    void operator()(nl_addr* addr) const { nl_addr_put(addr); }
};
struct RtnlAddrPut {
    void operator()(rtnl_addr* addr) const { rtnl_addr_put(addr); }
};
struct RtnlLinkPut {
    void operator()(rtnl_link* link) const { rtnl_link_put(link); }
};
struct NlCacheFree {
    void operator()(nl_cache* cache) const { nl_cache_free(cache); }
};
using NlSockPtr = std::unique_ptr<nl_sock, NlSockFree>;
using NlAddrPtr = std::unique_ptr<nl_addr, NlAddrPut>;
using RtnlAddrPtr = std::unique_ptr<rtnl_addr, RtnlAddrPut>;
using RtnlLinkPtr = std::unique_ptr<rtnl_link, RtnlLinkPut>;
using NlCachePtr = std::unique_ptr<nl_cache, NlCacheFree>;

// The VIP as the kernel names it: binary address, family and interface index.
struct Target {
    int family = AF_UNSPEC;
    std::array<unsigned char, sizeof(in6_addr)> bytes{};
    std::size_t bytes_count = 0;
    int ifindex = 0;
};

std::string describe(const char* verb, const VipConfig& vip) {
    return std::string(verb) + " vip " + vip.cidr() + " on interface " + vip.interface;
}

Error netlink_error(const char* verb, const VipConfig& vip, int nl_error) {
    return Error::io(describe(verb, vip) + ": netlink: " + nl_geterror(nl_error));
}

// Checks the address literal against the family the config claims, so that a VIP that
// says ipv6 = false but holds "fd00::1" is refused rather than added as something else.
Result<Target> parse_address(const char* verb, const VipConfig& vip) {
    Target target;
    target.family = vip.ipv6 ? AF_INET6 : AF_INET;
    target.bytes_count = vip.ipv6 ? sizeof(in6_addr) : sizeof(in_addr);
    if (inet_pton(target.family, vip.address.c_str(), target.bytes.data()) != 1) {
        return Error::invalid(describe(verb, vip) + ": not an IPv" + (vip.ipv6 ? "6" : "4") +
                              " address literal");
    }
    const int prefix_max = vip.ipv6 ? 128 : 32;
    if (vip.prefix_length < 0 || vip.prefix_length > prefix_max) {
        return Error::invalid(describe(verb, vip) + ": prefix length out of range 0.." +
                              std::to_string(prefix_max));
    }
    return target;
}

// Returns 0 when the interface does not exist (if_nametoindex's convention).
Result<int> interface_index(const char* verb, const VipConfig& vip) {
    if (vip.interface.empty() || vip.interface.size() >= IFNAMSIZ) {
        return Error::invalid(describe(verb, vip) + ": interface name must be 1.." +
                              std::to_string(IFNAMSIZ - 1) + " bytes");
    }
    const unsigned index = if_nametoindex(vip.interface.c_str());
    if (index == 0 && errno != ENODEV && errno != ENXIO) {
        return Error::io(describe(verb, vip) + ": looking up interface: " + std::strerror(errno));
    }
    return static_cast<int>(index);
}

Error interface_missing(const char* verb, const VipConfig& vip) {
    return Error::not_found(describe(verb, vip) + ": interface " + vip.interface +
                            " does not exist");
}

// Builds the rtnl_addr for a request; the prefix length matters to the kernel only on add
// (IPv4 deletion also matches it, see remove()).
Result<RtnlAddrPtr> build_request(const char* verb, const VipConfig& vip, const Target& t) {
    NlAddrPtr local(nl_addr_build(t.family, t.bytes.data(), t.bytes_count));
    RtnlAddrPtr addr(rtnl_addr_alloc());
    if (!local || !addr) return Error::io(describe(verb, vip) + ": out of memory");
    nl_addr_set_prefixlen(local.get(), vip.prefix_length);
    rtnl_addr_set_ifindex(addr.get(), t.ifindex);
    rtnl_addr_set_family(addr.get(), t.family);
    const int err = rtnl_addr_set_local(addr.get(), local.get());  // takes its own reference
    if (err < 0) return netlink_error(verb, vip, err);
    rtnl_addr_set_prefixlen(addr.get(), vip.prefix_length);
    return addr;
}

// Linux deletes every secondary IPv4 address of a subnet together with the primary unless
// the interface has promote_secondaries set (net/ipv4/devinet.c, __inet_del_ifa). A VIP is
// that primary whenever it was the first address of its subnet on the interface, so without
// this, giving up one VIP would silently take the subnet's other VIPs with it, and an
// operator deleting the host's own address would take every VIP. systemd sets it host-wide
// by default (sysctl.d/50-default.conf) and keepalived's documentation asks for it; we set
// it on the VIP's interface only, with the same privilege the address change needs.
Result<void> ensure_promote_secondaries(nl_sock* sock, const char* verb, const VipConfig& vip,
                                        int ifindex) {
    rtnl_link* raw = nullptr;
    int err = rtnl_link_get_kernel(sock, ifindex, nullptr, &raw);
    if (err == -NLE_NODEV || err == -NLE_OBJ_NOTFOUND) return interface_missing(verb, vip);
    if (err < 0) return netlink_error(verb, vip, err);
    RtnlLinkPtr link(raw);
    uint32_t promote = 0;
    if (rtnl_link_inet_get_conf(link.get(), IPV4_DEVCONF_PROMOTE_SECONDARIES, &promote) == 0 &&
        promote != 0) {
        return {};
    }
    RtnlLinkPtr change(rtnl_link_alloc());
    if (!change) return Error::io(describe(verb, vip) + ": out of memory");
    err = rtnl_link_inet_set_conf(change.get(), IPV4_DEVCONF_PROMOTE_SECONDARIES, 1);
    if (err >= 0) err = rtnl_link_change(sock, link.get(), change.get(), 0);
    if (err < 0) {
        return Error::io(describe(verb, vip) + ": setting promote_secondaries on " + vip.interface +
                         ": netlink: " + nl_geterror(err));
    }
    return {};
}

class NetlinkAddresses final : public Addresses {
public:
    Result<void> add(const VipConfig& vip) override {
        constexpr const char* kVerb = "add";
        auto target = resolve(kVerb, vip);
        if (!target) return target.error();
        if (target->ifindex == 0) return interface_missing(kVerb, vip);
        auto addr = build_request(kVerb, vip, *target);
        if (!addr) return addr.error();
        if (vip.ipv6) {
            // RFC 4862 §5.4 would hold the address tentative (unusable) for about a second
            // while duplicate address detection runs; a VIP moves between nodes on purpose,
            // and the old holder may still answer DAD for a moment, which would fail it.
            rtnl_addr_set_flags(addr->get(), IFA_F_NODAD);
        }
        auto sock = socket(kVerb, vip);
        if (!sock) return sock.error();
        if (!vip.ipv6) {
            auto promoted = ensure_promote_secondaries(*sock, kVerb, vip, target->ifindex);
            if (!promoted) return promoted;
        }
        // Without NLM_F_REPLACE the kernel answers EEXIST for an address already there.
        const int err = rtnl_addr_add(*sock, addr->get(), 0);
        if (err < 0 && err != -NLE_EXIST) return netlink_error(kVerb, vip, err);
        return {};
    }

    Result<void> remove(const VipConfig& vip) override {
        constexpr const char* kVerb = "remove";
        auto target = resolve(kVerb, vip);
        if (!target) return target.error();
        // A vanished interface took its addresses with it: the postcondition (the VIP is not
        // on that interface) holds, and a misspelt name is caught earlier by add().
        if (target->ifindex == 0) return {};
        auto addr = build_request(kVerb, vip, *target);
        if (!addr) return addr.error();
        auto sock = socket(kVerb, vip);
        if (!sock) return sock.error();
        if (!vip.ipv6) {  // set at add() already, unless someone cleared it since
            auto promoted = ensure_promote_secondaries(*sock, kVerb, vip, target->ifindex);
            if (!promoted && promoted.error().code == Error::Code::not_found) return {};
            if (!promoted) return promoted;
        }
        const int err = rtnl_addr_delete(*sock, addr->get(), 0);
        // Absent address: EADDRNOTAVAIL (NLE_NOADDR) or ENOENT; interface gone meanwhile:
        // ENODEV. IPv4 deletion also matches the prefix length, so a VIP someone re-added
        // with another prefix stays; present() reports it and the caller can see why.
        if (err < 0 && err != -NLE_NOADDR && err != -NLE_OBJ_NOTFOUND && err != -NLE_NODEV) {
            return netlink_error(kVerb, vip, err);
        }
        return {};
    }

    Result<bool> present(const VipConfig& vip) override {
        constexpr const char* kVerb = "look for";
        auto target = resolve(kVerb, vip);
        if (!target) return target.error();
        if (target->ifindex == 0) return false;  // no interface, so not on it
        auto sock = socket(kVerb, vip);
        if (!sock) return sock.error();
        // One dump of this host's addresses; cheap next to how rarely the agent asks (after
        // a role change or an RTM_DELADDR), and always current because nothing is kept.
        nl_cache* raw = nullptr;
        const int err = rtnl_addr_alloc_cache(*sock, &raw);
        if (err < 0) return netlink_error(kVerb, vip, err);
        NlCachePtr cache(raw);
        for (nl_object* obj = nl_cache_get_first(raw); obj; obj = nl_cache_get_next(obj)) {
            if (matches(reinterpret_cast<rtnl_addr*>(obj), *target)) return true;
        }
        return false;
    }

private:
    Result<Target> resolve(const char* verb, const VipConfig& vip) {
        auto target = parse_address(verb, vip);
        if (!target) return target;
        auto ifindex = interface_index(verb, vip);
        if (!ifindex) return ifindex.error();
        target->ifindex = *ifindex;
        return target;
    }

    // Any prefix length counts: the question is whether the host answers for the address.
    static bool matches(rtnl_addr* addr, const Target& t) {
        if (rtnl_addr_get_ifindex(addr) != t.ifindex) return false;
        if (rtnl_addr_get_family(addr) != t.family) return false;
        nl_addr* local = rtnl_addr_get_local(addr);
        if (!local || nl_addr_get_len(local) != t.bytes_count) return false;
        return std::memcmp(nl_addr_get_binary_addr(local), t.bytes.data(), t.bytes_count) == 0;
    }

    // Connects on first use, so that constructing the object cannot fail; a socket that
    // failed a request is kept, since libnl discards stale replies by sequence number.
    Result<nl_sock*> socket(const char* verb, const VipConfig& vip) {
        if (sock_) return sock_.get();
        NlSockPtr sock(nl_socket_alloc());
        if (!sock) return Error::io(describe(verb, vip) + ": out of memory");
        const int err = nl_connect(sock.get(), NETLINK_ROUTE);
        if (err < 0) return netlink_error(verb, vip, err);
        sock_ = std::move(sock);
        return sock_.get();
    }

    NlSockPtr sock_;  // one thread only: the agent's loop
};

}  // namespace

std::unique_ptr<Addresses> make_netlink_addresses() {
    return std::make_unique<NetlinkAddresses>();
}

}  // namespace vigil::io
