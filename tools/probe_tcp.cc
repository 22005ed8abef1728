// vigil-probe --tcp-port: how long a client loses a service behind a VIP, and who served it.
// Every interval it opens a TCP connection to VIP:PORT and reads the one-line answer, the
// name of the node that answered (tools/echo_service.py). The longest stretch between two
// answers is the outage a client of the service saw; it covers the VIP moving and the
// service starting on the new primary (or restarting in place). The answering nodes are
// reported as runs ("n1" x 120, then "n2" x 300), so a test can check who served before
// and after a failover, and that nobody else answered in between.
//
// Attempts are independent: each has its own non-blocking socket, so one SYN lost during
// the move (retried by the kernel only after a second) does not hide the answers of later
// attempts. An attempt is abandoned after timeout_ms; at most kInFlightMax are open at once
// (a skipped attempt is counted). Every socket is closed with an RST (SO_LINGER 0): neither
// side keeps a TIME_WAIT entry, so thousands of connections a minute do not exhaust ports.
#include "probe_tcp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <deque>
#include <utility>
#include <vector>

#include "common/assert.h"
#include "probe_gaps.h"

namespace vigil::probe {
namespace {

constexpr std::size_t kInFlightMax = 512;    // fds stay under the usual limit of 1024
constexpr std::size_t kAnswerBytesMax = 64;  // "NODE\n" with a name of at most 63 bytes
constexpr std::size_t kRunsMax = 1000;       // bounded output; node_changes stays exact
constexpr std::int64_t kTimeoutMsDefault = 500;
constexpr std::uint64_t kTimerTag = ~std::uint64_t{0};
constexpr int kEventsMax = 64;

struct Attempt {
    int fd = -1;  // -1 = free slot
    std::uint64_t generation = 0;
    std::int64_t start_ns = 0;
    bool connected = false;
    std::size_t bytes = 0;
    char buffer[kAnswerBytesMax];
};

// Consecutive answers from one node.
struct Run {
    std::string node;
    std::uint64_t count;
    std::int64_t first_ns, last_ns;
};

struct TcpProbe {
    const TcpProbeOptions& o;
    std::int64_t timeout_ms;
    int epfd = -1;
    std::vector<Attempt> slots = std::vector<Attempt>(kInFlightMax);
    std::vector<std::size_t> free_slots;
    std::deque<std::pair<std::size_t, std::uint64_t>> by_start;  // slot, generation: oldest first
    std::uint64_t generations = 0;
    std::size_t in_flight = 0;
    GapLog gaps;
    std::int64_t first_answer_ns = -1, last_answer_ns = -1;
    std::uint64_t sent = 0, answered = 0, refused = 0, timed_out = 0, failed = 0;
    std::uint64_t bad_answers = 0, skipped = 0, node_changes = 0;
    std::vector<Run> runs;

    explicit TcpProbe(const TcpProbeOptions& options)
        : o(options), timeout_ms(options.timeout_ms > 0 ? options.timeout_ms : kTimeoutMsDefault) {
        for (std::size_t i = kInFlightMax; i-- > 0;) free_slots.push_back(i);
        gaps.interval_ms = o.interval_ms;
    }

