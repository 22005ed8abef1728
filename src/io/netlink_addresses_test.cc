// Goal: prove the production VIP seam (netlink_addresses.cc, announcer.cc,
// address_monitor.cc) against a real kernel: addresses really appear and go, IPv6 VIPs are
// usable at once, repeats are harmless, failures name what failed, deletions are noticed,
// and the announcements on the wire carry the right fields.
//
// Method: each kernel test forks. The child enters a network namespace of its own
// (unshare(CLONE_NEWNET)), so the host is never touched, and creates a veth pair: VIPs go on
// one end and a packet socket on the other catches what the announcer sends. The child
// reports through a pipe (empty = passed) and its exit code; the parent asserts. The
// namespace, and every interface and address in it, dies with the child. Only 198.18.0.0/15
// and fd00::/8 are used. These tests need root and are skipped without it; the lookups that
// fail before touching anything run everywhere.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/if_ether.h>
#include <netinet/ip6.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "io/addresses.h"

namespace vigil::io {
namespace {

constexpr const char* kVipSide = "vigil-a";   // VIPs live here
constexpr const char* kPeerSide = "vigil-b";  // the capture socket listens here
constexpr int kSkipExit = 77;
constexpr unsigned kChildSecondsMax = 20;  // SIGALRM ends a child that hangs

VipConfig vip4() {
    return {"198.18.0.10", 24, false, kVipSide};
}
VipConfig vip6() {
    return {"fd00:18::10", 64, true, kVipSide};
}

using Mac = std::array<unsigned char, ETH_ALEN>;
using Body = std::function<std::string()>;  // child side; "" = passed, else what failed

#define REQUIRE(cond, what)                                                                 \
    do {                                                                                    \
        if (!(cond)) return std::string(what) + " (line " + std::to_string(__LINE__) + ")"; \
    } while (0)
#define REQUIRE_OK(result, what)                                                \
    do {                                                                        \
        auto&& r_ = (result);                                                   \
        REQUIRE(r_.has_value(), std::string(what) + ": " + r_.error().message); \
    } while (0)

// --- child-side helpers: they run inside the namespace only ---

std::string set_up(const char* name, bool up) {
    const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq req{};
    std::strncpy(req.ifr_name, name, IFNAMSIZ - 1);
    int rc = ioctl(fd, SIOCGIFFLAGS, &req);
    if (rc == 0) {
        req.ifr_flags =
            static_cast<short>(up ? (req.ifr_flags | IFF_UP) : (req.ifr_flags & ~IFF_UP));
        rc = ioctl(fd, SIOCSIFFLAGS, &req);
    }
    const int error_number = errno;
    close(fd);
    return rc == 0 ? "" : std::string("set ") + name + " up/down: " + strerror(error_number);
}

nl_sock* route_socket() {
    nl_sock* sock = nl_socket_alloc();
    if (sock && nl_connect(sock, NETLINK_ROUTE) == 0) return sock;
    nl_socket_free(sock);
    return nullptr;
}

// Both ends up: IPv6 marks a link ready (and runs DAD) only once it has a carrier.
std::string create_veth() {
    nl_sock* sock = route_socket();
    if (!sock) return "netlink socket";
    const int err = rtnl_link_veth_add(sock, kVipSide, kPeerSide, getpid());
    nl_socket_free(sock);
    if (err < 0) return std::string("creating veth: ") + nl_geterror(err);
    std::string failed = set_up(kVipSide, true);
    return failed.empty() ? set_up(kPeerSide, true) : failed;
}

std::string delete_link(const char* name) {
    nl_sock* sock = route_socket();
    rtnl_link* link = rtnl_link_alloc();
    rtnl_link_set_name(link, name);
    const int err = sock ? rtnl_link_delete(sock, link) : -NLE_FAILURE;
    rtnl_link_put(link);
    nl_socket_free(sock);
    return err < 0 ? std::string("deleting ") + name + ": " + nl_geterror(err) : "";
}

Mac mac_of(const char* name) {
    const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq req{};
    std::strncpy(req.ifr_name, name, IFNAMSIZ - 1);
    Mac mac{};
    if (ioctl(fd, SIOCGIFHWADDR, &req) == 0) std::memcpy(mac.data(), req.ifr_hwaddr.sa_data, 6);
    close(fd);
    return mac;
}

// The kernel's flags for the VIP's address, or nullopt if it is not there.
std::optional<unsigned> address_flags(const VipConfig& vip) {
    nl_sock* sock = route_socket();
    nl_cache* cache = nullptr;
    std::optional<unsigned> flags;
    if (sock && rtnl_addr_alloc_cache(sock, &cache) == 0) {
        std::array<unsigned char, 16> want{};
        inet_pton(vip.ipv6 ? AF_INET6 : AF_INET, vip.address.c_str(), want.data());
        const int ifindex = static_cast<int>(if_nametoindex(vip.interface.c_str()));
        for (nl_object* o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
            auto* addr = reinterpret_cast<rtnl_addr*>(o);
            nl_addr* local = rtnl_addr_get_local(addr);
            if (rtnl_addr_get_ifindex(addr) == ifindex && local &&
                std::memcmp(nl_addr_get_binary_addr(local), want.data(), nl_addr_get_len(local)) ==
                    0) {
                flags = rtnl_addr_get_flags(addr);
            }
        }
        nl_cache_free(cache);
    }
    nl_socket_free(sock);
    return flags;
}

// A packet socket on one interface for one ethertype, returning whole Ethernet frames.
class Capture {
public:
    Capture(const char* name, uint16_t ethertype) {
        fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ethertype));
        sockaddr_ll local{};
        local.sll_family = AF_PACKET;
        local.sll_protocol = htons(ethertype);
        local.sll_ifindex = static_cast<int>(if_nametoindex(name));
        if (bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
            close(fd_);
            fd_ = -1;
        }
    }
    ~Capture() {
        if (fd_ >= 0) close(fd_);
    }
    bool ok() const { return fd_ >= 0; }
    // The first frame `wanted` accepts within two seconds; others (MLD, DAD) are skipped.
    std::optional<std::vector<unsigned char>> next(
        const std::function<bool(const std::vector<unsigned char>&)>& wanted) {
        for (int waits = 0; waits < 40; ++waits) {
            pollfd p{fd_, POLLIN, 0};
            if (poll(&p, 1, 50) <= 0) continue;
            std::vector<unsigned char> frame(2048);
            const ssize_t got = recv(fd_, frame.data(), frame.size(), 0);
            if (got <= 0) continue;
            frame.resize(static_cast<std::size_t>(got));
            if (wanted(frame)) return frame;
        }
        return std::nullopt;
    }

private:
    int fd_ = -1;
};

