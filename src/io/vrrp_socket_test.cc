// Goal: VrrpSocket against a real kernel: adverts leave with TTL / hop limit 255 from the
// interface's primary (IPv4) or link-local (IPv6) address, reach the other end of a link
// by multicast and unicast with a checksum that still verifies there (so the kernel used
// the source that encode_vrrp summed and touched nothing), are reported with TTL, source
// and destination, and do not loop back to the sender; the source skips excluded
// addresses (VIPs) and prefers a primary address.
//
// Method: as netlink_addresses_test.cc. Each test forks; the child enters a network
// namespace of its own (unshare(CLONE_NEWNET)), creates a veth pair whose end vigil-b goes
// to a second namespace (see create_link) and reports through a pipe (empty = passed); the
// namespaces and everything in them die with the child. Only 198.18.0.0/15 and fd00::/8. Needs
// root; skipped without it.
#include "io/vrrp_socket.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <set>
#include <string>

#include "common/prng.h"
#include "io/addresses.h"
#include "io/vrrp_ipv4.h"

namespace vigil::io {
namespace {

using wire::IpAddress;

constexpr const char* kA = "vigil-a";
constexpr const char* kB = "vigil-b";
constexpr int kSkipExit = 77;
constexpr unsigned kChildSecondsMax = 20;   // SIGALRM ends a child that hangs
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

IpAddress ip(const char* literal) {
    return IpAddress::parse(literal).value_or(IpAddress{});
}

// --- child side: runs inside the namespace only ---

std::string set_up(const char* name) {
    const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq req{};
    std::strncpy(req.ifr_name, name, IFNAMSIZ - 1);
    int rc = ioctl(fd, SIOCGIFFLAGS, &req);
    if (rc == 0) {
        req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
        rc = ioctl(fd, SIOCSIFFLAGS, &req);
    }
    const int error_number = errno;
    close(fd);
    return rc == 0 ? "" : std::string("set ") + name + " up: " + strerror(error_number);
}

// /proc/sys/net follows the namespace of the process that opens it: this one's.
std::string sysctl(const std::string& path, const char* value) {
    std::ofstream f("/proc/sys/net/" + path);
    f << value;
    f.close();
    return f ? "" : "sysctl " + path;
}

// The two ends of the link live in two namespaces: the child's own (vigil-a) and a peer
// namespace (vigil-b). In one namespace, a packet from one local address to another is
// not a packet on the wire (IPv4 even drops it as a martian: its source is local). The
// peer namespace is made by a grandchild that unshares and waits; we keep a descriptor of
// it and enter it (setns) only to configure vigil-b and open sockets there: a socket stays
// in the namespace it was made in.
int g_own_ns = -1;
int g_peer_ns = -1;

template <typename F>
auto on_peer(F f) {
    (void)!setns(g_peer_ns, CLONE_NEWNET);
    auto result = f();
    (void)!setns(g_own_ns, CLONE_NEWNET);
    return result;
}

std::string no_dad() {
    for (const char* p : {"ipv6/conf/all/accept_dad", "ipv6/conf/default/accept_dad"})
        if (auto failed = sysctl(p, "0"); !failed.empty()) return failed;
    return "";
}

std::string add_addresses(const std::vector<VipConfig>& list) {
    auto addresses = make_netlink_addresses();
    for (const VipConfig& a : list) {
        auto added = addresses->add(a);
        if (!added) return "add " + a.address + ": " + added.error().message;
    }
    return "";
}

std::string create_link() {
    // No DAD: the link-local address is usable as soon as the link is up.
    if (auto failed = no_dad(); !failed.empty()) return failed;
    g_own_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    int ready[2], done[2];
    if (g_own_ns < 0 || pipe(ready) != 0 || pipe(done) != 0) return "pipes";
    const pid_t holder = fork();
    if (holder < 0) return "fork";
    if (holder == 0) {
        close(ready[0]);
        close(done[1]);
        char c = unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';
        (void)!write(ready[1], &c, 1);
        (void)!read(done[0], &c, 1);  // until the parent closes its end
        _exit(0);
    }
    close(ready[1]);
    close(done[0]);
    char c = 'n';
    (void)!read(ready[0], &c, 1);
    close(ready[0]);
    if (c == 'y')
        g_peer_ns =
            open(("/proc/" + std::to_string(holder) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC);
    std::string failed;
    if (g_peer_ns < 0) failed = "peer namespace";
    if (failed.empty()) {
        nl_sock* sock = nl_socket_alloc();
        if (sock && nl_connect(sock, NETLINK_ROUTE) == 0) {
            const int err = rtnl_link_veth_add(sock, kA, kB, holder);  // vigil-b to the peer
            if (err < 0) failed = std::string("creating veth: ") + nl_geterror(err);
        } else {
            failed = "netlink socket";
        }
        nl_socket_free(sock);
    }
    close(done[1]);
    int status = 0;
    while (waitpid(holder, &status, 0) < 0 && errno == EINTR) {
    }
    if (!failed.empty()) return failed;
    for (const char* name : {"lo", kA})
        if (auto f = set_up(name); !f.empty()) return f;
    if (auto f = add_addresses({{"198.18.0.1", 24, false, kA}, {"fd00:18::1", 64, true, kA}});
        !f.empty())
        return f;
    return on_peer([] {
        for (auto step :
             {+[] { return no_dad(); }, +[] { return set_up("lo"); }, +[] { return set_up(kB); }}) {
            if (auto f = step(); !f.empty()) return f;
        }
        return add_addresses({{"198.18.0.2", 24, false, kB}, {"fd00:18::2", 64, true, kB}});
    });
}

// The kernel adds the link-local address when the link comes up and clears its tentative
// flag from a work queue a moment later: wait for it, a bounded number of times.
std::optional<IpAddress> wait_for_source(VrrpSocket& s) {
    for (int i = 0; i < 200; ++i) {
        if (auto src = s.refresh_source({})) return src;
        poll(nullptr, 0, 10);
    }
    return std::nullopt;
}

// The next packet on `s`, waiting up to a second for it.
std::optional<VrrpSocket::Packet> next_packet(VrrpSocket& s, std::string& error) {
    pollfd p{s.fd(), POLLIN, 0};
    if (poll(&p, 1, 1000) != 1) return std::nullopt;
    auto got = s.receive();
    if (!got) {
        error = got.error().message;
        return std::nullopt;
    }
    return *got;
}

// One advert from a to b: sent to `destination`, received at b with everything intact.
std::string send_and_check(VrrpSocket& a, VrrpSocket& b, const IpAddress& destination,
                           const IpAddress& expected_source) {
    const wire::VrrpAdvertisement advert{
        42, 200, 100, {a.ipv6() ? ip("fd00:18::10") : ip("198.18.0.10")}};
    REQUIRE(a.source().has_value(), "sender has a source");
    REQUIRE(*a.source() == expected_source, "sender's source is " + a.source()->to_string());
    const auto payload = wire::encode_vrrp(advert, *a.source(), destination);
    REQUIRE_OK(a.send(destination, payload), "send to " + destination.to_string());
    std::string error;
    auto packet = next_packet(b, error);
    REQUIRE(error.empty(), "receive: " + error);
    REQUIRE(packet.has_value(), "nothing arrived from " + destination.to_string());
    REQUIRE(packet->ttl == 255, "TTL / hop limit " + std::to_string(packet->ttl));
    REQUIRE(packet->source == expected_source, "source " + packet->source.to_string());
    REQUIRE(packet->destination == destination, "destination " + packet->destination.to_string());
    REQUIRE(packet->payload == payload, "payload changed on the way");
    const auto decoded = wire::decode_vrrp(packet->payload, packet->source, packet->destination);
    REQUIRE(decoded.reason == wire::VrrpDrop::none,
            std::string("decode: ") + wire::vrrp_drop_name(decoded.reason));
    REQUIRE(decoded.advert->vrid == 42 && decoded.advert->priority == 200, "fields");
    // Multicast loop is off, and the sender is bound to its own device: nothing for a.
    auto own = a.receive();
    REQUIRE_OK(own, "receive on the sender");
    REQUIRE(!own->has_value(), "the sender heard its own advert");
    return "";
}

// --- parent side ---

std::string run_in_fresh_netns(const Body& body, bool& skipped) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) return "pipe failed";
    const pid_t pid = fork();
    if (pid < 0) return "fork failed";
    if (pid == 0) {
        close(pipe_fds[0]);
        alarm(kChildSecondsMax);
        std::string message;
        int code = 1;
        if (unshare(CLONE_NEWNET) != 0) {
            message = std::string("unshare(CLONE_NEWNET): ") + strerror(errno);
            code = kSkipExit;
        } else if (message = create_link(); message.empty()) {
            message = body();
            code = message.empty() ? 0 : 1;
        }
        (void)!write(pipe_fds[1], message.data(), message.size());
        _exit(code);  // no atexit handlers or gtest teardown in the child
    }
    close(pipe_fds[1]);
    std::string message;
    char chunk[512];
    for (ssize_t got; (got = read(pipe_fds[0], chunk, sizeof chunk)) != 0;) {
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) break;
        message.append(chunk, static_cast<std::size_t>(got));
    }
    close(pipe_fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFSIGNALED(status)) return "child killed by signal " + std::to_string(WTERMSIG(status));
    skipped = WEXITSTATUS(status) == kSkipExit;
    if (WEXITSTATUS(status) != 0 && message.empty()) message = "child failed silently";
    return message;
}

