// vigil-kv-load: a closed-loop write load generator for bench/store. N clients, each with one
// HTTP/1.1 keep-alive connection and one request in flight, write unique keys with fixed-size
// values to vigil's store (PUT /v1/kv/KEY) or to etcd's v3 JSON gateway (POST /v3/kv/put),
// all on one epoll thread. It reports acknowledged writes/s and p50/p99/max latency of the
// requests completed after the warm-up. A failed request (error status, reset, timeout) is
// counted, its connection is closed and opened again, and the client writes its next key.
//
//   vigil-kv-load --target vigil|etcd --server ADDR:PORT --clients N --seconds S
//                 [--value-bytes 256] [--warmup-seconds 1] [--key-prefix bench]
//                 [--timeout-ms 5000] [--json]
#include "bench/kv_load_http.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using vigil::bench::Target;
using Clock = std::chrono::steady_clock;
constexpr int kClientsMax = 4096;

struct Options {
    Target target = Target::vigil;
    std::string server;
    sockaddr_in address{};
    int clients = 1;
    double seconds = 5;
    double warmup_seconds = 1;
    std::size_t value_bytes = 256;
    std::string key_prefix = "bench";
    int timeout_ms = 5000;
    bool json = false;
};

struct Client {
    int index = 0;
    int fd = -1;
    bool connected = false;
    std::uint64_t seq = 0;
    std::string out;  // the request being sent
    std::size_t out_sent = 0;
    std::string in;   // bytes received, not yet parsed
    Clock::time_point sent_at{};
    Clock::time_point retry_at{};  // reconnect no earlier than this after an error
};

struct Stats {
    std::uint64_t writes = 0;  // acknowledged after the warm-up
    std::uint64_t errors = 0;  // after the warm-up
    std::vector<std::uint32_t> latency_us;
};

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "vigil-kv-load: %s\nusage: vigil-kv-load --target vigil|etcd --server "
                 "ADDR:PORT --clients N --seconds S [--value-bytes 256] [--warmup-seconds 1] "
                 "[--key-prefix bench] [--timeout-ms 5000] [--json]\n",
                 why);
    std::exit(2);
}

Options parse_options(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--json") {
            o.json = true;
            continue;
        }
        if (i + 1 >= argc) usage((arg + " needs a value").c_str());
        std::string value = argv[++i];
        char* end = nullptr;
        double number = std::strtod(value.c_str(), &end);
        bool numeric = end != value.c_str() && *end == '\0' && number >= 0;
        if (arg == "--target") {
            if (value != "vigil" && value != "etcd") usage("--target is vigil or etcd");
            o.target = value == "vigil" ? Target::vigil : Target::etcd;
        } else if (arg == "--server") {
            o.server = value;
        } else if (arg == "--key-prefix") {
            o.key_prefix = value;
        } else if (!numeric) {
            usage((arg + " wants a number, got '" + value + "'").c_str());
        } else if (arg == "--clients") {
            o.clients = int(number);
        } else if (arg == "--seconds") {
            o.seconds = number;
        } else if (arg == "--warmup-seconds") {
            o.warmup_seconds = number;
        } else if (arg == "--value-bytes") {
            o.value_bytes = std::size_t(number);
        } else if (arg == "--timeout-ms") {
            o.timeout_ms = int(number);
        } else {
            usage(("unknown option " + arg).c_str());
        }
    }
    if (o.clients < 1 || o.clients > kClientsMax) usage("--clients is 1..4096");
    if (o.seconds <= 0) usage("--seconds must be > 0");
    std::size_t colon = o.server.rfind(':');
    if (colon == std::string::npos) usage("--server wants IPv4ADDR:PORT");
    o.address.sin_family = AF_INET;
    o.address.sin_port = htons(std::uint16_t(std::atoi(o.server.c_str() + colon + 1)));
    if (inet_pton(AF_INET, o.server.substr(0, colon).c_str(), &o.address.sin_addr) != 1 ||
        o.address.sin_port == 0)
        usage(("bad --server '" + o.server + "'").c_str());
    return o;
}

class Load {
public:
    explicit Load(const Options& options) : o_(options), clients_(std::size_t(options.clients)) {
        epoll_ = epoll_create1(EPOLL_CLOEXEC);
        if (epoll_ < 0) die("epoll_create1");
        for (int i = 0; i < o_.clients; ++i) clients_[std::size_t(i)].index = i;
    }

    Stats run() {
        Clock::time_point start = Clock::now();
        measure_from_ = start + to_duration(o_.warmup_seconds);
        Clock::time_point end = measure_from_ + to_duration(o_.seconds);
        for (Client& c : clients_) open_and_send(c, start);
        std::vector<epoll_event> events(clients_.size());
        while (true) {
            Clock::time_point now = Clock::now();
            if (now >= end) break;
            int n = epoll_wait(epoll_, events.data(), int(events.size()), 10);
            if (n < 0 && errno != EINTR) die("epoll_wait");
            now = Clock::now();
            for (int i = 0; i < n; ++i) {
                Client& c = clients_[events[std::size_t(i)].data.u32];
                if (events[std::size_t(i)].events & (EPOLLERR | EPOLLHUP))
                    fail(c, now);
                else
                    on_ready(c, events[std::size_t(i)].events, now);
            }
            for (Client& c : clients_) check_timers(c, now);
        }
        for (Client& c : clients_) close_fd(c);
        return std::move(stats_);
    }

private:
    static Clock::duration to_duration(double seconds) {
        return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    }
    [[noreturn]] static void die(const char* what) {
        std::fprintf(stderr, "vigil-kv-load: %s: %s\n", what, std::strerror(errno));
        std::exit(1);
    }