bool is_neighbour_advert(const std::vector<unsigned char>& frame) {
    constexpr std::size_t kIcmpAt = sizeof(ether_header) + sizeof(ip6_hdr);
    return frame.size() > kIcmpAt && frame[sizeof(ether_header) + 6] == IPPROTO_ICMPV6 &&
           frame[kIcmpAt] == ND_NEIGHBOR_ADVERT;
}

// RFC 4443 §2.3: the ones' complement sum over the pseudo-header and the message, checksum
// included, is all ones when the checksum is right.
bool icmpv6_checksum_ok(const ip6_hdr& ip, const unsigned char* message, std::size_t bytes) {
    uint32_t sum = 0;
    auto add = [&sum](const unsigned char* p, std::size_t n) {  // n is even here
        for (std::size_t i = 0; i + 1 < n; i += 2)
            sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
    };
    add(reinterpret_cast<const unsigned char*>(&ip.ip6_src), 32);  // source, destination
    sum += static_cast<uint32_t>(bytes) + IPPROTO_ICMPV6;
    add(message, bytes);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return sum == 0xffff;
}

// --- parent side ---

struct Outcome {
    bool skipped = false;
    std::string failure;  // empty = passed
};

Outcome run_in_fresh_netns(const Body& body) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) return {false, "pipe failed"};
    const pid_t pid = fork();
    if (pid < 0) return {false, "fork failed"};
    if (pid == 0) {
        close(pipe_fds[0]);
        alarm(kChildSecondsMax);
        std::string message;
        int code = 0;
        if (unshare(CLONE_NEWNET) != 0) {
            message = std::string("unshare(CLONE_NEWNET): ") + strerror(errno);
            code = kSkipExit;
        } else if (message = set_up("lo", true); message.empty()) {
            message = create_veth();
            if (message.empty()) message = body();
            code = message.empty() ? 0 : 1;
        } else {
            code = 1;
        }
        (void)!write(pipe_fds[1], message.data(), message.size());
        _exit(code);  // no atexit handlers or gtest teardown in the child
    }
    close(pipe_fds[1]);
    std::string message;
    char chunk[512];
    for (ssize_t got; (got = read(pipe_fds[0], chunk, sizeof(chunk))) != 0;) {
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) break;
        message.append(chunk, static_cast<std::size_t>(got));
    }
    close(pipe_fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFSIGNALED(status)) {
        return {false,
                "child killed by signal " + std::to_string(WTERMSIG(status)) + " " + message};
    }
    if (WEXITSTATUS(status) == kSkipExit) return {true, message};
    if (WEXITSTATUS(status) != 0 && message.empty()) message = "child failed silently";
    return {false, message};
}