void check_in_fresh_netns(const Body& body) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to create network namespaces";
    bool skipped = false;
    const std::string failure = run_in_fresh_netns(body, skipped);
    if (skipped) GTEST_SKIP() << "no network namespace: " << failure;
    EXPECT_EQ(failure, "");
}

// --- the IPv4 header, without a kernel ---

std::vector<std::uint8_t> ipv4_datagram(std::size_t options_bytes, std::size_t payload_bytes) {
    const std::size_t ihl = 20 + options_bytes;
    std::vector<std::uint8_t> d(ihl + payload_bytes, 0xab);
    d[0] = static_cast<std::uint8_t>(0x40 | (ihl / 4));
    d[2] = static_cast<std::uint8_t>(d.size() >> 8);
    d[3] = static_cast<std::uint8_t>(d.size());
    d[8] = 254;
    d[9] = 112;
    const std::uint8_t addrs[8] = {198, 18, 0, 1, 224, 0, 0, 18};
    std::copy(addrs, addrs + 8, d.begin() + 12);
    for (std::size_t i = 0; i < payload_bytes; ++i) d[ihl + i] = static_cast<std::uint8_t>(i);
    return d;
}

TEST(VrrpIpv4Header, FieldsAndPayload) {
    for (std::size_t options : {0u, 4u, 40u}) {
        auto p = parse_vrrp_ipv4(ipv4_datagram(options, 16), "eth0");
        ASSERT_TRUE(p.has_value()) << p.error().message;
        EXPECT_EQ(p->ttl, 254);
        EXPECT_EQ(p->source, ip("198.18.0.1"));
        EXPECT_EQ(p->destination, ip("224.0.0.18"));
        ASSERT_EQ(p->payload.size(), 16u) << options;
        EXPECT_EQ(p->payload[0], 0);
        EXPECT_EQ(p->payload[15], 15);
    }
    // Bytes past the total length (link padding) are not payload.
    auto padded = ipv4_datagram(0, 8);
    padded.resize(padded.size() + 10, 0);
    auto p = parse_vrrp_ipv4(padded, "eth0");
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->payload.size(), 8u);
}