    void finish(std::size_t slot) {
        Attempt& a = slots[slot];
        VIGIL_ASSERT(a.fd >= 0);
        linger abort{1, 0};  // close with an RST: no TIME_WAIT on either side
        setsockopt(a.fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
        close(a.fd);  // also leaves the epoll set
        a.fd = -1;
        free_slots.push_back(slot);
        --in_flight;
    }

    void start_one() {
        ++sent;
        if (free_slots.empty()) {
            ++skipped;
            return;
        }
        sockaddr_storage to = o.target;
        if (to.ss_family == AF_INET6)
            reinterpret_cast<sockaddr_in6*>(&to)->sin6_port = htons(static_cast<uint16_t>(o.port));
        else
            reinterpret_cast<sockaddr_in*>(&to)->sin_port = htons(static_cast<uint16_t>(o.port));
        int fd = socket(to.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            ++failed;
            return;
        }
        std::size_t slot = free_slots.back();
        free_slots.pop_back();
        ++in_flight;
        Attempt& a = slots[slot];
        a.fd = fd;
        a.generation = ++generations;
        a.start_ns = mono_ns();
        a.connected = false;
        a.bytes = 0;
        by_start.emplace_back(slot, a.generation);
        // Failures at once (no route, the neighbour is unreachable) are part of an outage.
        if (connect(fd, reinterpret_cast<sockaddr*>(&to), o.target_bytes) < 0 &&
            errno != EINPROGRESS) {
            ++(errno == ECONNREFUSED ? refused : failed);
            finish(slot);
            return;
        }
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT;
        ev.data.u64 = slot;
        VIGIL_ASSERT(epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == 0);
    }

    void answer(std::size_t slot, std::int64_t now) {
        Attempt& a = slots[slot];
        const char* end = static_cast<const char*>(std::memchr(a.buffer, '\n', a.bytes));
        std::string node(a.buffer, static_cast<std::size_t>(end - a.buffer));
        finish(slot);
        bool printable = !node.empty();
        for (unsigned char c : node) printable = printable && c >= 0x21 && c < 0x7f;
        if (!printable) {
            ++bad_answers;
            return;
        }
        ++answered;
        if (first_answer_ns < 0) first_answer_ns = now;
        if (last_answer_ns >= 0) gaps.record(last_answer_ns, now, false);
        last_answer_ns = now;
        if (!runs.empty() && runs.back().node == node) {
            ++runs.back().count;
            runs.back().last_ns = now;
            return;
        }
        if (!runs.empty()) ++node_changes;
        if (runs.size() < kRunsMax) runs.push_back({node, 1, now, now});
    }

    // A socket is ready: finish the connect, then read what the service sends.
    void on_ready(std::size_t slot, std::int64_t now) {
        Attempt& a = slots[slot];
        if (a.fd < 0) return;  // finished earlier in this batch of events
        if (!a.connected) {
            int error = 0;
            socklen_t bytes = sizeof error;
            getsockopt(a.fd, SOL_SOCKET, SO_ERROR, &error, &bytes);
            if (error == EINPROGRESS || error == EALREADY) return;
            if (error != 0) {
                ++(error == ECONNREFUSED ? refused : failed);
                finish(slot);
                return;
            }
            a.connected = true;
            epoll_event ev{};
            ev.events = EPOLLIN;  // writable stays true: level-triggered EPOLLOUT would spin
            ev.data.u64 = slot;
            VIGIL_ASSERT(epoll_ctl(epfd, EPOLL_CTL_MOD, a.fd, &ev) == 0);
        }
        for (;;) {
            ssize_t n = recv(a.fd, a.buffer + a.bytes, kAnswerBytesMax - a.bytes, MSG_DONTWAIT);
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
            if (n < 0) {
                ++failed;  // reset by the peer: the service died while answering
                finish(slot);
                return;
            }
            a.bytes += static_cast<std::size_t>(n);
            if (std::memchr(a.buffer, '\n', a.bytes) != nullptr) {
                answer(slot, now);
                return;
            }
            if (n == 0 || a.bytes == kAnswerBytesMax) {  // closed without a line, or too long
                ++bad_answers;
                finish(slot);
                return;
            }
        }
    }

    void expire(std::int64_t now) {
        while (!by_start.empty()) {
            auto [slot, generation] = by_start.front();
            Attempt& a = slots[slot];
            bool live = a.fd >= 0 && a.generation == generation;
            if (live && now - a.start_ns < timeout_ms * kNsPerMs) return;
            by_start.pop_front();
            if (!live) continue;
            ++timed_out;
            finish(slot);
        }
    }

    // Like the ICMP mode: a periodic absolute timer, missed ticks skipped rather than sent in
    // a burst, a short grace for attempts in flight at the end. Returns when sending stopped.
    std::int64_t run(const volatile std::sig_atomic_t& stop) {
        const std::int64_t interval_ns = o.interval_ms * kNsPerMs;
        epfd = epoll_create1(EPOLL_CLOEXEC);
        VIGIL_ASSERT(epfd >= 0);
        int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        VIGIL_ASSERT(tfd >= 0);
        gaps.start_ns = mono_ns();
        const std::int64_t deadline_ns = gaps.start_ns + o.duration_ms * kNsPerMs;
        itimerspec its{to_timespec(interval_ns), to_timespec(gaps.start_ns + interval_ns)};
        VIGIL_ASSERT(timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, nullptr) == 0);
        epoll_event tev{};
        tev.events = EPOLLIN;
        tev.data.u64 = kTimerTag;
        VIGIL_ASSERT(epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &tev) == 0);
        start_one();
        const std::int64_t grace_ns = kGapIntervals * interval_ns + 20 * kNsPerMs;
        std::int64_t stop_ns = -1;
        epoll_event events[kEventsMax];
        for (;;) {
            int n = epoll_wait(epfd, events, kEventsMax, stop_ns < 0 ? -1 : 1);
            std::int64_t now = mono_ns();
            bool tick = false;
            for (int i = 0; i < n; ++i) {
                if (events[i].data.u64 != kTimerTag) {
                    on_ready(static_cast<std::size_t>(events[i].data.u64), now);
                    continue;
                }
                std::uint64_t expirations = 0;
                tick = read(tfd, &expirations, sizeof expirations) == sizeof expirations;
            }
            expire(now);
            if (stop_ns < 0 && (stop || now >= deadline_ns)) stop_ns = now;
            if (stop_ns >= 0) {
                if (now - stop_ns >= grace_ns || in_flight == 0) break;
                continue;
            }
            if (tick) start_one();
        }
        close(tfd);
        for (std::size_t slot = 0; slot < slots.size(); ++slot)
            if (slots[slot].fd >= 0) finish(slot);
        close(epfd);
        return stop_ns;
    }