void check_in_fresh_netns(const Body& body) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to create network namespaces";
    const Outcome outcome = run_in_fresh_netns(body);
    if (outcome.skipped) GTEST_SKIP() << "no network namespace: " << outcome.failure;
    EXPECT_EQ(outcome.failure, "");
}

// --- Addresses ---

TEST(NetlinkAddresses, Ipv4VipIsAddedFoundAndRemovedIdempotently) {
    check_in_fresh_netns([] {
        auto addresses = make_netlink_addresses();
        const VipConfig vip = vip4();
        auto before = addresses->present(vip);
        REQUIRE(before.has_value() && !*before, "absent before add");
        REQUIRE_OK(addresses->add(vip), "add");
        REQUIRE_OK(addresses->add(vip), "add again");
        auto after = addresses->present(vip);
        REQUIRE(after.has_value() && *after, "present after add");
        REQUIRE(address_flags(vip).has_value(), "kernel lists it");
        // Any prefix length counts as present: the host answers for the address.
        auto as_host = addresses->present({vip.address, 32, false, vip.interface});
        REQUIRE(as_host.has_value() && *as_host, "present whatever the prefix length");
        // A second VIP in the same subnet becomes a secondary address, and must outlive
        // the first (the primary): see promote_secondaries in netlink_addresses.cc.
        const VipConfig second{"198.18.0.11", 24, false, kVipSide};
        REQUIRE_OK(addresses->add(second), "add second");
        auto flags = address_flags(second);
        REQUIRE(flags && (*flags & IFA_F_SECONDARY), "second is secondary");
        REQUIRE_OK(addresses->remove(vip), "remove");
        REQUIRE_OK(addresses->remove(vip), "remove again");
        auto gone = addresses->present(vip);
        REQUIRE(gone.has_value() && !*gone, "absent after remove");
        REQUIRE(!address_flags(vip).has_value(), "kernel no longer lists it");
        auto other = addresses->present(second);
        REQUIRE(other.has_value() && *other, "second untouched");
        return std::string();
    });
}

TEST(NetlinkAddresses, Ipv6VipIsUsableAtOnceWithoutDad) {
    check_in_fresh_netns([] {
        auto addresses = make_netlink_addresses();
        const VipConfig vip = vip6();
        REQUIRE_OK(addresses->add(vip), "add");
        REQUIRE_OK(addresses->add(vip), "add again");
        auto flags = address_flags(vip);
        REQUIRE(flags.has_value(), "kernel lists it");
        REQUIRE(*flags & IFA_F_NODAD, "added with NODAD");
        REQUIRE(!(*flags & IFA_F_TENTATIVE), "not tentative");
        REQUIRE(!(*flags & IFA_F_DADFAILED), "not dadfailed");
        auto present = addresses->present(vip);
        REQUIRE(present.has_value() && *present, "present after add");
        REQUIRE_OK(addresses->remove(vip), "remove");
        REQUIRE_OK(addresses->remove(vip), "remove again");
        auto gone = addresses->present(vip);
        REQUIRE(gone.has_value() && !*gone, "absent after remove");
        return std::string();
    });
}