TEST(VrrpIpv4Header, MalformedHeadersAreErrors) {
    auto expect_error = [](std::vector<std::uint8_t> d, const char* what) {
        auto p = parse_vrrp_ipv4(d, "eth0");
        ASSERT_FALSE(p.has_value()) << what;
        EXPECT_EQ(p.error().code, Error::Code::protocol) << what;
        EXPECT_NE(p.error().message.find(what), std::string::npos) << p.error().message;
        EXPECT_NE(p.error().message.find("eth0"), std::string::npos);
    };
    expect_error({}, "shorter than 20");
    auto d = ipv4_datagram(0, 8);
    d.resize(19);
    expect_error(d, "shorter than 20");
    d = ipv4_datagram(0, 8);
    d[0] = 0x65;
    expect_error(d, "version not 4");
    d = ipv4_datagram(0, 8);
    d[0] = 0x44;  // IHL 16 bytes
    expect_error(d, "bad header length");
    d = ipv4_datagram(0, 8);
    d[0] = 0x4f;  // IHL 60 bytes, only 28 there
    expect_error(d, "bad header length");
    d = ipv4_datagram(0, 8);
    d[3] = 19;  // total shorter than the header
    expect_error(d, "bad total length");
    d = ipv4_datagram(0, 8);
    d[3] = 29;  // total longer than received
    expect_error(d, "bad total length");
    d = ipv4_datagram(0, 8);
    d[9] = 17;
    expect_error(d, "not protocol 112");
}