    void open_and_send(Client& c, Clock::time_point now) {
        c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c.fd < 0) die("socket");
        int one = 1;
        setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c.connected = false;
        c.in.clear();
        if (connect(c.fd, reinterpret_cast<const sockaddr*>(&o_.address), sizeof o_.address) != 0 &&
            errno != EINPROGRESS) {
            fail(c, now);
            return;
        }
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT;
        ev.data.u32 = std::uint32_t(c.index);
        if (epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev) != 0) die("epoll_ctl");
        next_request(c, now);
    }

    void next_request(Client& c, Clock::time_point now) {
        std::string key = vigil::bench::make_key(o_.key_prefix, c.index, c.seq++);
        c.out = vigil::bench::build_put_request(o_.target, o_.server, key,
                                                vigil::bench::make_value(key, o_.value_bytes));
        c.out_sent = 0;
        c.sent_at = now;
        if (c.connected) flush(c, now);
    }

    void flush(Client& c, Clock::time_point now) {
        while (c.out_sent < c.out.size()) {
            ssize_t n = send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent,
                             MSG_NOSIGNAL);
            if (n < 0 && errno == EAGAIN) break;
            if (n <= 0) {
                fail(c, now);
                return;
            }
            c.out_sent += std::size_t(n);
        }
        // Wait for writability only while a request is partly sent (no busy EPOLLOUT).
        epoll_event ev{};
        ev.events = EPOLLIN | (c.out_sent < c.out.size() ? EPOLLOUT : 0u);
        ev.data.u32 = std::uint32_t(c.index);
        epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev);
    }

    void on_ready(Client& c, std::uint32_t events, Clock::time_point now) {
        if (!c.connected && (events & EPOLLOUT)) {
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err != 0) {
                fail(c, now);
                return;
            }
            c.connected = true;
        }
        if (c.connected && (events & EPOLLOUT)) flush(c, now);
        if (c.fd >= 0 && (events & EPOLLIN)) receive(c, now);
    }

    void receive(Client& c, Clock::time_point now) {
        char buf[16384];
        while (true) {
            ssize_t n = recv(c.fd, buf, sizeof buf, 0);
            if (n < 0 && errno == EAGAIN) break;
            if (n <= 0) {  // reset, or closed by the server (mid-response or idle)
                fail(c, now);
                return;
            }
            c.in.append(buf, std::size_t(n));
        }
        vigil::bench::ParsedResponse r = vigil::bench::parse_response(c.in);
        if (r.state == vigil::bench::ParseState::incomplete) return;
        if (r.state == vigil::bench::ParseState::malformed) {
            std::fprintf(stderr, "vigil-kv-load: client %d: malformed response: %s\n", c.index,
                         r.error.c_str());
            fail(c, now);
            return;
        }
        c.in.erase(0, r.response_bytes);
        if (!vigil::bench::put_acknowledged(o_.target, r)) {
            report_refusal(r);
            fail(c, now);
            return;
        }
        if (c.sent_at >= measure_from_) {
            stats_.writes++;
            auto us = std::chrono::duration_cast<std::chrono::microseconds>(now - c.sent_at);
            stats_.latency_us.push_back(std::uint32_t(us.count()));
        }
        if (r.close) {
            close_fd(c);
            c.retry_at = now;
            return;
        }
        next_request(c, now);
    }

    void report_refusal(const vigil::bench::ParsedResponse& r) {
        if (refusals_reported_++ < 5)
            std::fprintf(stderr, "vigil-kv-load: write refused: %d %.200s\n", r.status,
                         r.body.c_str());
    }

    // An error: count it, drop the connection and try again 10 ms later with the next key.
    void fail(Client& c, Clock::time_point now) {
        if (now >= measure_from_) stats_.errors++;
        close_fd(c);
        c.retry_at = now + std::chrono::milliseconds(10);
    }

    void close_fd(Client& c) {
        if (c.fd < 0) return;
        epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
        close(c.fd);
        c.fd = -1;
        c.connected = false;
    }

    void check_timers(Client& c, Clock::time_point now) {
        if (c.fd < 0 && now >= c.retry_at) {
            open_and_send(c, now);
        } else if (c.fd >= 0 && now - c.sent_at > std::chrono::milliseconds(o_.timeout_ms)) {
            fail(c, now);
        }
    }

    const Options& o_;
    std::vector<Client> clients_;
    int epoll_ = -1;
    Clock::time_point measure_from_{};
    Stats stats_;
    int refusals_reported_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    Options o = parse_options(argc, argv);
    Stats stats = Load(o).run();
    vigil::bench::LatencySummary s = vigil::bench::summarize_latency(stats.latency_us);
    double writes_per_s = double(stats.writes) / o.seconds;
    const char* target = o.target == Target::vigil ? "vigil" : "etcd";
    if (o.json) {
        std::printf("{\"target\":\"%s\",\"clients\":%d,\"seconds\":%g,\"value_bytes\":%zu,"
                    "\"writes\":%llu,\"writes_per_s\":%.1f,\"latency_ms_p50\":%.3f,"
                    "\"latency_ms_p99\":%.3f,\"latency_ms_max\":%.3f,\"errors\":%llu}\n",
                    target, o.clients, o.seconds, o.value_bytes,
                    static_cast<unsigned long long>(stats.writes), writes_per_s, s.p50_ms,
                    s.p99_ms, s.max_ms, static_cast<unsigned long long>(stats.errors));
    } else {
        std::printf("%s %s clients=%d: %.0f writes/s, p50 %.3f ms, p99 %.3f ms, max %.3f ms, "
                    "errors %llu\n",
                    target, o.server.c_str(), o.clients, writes_per_s, s.p50_ms, s.p99_ms,
                    s.max_ms, static_cast<unsigned long long>(stats.errors));
    }
    return stats.writes > 0 ? 0 : 1;
}