TEST(NetlinkAddresses, VanishedInterfaceFailsAddButNotRemove) {
    check_in_fresh_netns([] {
        auto addresses = make_netlink_addresses();
        REQUIRE_OK(addresses->add(vip4()), "add");
        REQUIRE(delete_link(kVipSide).empty(), "delete veth");
        auto add = addresses->add(vip4());
        REQUIRE(!add.has_value(), "add fails");
        REQUIRE(add.error().message.find(kVipSide) != std::string::npos, "names interface");
        REQUIRE_OK(addresses->remove(vip4()), "remove succeeds: nothing left to remove");
        auto present = addresses->present(vip4());
        REQUIRE(present.has_value() && !*present, "not present");
        return std::string();
    });
}

// These fail before any privileged call, so they run everywhere and touch nothing.
TEST(NetlinkAddresses, MissingInterfaceIsNamedInTheError) {
    auto addresses = make_netlink_addresses();
    const VipConfig vip{"198.18.0.10", 24, false, "vigil-nosuch0"};
    auto add = addresses->add(vip);
    ASSERT_FALSE(add.has_value());
    EXPECT_EQ(add.error().code, Error::Code::not_found);
    EXPECT_NE(add.error().message.find("vigil-nosuch0"), std::string::npos) << add.error().message;
    EXPECT_NE(add.error().message.find("198.18.0.10"), std::string::npos) << add.error().message;
}

TEST(NetlinkAddresses, MalformedVipIsInvalid) {
    auto addresses = make_netlink_addresses();
    for (const VipConfig& vip : {VipConfig{"198.18.0.300", 24, false, "lo"},
                                 VipConfig{"fd00:18::10", 64, false, "lo"},  // family mismatch
                                 VipConfig{"198.18.0.10", 33, false, "lo"},
                                 VipConfig{"198.18.0.10", 24, false, "a-name-much-too-long"}}) {
        auto add = addresses->add(vip);
        ASSERT_FALSE(add.has_value()) << vip.cidr();
        EXPECT_EQ(add.error().code, Error::Code::invalid_argument) << add.error().message;
    }
}

// --- AddressMonitor ---

TEST(AddressMonitor, ReportsDeletionAndNotAddition) {
    check_in_fresh_netns([] {
        auto monitor = make_netlink_address_monitor();
        REQUIRE_OK(monitor, "make monitor");
        AddressMonitor& m = **monitor;
        REQUIRE(!m.drain(), "nothing pending, and drain does not block");
        auto addresses = make_netlink_addresses();
        REQUIRE_OK(addresses->add(vip4()), "add");
        REQUIRE_OK(addresses->add(vip6()), "add v6");
        pollfd p{m.fd(), POLLIN, 0};
        REQUIRE(poll(&p, 1, 1000) == 1, "fd readable after add");
        REQUIRE(!m.drain(), "additions are not deletions");
        REQUIRE_OK(addresses->remove(vip6()), "remove v6");
        REQUIRE(poll(&p, 1, 1000) == 1, "fd readable after remove");
        REQUIRE(m.drain(), "IPv6 deletion reported");
        REQUIRE_OK(addresses->remove(vip4()), "remove v4");
        REQUIRE(poll(&p, 1, 1000) == 1, "fd readable after remove");
        REQUIRE(m.drain(), "IPv4 deletion reported");
        REQUIRE(poll(&p, 1, 0) == 0, "drained");
        return std::string();
    });
}

// --- Announcer ---