TEST(VrrpIpv4Header, AnyBytesAreSafe) {
    Prng prng(112);
    for (int i = 0; i < 3000; ++i) {
        std::vector<std::uint8_t> d(prng.below(80));
        for (auto& b : d) b = static_cast<std::uint8_t>(prng.next());
        if (d.size() >= 20 && i % 2) {  // plausible: version 4, protocol 112, lengths near
            d[0] = static_cast<std::uint8_t>(0x40 | (5 + prng.below(11)));
            d[2] = 0;
            d[3] = static_cast<std::uint8_t>(prng.below(d.size() + 8));
            d[9] = 112;
        }
        auto p = parse_vrrp_ipv4(d, "eth0");
        if (p) {
            EXPECT_LE(p->payload.size(), d.size());
        }
    }
}

TEST(VrrpSocket, MissingInterfaceIsNotFound) {
    auto s = VrrpSocket::open("vigil-none0", false);
    ASSERT_FALSE(s.has_value());
    EXPECT_EQ(s.error().code, Error::Code::not_found);
    EXPECT_NE(s.error().message.find("vigil-none0"), std::string::npos);
    auto bad = VrrpSocket::open("", true);
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().code, Error::Code::invalid_argument);
}

TEST(VrrpSocket, Ipv4MulticastAndUnicastFromThePrimaryAddress) {
    check_in_fresh_netns([] {
        auto a = VrrpSocket::open(kA, false);
        REQUIRE_OK(a, "open a");
        auto b = on_peer([] { return VrrpSocket::open(kB, false); });
        REQUIRE_OK(b, "open b");
        REQUIRE(a->interface() == kA && !a->ipv6() && a->fd() >= 0, "accessors");
        auto empty = b->receive();
        REQUIRE_OK(empty, "receive with nothing pending");
        REQUIRE(!empty->has_value(), "nothing pending yet");
        REQUIRE(a->refresh_source({}) == ip("198.18.0.1"), "primary address");
        REQUIRE(on_peer([&] { return b->refresh_source({}); }) == ip("198.18.0.2"), "b's address");
        if (auto e = send_and_check(*a, *b, ip("224.0.0.18"), ip("198.18.0.1")); !e.empty())
            return "multicast: " + e;
        if (auto e = send_and_check(*a, *b, ip("198.18.0.2"), ip("198.18.0.1")); !e.empty())
            return "unicast: " + e;
        // The wrong family is refused before anything is sent.
        REQUIRE(!a->send(ip("ff02::12"), std::vector<std::uint8_t>(8)).has_value(), "family");
        // Moved: the new object owns the socket and still works.
        VrrpSocket moved = std::move(*a);
        REQUIRE(moved.fd() >= 0 && moved.source() == ip("198.18.0.1"), "moved");
        if (auto e = send_and_check(moved, *b, ip("224.0.0.18"), ip("198.18.0.1")); !e.empty())
            return "after a move: " + e;
        return std::string();
    });
}