    void print(std::int64_t end_ns) const {
        const double first_ms = first_answer_ns < 0 ? -1.0 : ms(first_answer_ns - gaps.start_ns);
        const std::uint64_t lost = sent - answered;
        if (!o.json) {
            std::printf("vigil-probe tcp %s port %" PRId64 ": sent %" PRIu64 " answered %" PRIu64
                        " lost %" PRIu64 " (refused %" PRIu64 ", timed out %" PRIu64
                        "), max gap %.1f ms (%" PRIu64 " gaps > %" PRId64
                        " ms), first answer %.1f ms, answered by",
                        o.target_text.c_str(), o.port, sent, answered, lost, refused, timed_out,
                        ms(gaps.max_gap_ns), gaps.gap_count, kGapIntervals * o.interval_ms,
                        first_ms);
            for (std::size_t i = 0; i < runs.size(); ++i)
                std::printf("%s %s (%" PRIu64 ")", i ? " ->" : "", runs[i].node.c_str(),
                            runs[i].count);
            std::printf("%s\n", runs.empty() ? " nobody" : "");
            return;
        }
        // "received" and "lost" as in the ICMP mode, so that the lab reads both alike.
        std::printf("{\"mode\":\"tcp\",\"target\":\"%s\",\"port\":%" PRId64
                    ",\"interval_ms\":%" PRId64 ",\"timeout_ms\":%" PRId64
                    ",\"duration_ms\":%.3f,\"sent\":%" PRIu64 ",\"received\":%" PRIu64
                    ",\"lost\":%" PRIu64 ",\"refused\":%" PRIu64 ",\"timed_out\":%" PRIu64
                    ",\"failed\":%" PRIu64 ",\"bad_answers\":%" PRIu64 ",\"skipped\":%" PRIu64
                    ",\"max_gap_ms\":%.3f,\"gap_count\":%" PRIu64 ",\"gaps\":",
                    o.target_text.c_str(), o.port, o.interval_ms, timeout_ms,
                    ms(end_ns - gaps.start_ns), sent, answered, lost, refused, timed_out, failed,
                    bad_answers, skipped, ms(gaps.max_gap_ns), gaps.gap_count);
        gaps.print_json();
        std::printf(",\"node_changes\":%" PRIu64 ",\"answers\":[", node_changes);
        // Node names are printable ASCII without spaces (checked in answer()); only quotes
        // and backslashes need escaping.
        for (std::size_t i = 0; i < runs.size(); ++i) {
            std::string node;
            for (char c : runs[i].node)
                node += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
            std::printf("%s{\"node\":\"%s\",\"count\":%" PRIu64
                        ",\"first_ms\":%.3f,\"last_ms\":%.3f}",
                        i ? "," : "", node.c_str(), runs[i].count,
                        ms(runs[i].first_ns - gaps.start_ns), ms(runs[i].last_ns - gaps.start_ns));
        }
        std::printf("],\"first_reply_ms\":");
        std::printf(first_answer_ns < 0 ? "null" : "%.3f", first_ms);
        std::printf(",\"start_mono_ns\":%" PRId64 "}\n", gaps.start_ns);
    }
};

}  // namespace

int run_tcp_probe(const TcpProbeOptions& options, const volatile std::sig_atomic_t& stop) {
    TcpProbe p(options);
    std::int64_t stop_ns = p.run(stop);
    // As in the ICMP mode: an outage still running at the end is an open gap; with no answer
    // at all, the whole run is one.
    p.gaps.record(p.last_answer_ns >= 0 ? p.last_answer_ns : p.gaps.start_ns, stop_ns, true);
    p.print(stop_ns);
    return 0;
}

}  // namespace vigil::probe