std::string check_gratuitous_arp(Announcer& announcer, const Mac& mac) {
    Capture capture(kPeerSide, ETH_P_ARP);
    REQUIRE(capture.ok(), "capture socket");
    REQUIRE_OK(announcer.announce(vip4()), "announce");
    auto frame = capture.next([](const std::vector<unsigned char>& f) {
        return f.size() >= sizeof(ether_header) + sizeof(ether_arp);
    });
    REQUIRE(frame.has_value(), "ARP frame caught on the peer");
    ether_header eth;
    ether_arp arp;
    std::memcpy(&eth, frame->data(), sizeof(eth));
    std::memcpy(&arp, frame->data() + sizeof(eth), sizeof(arp));
    const Mac broadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    const Mac zero{};
    in_addr vip{};
    inet_pton(AF_INET, vip4().address.c_str(), &vip);
    REQUIRE(std::memcmp(eth.ether_dhost, broadcast.data(), 6) == 0, "to broadcast");
    REQUIRE(std::memcmp(eth.ether_shost, mac.data(), 6) == 0, "from the interface MAC");
    REQUIRE(ntohs(arp.arp_hrd) == ARPHRD_ETHER, "hardware type Ethernet");
    REQUIRE(ntohs(arp.arp_pro) == ETHERTYPE_IP, "protocol IPv4");
    REQUIRE(ntohs(arp.arp_op) == ARPOP_REQUEST, "opcode 1 (request)");
    REQUIRE(std::memcmp(arp.arp_sha, mac.data(), 6) == 0, "sender MAC is the interface's");
    REQUIRE(std::memcmp(arp.arp_spa, &vip, 4) == 0, "sender IP is the VIP");
    REQUIRE(std::memcmp(arp.arp_tha, zero.data(), 6) == 0, "target MAC zero");
    REQUIRE(std::memcmp(arp.arp_tpa, &vip, 4) == 0, "target IP is the VIP");
    return std::string();
}

std::string check_neighbour_advert(Announcer& announcer, const Mac& mac) {
    Capture capture(kPeerSide, ETH_P_IPV6);
    REQUIRE(capture.ok(), "capture socket");
    REQUIRE_OK(announcer.announce(vip6()), "announce");
    auto frame = capture.next(is_neighbour_advert);
    REQUIRE(frame.has_value(), "neighbour advertisement caught on the peer");
    const unsigned char* p = frame->data() + sizeof(ether_header);
    const std::size_t bytes = frame->size() - sizeof(ether_header) - sizeof(ip6_hdr);
    ip6_hdr ip;
    nd_neighbor_advert na;
    std::memcpy(&ip, p, sizeof(ip));
    std::memcpy(&na, p + sizeof(ip), sizeof(na));
    const unsigned char* option = p + sizeof(ip) + sizeof(na);
    in6_addr all_nodes{};
    in6_addr vip{};
    inet_pton(AF_INET6, "ff02::1", &all_nodes);
    inet_pton(AF_INET6, vip6().address.c_str(), &vip);
    REQUIRE(bytes == 32, "24-byte advertisement plus one 8-byte option");
    REQUIRE(std::memcmp(&ip.ip6_dst, &all_nodes, 16) == 0, "to ff02::1");
    REQUIRE(ip.ip6_hlim == 255, "hop limit 255");
    REQUIRE(std::memcmp(frame->data() + 6, mac.data(), 6) == 0, "from the interface MAC");
    REQUIRE(na.nd_na_code == 0, "code 0");
    REQUIRE(na.nd_na_flags_reserved == ND_NA_FLAG_OVERRIDE, "override only");
    REQUIRE(std::memcmp(&na.nd_na_target, &vip, 16) == 0, "target is the VIP");
    REQUIRE(option[0] == ND_OPT_TARGET_LINKADDR, "target link-layer option");
    REQUIRE(option[1] == 1, "option length 1 (8 bytes)");
    REQUIRE(std::memcmp(option + 2, mac.data(), 6) == 0, "option holds the interface MAC");
    REQUIRE(icmpv6_checksum_ok(ip, p + sizeof(ip), bytes), "checksum filled in");
    return std::string();
}

TEST(Announcer, GratuitousArpCarriesVipAndInterfaceMac) {
    check_in_fresh_netns([] {
        auto announcer = make_raw_announcer();
        return check_gratuitous_arp(*announcer, mac_of(kVipSide));
    });
}