TEST(VrrpSocket, Ipv4SourceSkipsVipsAndPrefersPrimaries) {
    check_in_fresh_netns([] {
        auto addresses = make_netlink_addresses();
        // .5 is a secondary of .1 (same subnet); 198.19.0.1 another primary, added later.
        REQUIRE_OK(addresses->add({"198.18.0.5", 24, false, kA}), "add .5");
        REQUIRE_OK(addresses->add({"198.19.0.1", 24, false, kA}), "add 198.19.0.1");
        auto a = VrrpSocket::open(kA, false);
        REQUIRE_OK(a, "open a");
        REQUIRE(a->refresh_source({}) == ip("198.18.0.1"), "first primary");
        REQUIRE(a->refresh_source({ip("198.18.0.1")}) == ip("198.19.0.1"),
                "the next primary before a secondary");
        REQUIRE(a->refresh_source({ip("198.18.0.1"), ip("198.19.0.1")}) == ip("198.18.0.5"),
                "a secondary when no primary is left");
        REQUIRE(a->source() == ip("198.18.0.5"), "source() is the last refresh");
        REQUIRE(!a->refresh_source({ip("198.18.0.1"), ip("198.19.0.1"), ip("198.18.0.5")}),
                "nothing left");
        REQUIRE(!a->source().has_value(), "source() forgets");
        auto b = on_peer([] { return VrrpSocket::open(kB, false); });
        REQUIRE_OK(b, "open b");
        // Sent from the secondary: the kernel uses the source we chose, not its own pick.
        REQUIRE(a->refresh_source({ip("198.18.0.1"), ip("198.19.0.1")}), "refresh");
        if (auto e = send_and_check(*a, *b, ip("224.0.0.18"), ip("198.18.0.5")); !e.empty())
            return "from the secondary: " + e;
        return std::string();
    });
}

TEST(VrrpSocket, Ipv6FromTheLinkLocalAddress) {
    check_in_fresh_netns([] {
        auto a = VrrpSocket::open(kA, true);
        REQUIRE_OK(a, "open a");
        auto b = on_peer([] { return VrrpSocket::open(kB, true); });
        REQUIRE_OK(b, "open b");
        const auto src = wait_for_source(*a);
        REQUIRE(src.has_value(), "a link-local address appears");
        REQUIRE(src->ipv6 && src->bytes[0] == 0xfe && src->bytes[1] == 0x80,
                "link-local: " + src->to_string());
        REQUIRE(on_peer([&] { return wait_for_source(*b); }).has_value(), "b's link-local address");
        if (auto e = send_and_check(*a, *b, ip("ff02::12"), *src); !e.empty())
            return "multicast: " + e;
        if (auto e = send_and_check(*a, *b, ip("fd00:18::2"), *src); !e.empty())
            return "unicast to a global address: " + e;
        if (auto e = send_and_check(*a, *b, *b->source(), *src); !e.empty())
            return "unicast to the link-local address: " + e;
        REQUIRE(!a->refresh_source({*src}).has_value(), "the only link-local one excluded");
        return std::string();
    });
}

// --- keepalived as the peer ---

// keepalived 2.2 (Debian's) in the child's namespace on vigil-a: VRRP only, foreground, a
// 0.1 s interval so that it is master within half a second. The guard stops it (SIGTERM:
// it sends priority 0 on the way out) and PR_SET_PDEATHSIG ends it if this process dies.
class Keepalived {
public:
    std::string start(const std::string& dir) {
        const std::string conf = dir + "/keepalived.conf";
        std::ofstream(conf) << R"(global_defs {
    router_id vigil_test
    vrrp_version 3
}
vrrp_instance v4 {
    state MASTER
    interface vigil-a
    virtual_router_id 51
    priority 150
    advert_int 0.1
    virtual_ipaddress {
        198.18.0.10/24
    }
}
vrrp_instance v6 {
    state MASTER
    interface vigil-a
    virtual_router_id 61
    priority 120
    advert_int 0.1
    virtual_ipaddress {
        fd00:18::10/64
    }
}
)";
        pid_ = fork();
        if (pid_ < 0) return "fork keepalived";
        if (pid_ == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            const std::string log = dir + "/keepalived.log", pid = dir + "/keepalived.pid",
                              vrrp_pid = dir + "/vrrp.pid";
            if (!freopen(log.c_str(), "w", stdout) || !freopen(log.c_str(), "a", stderr))
                _exit(126);
            execlp("keepalived", "keepalived", "-n", "-l", "-D", "-P", "-f", conf.c_str(), "-p",
                   pid.c_str(), "-r", vrrp_pid.c_str(), static_cast<char*>(nullptr));
            _exit(127);
        }
        return "";
    }
    void stop() {
        if (pid_ <= 0) return;
        kill(pid_, SIGTERM);
        int status = 0;
        while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        pid_ = -1;
    }
    ~Keepalived() { stop(); }

