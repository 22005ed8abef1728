// vigil-probe: an ICMP echo prober that measures how long a client loses a VIP during a
// failover. It sends one echo every interval and records when replies arrive; the longest
// stretch without a reply is the outage a client sees. Used by the lab (tests/lab/lab.sh),
// the end-to-end tests and the benchmark (bench/), always inside a network namespace.
// With --tcp-port it measures a service behind the VIP instead: see tools/probe_tcp.cc.
//
// Why not ping(8): it reports per-packet RTT and loss, not the time between consecutive
// replies, and its interval floor and output format vary between versions. Why
// CLOCK_MONOTONIC everywhere: a failover must not be measured across an NTP step of the
// wall clock; start_mono_ns lets scripts line results up with other monotonic events.
#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "common/assert.h"
#include "probe_gaps.h"
#include "probe_tcp.h"

namespace {

using vigil::probe::GapLog;
using vigil::probe::kGapIntervals;
using vigil::probe::kNsPerMs;
using vigil::probe::mono_ns;
using vigil::probe::to_timespec;

constexpr std::int64_t kDurationMsMax = 600000;  // bounded: a probe never outlives a run
constexpr std::int64_t kIntervalMsMax = 60000;
constexpr std::int64_t kTimeoutMsMax = 60000;
constexpr int kPortMax = 65535;
constexpr std::uint32_t kMagic = 0x76676c70;  // "vglp": tells our payloads from others'
// Linux's ICMP_FILTER from linux/icmp.h, which clashes with glibc's netinet/ip_icmp.h: a
// bit mask of the ICMP types a raw socket drops.
constexpr int kIcmpFilter = 1;

// Carried in the echo data; the target returns it verbatim. index is the full send index
// (the 16-bit wire sequence wraps in long runs); send_ns is CLOCK_MONOTONIC at send.
struct Payload {
    std::uint32_t magic, pad;
    std::uint64_t index;
    std::int64_t send_ns;
};

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) {
    g_stop = 1;
}

[[noreturn]] void usage_error(const std::string& message) {
    std::fprintf(stderr,
                 "vigil-probe: %s\nusage: vigil-probe --target ADDR [--interval-ms N]"
                 " [--duration-ms N] [--json] [--tcp-port PORT [--timeout-ms N]]\n",
                 message.c_str());
    std::exit(2);
}

std::int64_t parse_int(const std::string& flag, const char* text, std::int64_t max) {
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < 1 || v > max) {
        usage_error(flag + " wants an integer in [1, " + std::to_string(max) + "], got '" + text +
                    "'");
    }
    return v;
}

// RFC 1071 Internet checksum. Only ICMPv4 needs it from us: for ICMPv6 raw sockets the
// kernel computes it over the pseudo-header (RFC 3542 §3.1).
std::uint16_t checksum(const std::uint8_t* p, std::size_t bytes) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < bytes; i += 2) sum += (p[i] << 8) | p[i + 1];
    if (bytes % 2 != 0) sum += p[bytes - 1] << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return htons(static_cast<std::uint16_t>(~sum));
}

struct Probe {
    std::string target_text;
    std::int64_t interval_ms = 2, duration_ms = 10000;
    std::int64_t tcp_port = 0, timeout_ms = 0;  // TCP mode when tcp_port > 0
    bool json = false, v6 = false;
    sockaddr_storage target{};
    socklen_t target_bytes = 0;
    int fd = -1;
    std::uint16_t id = 0;
    std::int64_t start_ns = 0, first_reply_ns = -1, last_reply_ns = -1;
    std::uint64_t sent = 0, received = 0, duplicates = 0, send_errors = 0;
    std::vector<bool> seen;  // by send index, sized for the whole run up front (bounded)
    GapLog gaps;

    void send_one() {
        // The echo header (type, code, checksum, id, sequence) is laid out alike in v4 and v6.
        std::uint8_t packet[sizeof(icmphdr) + sizeof(Payload)] = {};
        auto* h = reinterpret_cast<icmphdr*>(packet);
        h->type = v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
        h->un.echo.id = htons(id);
        h->un.echo.sequence = htons(static_cast<std::uint16_t>(sent));
        Payload payload{kMagic, 0, sent, mono_ns()};
        std::memcpy(packet + sizeof(icmphdr), &payload, sizeof payload);
        if (!v6) h->checksum = checksum(packet, sizeof packet);
        ++sent;
        // Failures (EHOSTUNREACH while ARP fails, ENOBUFS) are part of an outage, not fatal.
        if (sendto(fd, packet, sizeof packet, 0, reinterpret_cast<sockaddr*>(&target),
                   target_bytes) < 0)
            ++send_errors;
    }