TEST(Announcer, NeighbourAdvertisementOverridesWithInterfaceMac) {
    check_in_fresh_netns([] {
        REQUIRE_OK(make_netlink_addresses()->add(vip6()), "add");  // a usable source address
        auto announcer = make_raw_announcer();
        return check_neighbour_advert(*announcer, mac_of(kVipSide));
    });
}

std::string recreate_veth_with_vip(Addresses& addresses) {
    const int old_ifindex = static_cast<int>(if_nametoindex(kVipSide));
    REQUIRE(delete_link(kVipSide).empty(), "delete veth");
    REQUIRE(create_veth().empty(), "recreate veth");
    REQUIRE(static_cast<int>(if_nametoindex(kVipSide)) != old_ifindex, "new ifindex");
    REQUIRE_OK(addresses.add(vip6()), "add to the new interface");
    return std::string();
}

// The cached per-interface state must follow an interface that is deleted and recreated
// under the same name: the new MAC once it is back, and an error while it is gone.
TEST(Announcer, RecreatedInterfaceIsResolvedAgain) {
    check_in_fresh_netns([] {
        auto addresses = make_netlink_addresses();
        auto announcer = make_raw_announcer();
        REQUIRE_OK(addresses->add(vip6()), "add");
        REQUIRE_OK(announcer->announce(vip6()), "announce v6");  // caches a bound socket
        REQUIRE_OK(announcer->announce(vip4()), "announce v4");

        // Replaced between two announcements: only the changed ifindex shows it.
        std::string failed = recreate_veth_with_vip(*addresses);
        REQUIRE(failed.empty(), failed);
        failed = check_neighbour_advert(*announcer, mac_of(kVipSide));
        REQUIRE(failed.empty(), "after a quiet replacement: " + failed);

        // Announced while gone: an error naming the interface, then recovery.
        REQUIRE(delete_link(kVipSide).empty(), "delete veth");
        for (const VipConfig& vip : {vip4(), vip6()}) {
            auto gone = announcer->announce(vip);
            REQUIRE(!gone.has_value(), "announce fails while the interface is gone");
            REQUIRE(gone.error().message.find(kVipSide) != std::string::npos, "names it");
        }
        REQUIRE(create_veth().empty(), "recreate veth");
        REQUIRE_OK(addresses->add(vip6()), "add again");
        const Mac mac = mac_of(kVipSide);
        failed = check_neighbour_advert(*announcer, mac);
        REQUIRE(failed.empty(), "after recreation: " + failed);
        return check_gratuitous_arp(*announcer, mac);
    });
}

TEST(Announcer, DownInterfaceIsAnError) {
    check_in_fresh_netns([] {
        auto announcer = make_raw_announcer();
        REQUIRE(set_up(kVipSide, false).empty(), "set down");
        auto result = announcer->announce(vip4());
        REQUIRE(!result.has_value(), "announce on a down interface fails");
        REQUIRE(result.error().message.find(kVipSide) != std::string::npos, "names it");
        return std::string();
    });
}

TEST(Announcer, MissingInterfaceIsNamedInTheError) {
    auto announcer = make_raw_announcer();
    for (const VipConfig& vip : {VipConfig{"198.18.0.10", 24, false, "vigil-nosuch0"},
                                 VipConfig{"fd00:18::10", 64, true, "vigil-nosuch0"}}) {
        auto result = announcer->announce(vip);
        ASSERT_FALSE(result.has_value());
        EXPECT_EQ(result.error().code, Error::Code::not_found);
        EXPECT_NE(result.error().message.find("vigil-nosuch0"), std::string::npos)
            << result.error().message;
    }
}

TEST(Announcer, LoopbackHasNoMacToAnnounce) {
    auto announcer = make_raw_announcer();
    auto result = announcer->announce({"198.18.0.10", 24, false, "lo"});
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, Error::Code::invalid_argument) << result.error().message;
}

}  // namespace
}  // namespace vigil::io