private:
    pid_t pid_ = -1;
};

// Reads adverts on `s` until `want` says done: up to 500 of them, or 8 s of
// silence (and the child's alarm bounds it all); "" = found.
std::string await(
    VrrpSocket& s,
    const std::function<bool(const VrrpSocket::Packet&, const wire::VrrpAdvertisement&)>& want,
    const IpAddress& expected_source) {
    int silent_seconds = 0;
    for (int i = 0; i < 500; ++i) {
        std::string error;
        auto packet = next_packet(s, error);
        REQUIRE(error.empty(), "receive: " + error);
        if (!packet) {
            if (++silent_seconds == 8) return "nothing for 8 s";  // keepalived starting up
            continue;
        }
        REQUIRE(packet->ttl == 255, "TTL / hop limit " + std::to_string(packet->ttl));
        REQUIRE(packet->source == expected_source, "source " + packet->source.to_string());
        const IpAddress group = s.ipv6() ? ip("ff02::12") : ip("224.0.0.18");
        REQUIRE(packet->destination == group, "destination " + packet->destination.to_string());
        const auto d = wire::decode_vrrp(packet->payload, packet->source, packet->destination);
        REQUIRE(d.reason == wire::VrrpDrop::none,
                std::string("keepalived's advert: ") + wire::vrrp_drop_name(d.reason));
        REQUIRE(
            wire::encode_vrrp(*d.advert, packet->source, packet->destination) == packet->payload,
            "re-encoded differently");
        if (want(*packet, *d.advert)) return "";
    }
    return "not seen";
}

TEST(VrrpSocket, ReceivesKeepalivedAdverts) {
    if (std::system("command -v keepalived >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "keepalived is not installed";
    check_in_fresh_netns([] {
        char dir_template[] = "/tmp/vigil-vrrp-socket.XXXXXX";
        const char* dir = mkdtemp(dir_template);
        REQUIRE(dir != nullptr, "mkdtemp");
        auto v4 = on_peer([] { return VrrpSocket::open(kB, false); });
        REQUIRE_OK(v4, "open IPv4");
        auto v6 = on_peer([] { return VrrpSocket::open(kB, true); });
        REQUIRE_OK(v6, "open IPv6");
        auto a6 = VrrpSocket::open(kA, true);  // only to learn vigil-a's link-local address
        REQUIRE_OK(a6, "open IPv6 on vigil-a");
        const auto keepalived_ll = wait_for_source(*a6);
        REQUIRE(keepalived_ll.has_value(), "vigil-a's link-local address");
        std::string failed;
        {
            Keepalived keepalived;
            REQUIRE(keepalived.start(dir).empty(), "start keepalived");
            auto master = [](std::uint8_t vrid, std::uint8_t priority, const char* vip) {
                return [=](const VrrpSocket::Packet&, const wire::VrrpAdvertisement& a) {
                    return a.vrid == vrid && a.priority == priority && a.max_advert_int_cs == 10 &&
                           a.addresses == std::vector<IpAddress>{ip(vip)};
                };
            };
            failed = await(*v4, master(51, 150, "198.18.0.10"), ip("198.18.0.1"));
            if (failed.empty()) failed = await(*v6, master(61, 120, "fd00:18::10"), *keepalived_ll);
            if (failed.empty()) {
                keepalived.stop();  // graceful: priority 0 from each master
                failed = await(*v4, master(51, 0, "198.18.0.10"), ip("198.18.0.1"));
                if (failed.empty())
                    failed = await(*v6, master(61, 0, "fd00:18::10"), *keepalived_ll);
                if (!failed.empty()) failed = "priority 0 at shutdown: " + failed;
            }
        }
        if (!failed.empty()) {
            std::ifstream log(std::string(dir) + "/keepalived.log");
            failed +=
                "\n--- keepalived.log ---\n" + std::string(std::istreambuf_iterator<char>(log), {});
        }
        std::system(("rm -rf " + std::string(dir)).c_str());
        return failed;
    });
}

}  // namespace
}  // namespace vigil::io