    void receive_all() {
        std::uint8_t buffer[2048];
        ssize_t n;
        while ((n = recv(fd, buffer, sizeof buffer, MSG_DONTWAIT)) >= 0) {
            std::int64_t now = mono_ns();
            // IPv4 raw sockets hand us the IP header too; IPv6 ones do not.
            std::size_t offset = v6 ? 0 : (buffer[0] & 0x0f) * 4u;
            if (static_cast<std::size_t>(n) < offset + sizeof(icmphdr) + sizeof(Payload)) continue;
            icmphdr h;
            Payload p;
            std::memcpy(&h, buffer + offset, sizeof h);
            std::memcpy(&p, buffer + offset + sizeof h, sizeof p);
            if (h.type != (v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY) || ntohs(h.un.echo.id) != id ||
                p.magic != kMagic || p.index >= sent ||
                static_cast<std::uint16_t>(p.index) != ntohs(h.un.echo.sequence))
                continue;
            if (seen[p.index]) {
                ++duplicates;
                continue;
            }
            seen[p.index] = true;
            ++received;
            if (first_reply_ns < 0) first_reply_ns = now;
            if (last_reply_ns >= 0) gaps.record(last_reply_ns, now, false);
            last_reply_ns = now;
        }
    }
};

void parse_options(Probe& p, int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc) usage_error(a + " needs a value");
            return argv[++i];
        };
        if (a == "--target")
            p.target_text = value();
        else if (a == "--interval-ms")
            p.interval_ms = parse_int(a, value(), kIntervalMsMax);
        else if (a == "--duration-ms")
            p.duration_ms = parse_int(a, value(), kDurationMsMax);
        else if (a == "--json")
            p.json = true;
        else if (a == "--tcp-port")
            p.tcp_port = parse_int(a, value(), kPortMax);
        else if (a == "--timeout-ms")
            p.timeout_ms = parse_int(a, value(), kTimeoutMsMax);
        else
            usage_error("unknown argument '" + a + "'");
    }
    if (p.target_text.empty()) usage_error("--target is required");
    if (p.timeout_ms > 0 && p.tcp_port == 0) usage_error("--timeout-ms is for --tcp-port only");
    auto* s4 = reinterpret_cast<sockaddr_in*>(&p.target);
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&p.target);
    if (inet_pton(AF_INET, p.target_text.c_str(), &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        p.target_bytes = sizeof *s4;
    } else if (inet_pton(AF_INET6, p.target_text.c_str(), &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        p.target_bytes = sizeof *s6;
        p.v6 = true;
    } else {
        usage_error("--target '" + p.target_text + "' is not an IPv4 or IPv6 address");
    }
}

void open_socket(Probe& p) {
    p.fd = socket(p.v6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC,
                  p.v6 ? int{IPPROTO_ICMPV6} : int{IPPROTO_ICMP});
    if (p.fd < 0) {
        std::fprintf(stderr, "vigil-probe: raw socket: %s (needs root or CAP_NET_RAW)\n",
                     std::strerror(errno));
        std::exit(1);
    }
    // Let only echo replies through: other ICMP traffic in the namespace is not ours.
    if (p.v6) {
        icmp6_filter filter;
        ICMP6_FILTER_SETBLOCKALL(&filter);
        ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
        setsockopt(p.fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter);
    } else {
        std::uint32_t blocked = ~(1u << ICMP_ECHOREPLY);
        setsockopt(p.fd, SOL_RAW, kIcmpFilter, &blocked, sizeof blocked);
    }
    int rcvbuf = 1 << 20;  // replies come in a burst when a queued ARP request resolves
    setsockopt(p.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
}

// Sends on a periodic absolute timerfd (no drift from our own work, and one poll() waits
// for both the next send and replies) until the duration ends or a signal arrives.
// Returns when sending stopped.
std::int64_t run(Probe& p) {
    const std::int64_t interval_ns = p.interval_ms * kNsPerMs;
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    VIGIL_ASSERT(tfd >= 0);
    p.start_ns = mono_ns();
    p.gaps.start_ns = p.start_ns;
    const std::int64_t deadline_ns = p.start_ns + p.duration_ms * kNsPerMs;
    itimerspec its{to_timespec(interval_ns), to_timespec(p.start_ns + interval_ns)};
    VIGIL_ASSERT(timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, nullptr) == 0);
    p.send_one();
    // Replies to the last echoes get a short grace so they are not counted as lost.
    const std::int64_t grace_ns = kGapIntervals * interval_ns + 20 * kNsPerMs;
    std::int64_t stop_ns = -1;
    for (;;) {
        pollfd fds[2] = {{p.fd, POLLIN, 0}, {tfd, POLLIN, 0}};
        poll(fds, stop_ns < 0 ? 2 : 1, stop_ns < 0 ? -1 : 1);
        if (fds[0].revents & POLLIN) p.receive_all();
        std::int64_t now = mono_ns();
        if (stop_ns < 0 && (g_stop || now >= deadline_ns)) stop_ns = now;
        if (stop_ns >= 0) {
            if (now - stop_ns >= grace_ns || p.received == p.sent) break;
            continue;
        }
        // Ticks missed while we were descheduled are skipped, not sent in a burst.
        std::uint64_t expirations = 0;
        if (read(tfd, &expirations, sizeof expirations) == sizeof expirations &&
            p.sent < p.seen.size())
            p.send_one();
    }
    close(tfd);
    return stop_ns;
}

void print_result(const Probe& p, std::int64_t end_ns) {
    using vigil::probe::ms;
    const double first_ms = p.first_reply_ns < 0 ? -1.0 : ms(p.first_reply_ns - p.start_ns);
    std::uint64_t lost = p.sent - p.received;
    if (!p.json) {
        std::printf("vigil-probe %s: sent %" PRIu64 " received %" PRIu64 " lost %" PRIu64
                    ", max gap %.1f ms (%" PRIu64 " gaps > %" PRId64 " ms), first reply %.1f ms\n",
                    p.target_text.c_str(), p.sent, p.received, lost, ms(p.gaps.max_gap_ns),
                    p.gaps.gap_count, kGapIntervals * p.interval_ms, first_ms);
        return;
    }
    std::printf("{\"target\":\"%s\",\"interval_ms\":%" PRId64
                ",\"duration_ms\":%.3f,"
                "\"sent\":%" PRIu64 ",\"received\":%" PRIu64 ",\"lost\":%" PRIu64
                ",\"duplicates\":%" PRIu64 ",\"send_errors\":%" PRIu64
                ",\"max_gap_ms\":%.3f,"
                "\"gap_count\":%" PRIu64 ",\"gaps\":",
                p.target_text.c_str(), p.interval_ms, ms(end_ns - p.start_ns), p.sent, p.received,
                lost, p.duplicates, p.send_errors, ms(p.gaps.max_gap_ns), p.gaps.gap_count);
    p.gaps.print_json();
    std::printf(",\"first_reply_ms\":");
    std::printf(p.first_reply_ns < 0 ? "null" : "%.3f", first_ms);
    std::printf(",\"start_mono_ns\":%" PRId64 "}\n", p.start_ns);
}

}  // namespace

int main(int argc, char** argv) {
    Probe p;
    parse_options(p, argc, argv);
    // No SA_RESTART: the signal must interrupt poll() so that we stop and still print.
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    if (p.tcp_port > 0) {
        vigil::probe::TcpProbeOptions o{p.target_text, p.target,      p.target_bytes, p.tcp_port,
                                        p.interval_ms, p.duration_ms, p.timeout_ms,   p.json};
        return vigil::probe::run_tcp_probe(o, g_stop);
    }
    open_socket(p);
    p.id = static_cast<std::uint16_t>(getpid());
    p.seen.assign(static_cast<std::size_t>(p.duration_ms / p.interval_ms + 2), false);
    p.gaps.interval_ms = p.interval_ms;
    std::int64_t stop_ns = run(p);
    // An outage still running at the end is a gap too, or an unrecovered failover would
    // look short. With no reply at all, the whole run is one open gap.
    p.gaps.record(p.last_reply_ns >= 0 ? p.last_reply_ns : p.start_ns, stop_ns, true);
    print_result(p, stop_ns);
    return 0;
}
