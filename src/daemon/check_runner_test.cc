// Goal: each kind of [[check]] passes and fails as docs/config.md says (command: exit 0;
// tcp: a connect completes; http: a 2xx/3xx status line; ping: an echo answered), a probe
// past its timeout fails, probes repeat every interval_ms without overlapping, and results
// come from the event loop only. Method: real children and sockets on 127.0.0.1 under a
// real EventLoop; the HTTP servers are tiny blocking servers on a thread of their own,
// each bounded by a receive timeout; waits are bounded by a deadline, never fixed sleeps.
#include "daemon/check_runner.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <thread>

#include "io/clock.h"
#include "tests/support/child_processes.h"
#include "tests/support/test_cluster.h"

namespace vigil::daemon {
namespace {

using core::CheckConfig;

CheckConfig check(std::string name, CheckConfig::Kind kind, std::string target,
                  int timeout_ms = 1000, int interval_ms = 1000) {
    CheckConfig c;
    c.name = std::move(name);
    c.kind = kind;
    c.target = std::move(target);
    c.timeout_ms = timeout_ms;
    c.interval_ms = interval_ms;
    return c;
}

struct Harness {
    explicit Harness(std::vector<CheckConfig> checks)
        : config([&] {
              core::Config c = testing::make_config();
              c.checks = std::move(checks);
              return c;
          }()),
          runner(config, loop, log, [this](const core::CheckResult& r) { results.push_back(r); }) {}

    bool wait_for(std::size_t count, Micros limit = ms(3000)) {
        return testing::run_loop_until(
            loop, [&] { return results.size() >= count; },
            [this](TimePoint now) { runner.on_tick(now); },
            [this] { return runner.next_deadline(); }, limit);
    }
    // The first result of each check.
    std::map<std::size_t, core::CheckResult> first() const {
        std::map<std::size_t, core::CheckResult> out;
        for (const auto& r : results) out.try_emplace(r.check, r);
        return out;
    }

    core::Config config;
    testing::CapturingLogger log;
    io::EventLoop loop;
    CheckRunner runner;
    std::vector<core::CheckResult> results;
};

// A TCP socket listening on 127.0.0.1 at a port the kernel chose; it never accepts.
struct Listener {
    Listener() {
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof addr;
        if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 8) != 0 ||
            getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) != 0)
            ADD_FAILURE() << "listener: " << std::strerror(errno);
        port = ntohs(addr.sin_port);
    }
    ~Listener() { close(fd); }
    std::string target() const { return "127.0.0.1:" + std::to_string(port); }
    int fd = -1;
    int port = 0;
};

// Answers one HTTP request with `status_line`, then closes. Remembers the request.
struct TinyHttpServer {
    explicit TinyHttpServer(std::string status_line)
        : thread([this, status_line] { serve(status_line); }) {}
    ~TinyHttpServer() {
        if (thread.joinable()) thread.join();
    }
    // Waits until the one request was served; returns it.
    std::string served_request() {
        thread.join();
        return request;
    }

    void serve(const std::string& status_line) {
        pollfd ready{listener.fd, POLLIN, 0};
        if (poll(&ready, 1, 2000) != 1) return;  // bounded: the test failed to connect
        int fd = accept4(listener.fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) return;
        timeval limit{2, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
        char buf[1024];
        while (request.find("\r\n\r\n") == std::string::npos && request.size() < 4096) {
            ssize_t n = recv(fd, buf, sizeof buf, 0);
            if (n <= 0) break;
            request.append(buf, static_cast<std::size_t>(n));
        }
        std::string answer = status_line + "\r\nContent-Length: 0\r\n\r\n";
        (void)!send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
        close(fd);
    }

    Listener listener;
    std::string request;  // the thread's until it ends: see served_request()
    std::thread thread;   // last: starts once the listener exists
};

bool in_path(const std::string& program) {
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "";
    for (std::size_t at = 0; at <= dirs.size();) {
        std::size_t end = std::min(dirs.find(':', at), dirs.size());
        std::string candidate = dirs.substr(at, end - at) + "/" + program;
        if (access(candidate.c_str(), X_OK) == 0) return true;
        at = end + 1;
    }
    return false;
}

TEST(PingArgv, TimeoutIsRoundedUpToWholeSeconds) {
    EXPECT_EQ(ping_argv("192.0.2.1", 1000),
              (std::vector<std::string>{"ping", "-n", "-q", "-c1", "-W1", "192.0.2.1"}));
    EXPECT_EQ(ping_argv("fd00::1", 1500)[4], "-W2");
    EXPECT_EQ(ping_argv("fd00::1", 200)[4], "-W1");
}

TEST(NetProbeTargets, HostPortAndHttpUrlsAreParsed) {
    auto v4 = io::parse_host_port("127.0.0.1:8080");
    ASSERT_TRUE(v4);
    EXPECT_EQ(v4->text(), "127.0.0.1");
    auto v6 = io::parse_host_port("[fd00::1]:443");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->text(), "fd00::1");
    EXPECT_FALSE(io::parse_host_port("127.0.0.1"));  // no port
    EXPECT_FALSE(io::parse_host_port("127.0.0.1:0"));
    EXPECT_FALSE(io::parse_host_port("127.0.0.1:65536"));
    EXPECT_FALSE(io::parse_host_port("[fd00::1:80"));
    EXPECT_FALSE(io::parse_host_port("fd00::1:80"));       // IPv6 needs brackets
    EXPECT_FALSE(io::parse_host_port("db.example:5432"));  // literals only: no lookup

    auto url = io::parse_http_url("http://127.0.0.1:8080/health?full=1");
    ASSERT_TRUE(url);
    EXPECT_EQ(url->request,
              "GET /health?full=1 HTTP/1.0\r\nHost: 127.0.0.1:8080\r\nUser-Agent: vigil\r\n\r\n");
    auto bare = io::parse_http_url("http://[fd00::1]");
    ASSERT_TRUE(bare);
    EXPECT_EQ(bare->request, "GET / HTTP/1.0\r\nHost: [fd00::1]\r\nUser-Agent: vigil\r\n\r\n");
    EXPECT_EQ(ntohs(reinterpret_cast<const sockaddr_in6&>(bare->address.storage).sin6_port), 80);
    EXPECT_FALSE(io::parse_http_url("https://127.0.0.1/"));
    EXPECT_FALSE(io::parse_http_url("http://127.0.0.1:x/"));
}

TEST(NetProbeTargets, StatusLineIsRead) {
    EXPECT_EQ(io::http_status("HTTP/1.1 200 OK"), 200);
    EXPECT_EQ(io::http_status("HTTP/1.0 503 Service Unavailable\r"), 503);
    EXPECT_EQ(io::http_status("HTTP/1.1 204"), 204);
    EXPECT_EQ(io::http_status("HTTP/1.1 2000 OK"), std::nullopt);
    EXPECT_EQ(io::http_status("SSH-2.0-OpenSSH_9.6"), std::nullopt);
    EXPECT_EQ(io::http_status("HTTP/1.1 abc"), std::nullopt);
    EXPECT_EQ(io::http_status(""), std::nullopt);
}

TEST(CheckRunner, CommandPassesOnExitZeroAndFailsOtherwiseWithItsLastLine) {
    Harness h({check("ok", CheckConfig::Kind::command, "echo fine"),
               check("bad", CheckConfig::Kind::command, "echo 1 of 3 down; echo >&2 oops; exit 1"),
               check("quiet", CheckConfig::Kind::command, "exit 2")});
    h.runner.start(io::monotonic_now());
    ASSERT_TRUE(h.wait_for(3));
    auto first = h.first();
    EXPECT_TRUE(first[0].ok);
    EXPECT_EQ(first[0].detail, "exit 0");
    EXPECT_FALSE(first[1].ok);
    EXPECT_EQ(first[1].detail, "exit 1: oops");  // the last line of its output
    EXPECT_FALSE(first[2].ok);
    EXPECT_EQ(first[2].detail, "exit 2");
}

TEST(CheckRunner, TcpPassesWhenSomethingListensAndFailsOnAClosedPort) {
    Listener open_port;
    int closed_port = 0;
    {
        Listener bound_then_closed;  // the kernel's choice, then nobody listens there
        closed_port = bound_then_closed.port;
    }
    Harness h(
        {check("open", CheckConfig::Kind::tcp, open_port.target()),
         check("closed", CheckConfig::Kind::tcp, "127.0.0.1:" + std::to_string(closed_port))});
    h.runner.start(io::monotonic_now());
    EXPECT_TRUE(h.results.empty());  // never from inside start()
    ASSERT_TRUE(h.wait_for(2));
    auto first = h.first();
    EXPECT_TRUE(first[0].ok) << first[0].detail;
    EXPECT_EQ(first[0].detail, "connected");
    EXPECT_FALSE(first[1].ok);
    EXPECT_EQ(first[1].detail, "connect: Connection refused");
}

TEST(CheckRunner, HttpPassesOn200AndFailsOn503) {
    TinyHttpServer good("HTTP/1.1 200 OK");
    TinyHttpServer bad("HTTP/1.0 503 Service Unavailable");
    Harness h(
        {check("good", CheckConfig::Kind::http, "http://" + good.listener.target() + "/health"),
         check("bad", CheckConfig::Kind::http, "http://" + bad.listener.target())});
    h.runner.start(io::monotonic_now());
    ASSERT_TRUE(h.wait_for(2));
    auto first = h.first();
    EXPECT_TRUE(first[0].ok) << first[0].detail;
    EXPECT_EQ(first[0].detail, "HTTP 200");
    EXPECT_FALSE(first[1].ok);
    EXPECT_EQ(first[1].detail, "HTTP 503");
    const std::string request = good.served_request();
    EXPECT_TRUE(
        request.starts_with("GET /health HTTP/1.0\r\nHost: " + good.listener.target() + "\r\n"))
        << request;
}

TEST(CheckRunner, HttpServerThatNeverAnswersFailsAtTheTimeout) {
    Listener silent;  // the kernel completes the connect; nobody reads or answers
    Harness h({check("silent", CheckConfig::Kind::http, "http://" + silent.target() + "/", 150)});
    const TimePoint started = io::monotonic_now();
    h.runner.start(started);
    ASSERT_TRUE(h.wait_for(1));
    EXPECT_FALSE(h.results[0].ok);
    EXPECT_EQ(h.results[0].detail, "timeout after 150 ms");
    EXPECT_GE(io::monotonic_now() - started, ms(150));
    EXPECT_LT(io::monotonic_now() - started, ms(1000));
}

TEST(CheckRunner, CommandPastTheTimeoutIsKilledAndFails) {
    Harness h({check("slow", CheckConfig::Kind::command, "sleep 5", 150)});
    const TimePoint started = io::monotonic_now();
    h.runner.start(started);
    ASSERT_TRUE(h.wait_for(1));
    EXPECT_FALSE(h.results[0].ok);
    EXPECT_EQ(h.results[0].detail, "timeout after 150 ms");
    EXPECT_LT(io::monotonic_now() - started, ms(1000));
}

TEST(CheckRunner, PingOfLoopbackPasses) {
    if (!in_path("ping")) GTEST_SKIP() << "ping is not installed (iputils-ping)";
    Harness h({check("gateway", CheckConfig::Kind::ping, "127.0.0.1")});
    h.runner.start(io::monotonic_now());
    ASSERT_TRUE(h.wait_for(1));
    EXPECT_TRUE(h.results[0].ok) << h.results[0].detail;
    EXPECT_EQ(h.results[0].detail, "ping exit 0");
}

TEST(CheckRunner, ProbesRepeatEveryIntervalWithoutOverlapping) {
    testing::TempDir dir("vigil-check");
    ASSERT_TRUE(dir.ok());
    const std::string file = dir.path("probes");
    // Each probe outlasts the 20 ms interval: the next may start only after it ended.
    Harness h({check("slow", CheckConfig::Kind::command,
                     "echo s >> " + file + "; sleep 0.06; echo e >> " + file, 1000, 20)});
    h.runner.start(io::monotonic_now());
    ASSERT_TRUE(h.wait_for(3));
    EXPECT_TRUE(testing::read_text(file).starts_with("s\ne\ns\ne\ns\ne\n"))
        << testing::read_text(file);
    for (const auto& r : h.results) EXPECT_TRUE(r.ok) << r.detail;
}

TEST(CheckRunner, UnusableTargetFailsEveryProbeFromTheLoop) {
    Harness h({check("typo", CheckConfig::Kind::tcp, "db.example:5432", 1000, 50)});
    EXPECT_EQ(h.log.count("check_target_invalid"), 1);
    h.runner.start(io::monotonic_now());
    EXPECT_TRUE(h.results.empty());
    EXPECT_EQ(h.runner.next_deadline(), TimePoint{0});
    ASSERT_TRUE(h.wait_for(2));
    EXPECT_FALSE(h.results[0].ok);
    EXPECT_NE(h.results[0].detail.find("db.example"), std::string::npos) << h.results[0].detail;
}

// Reload: a retired runner kills its running probes, reports nothing more, and becomes idle
// once the killed children are reaped (none is left behind as a zombie).
TEST(CheckRunner, RetiredRunnerKillsItsProbesAndReportsNothing) {
    Harness h({check("slow", CheckConfig::Kind::command, "sleep 30", /*timeout_ms=*/60000)});
    h.runner.start(io::monotonic_now());
    EXPECT_FALSE(h.runner.idle());
    h.runner.retire();
    EXPECT_TRUE(testing::run_loop_until(
        h.loop, [&] { return h.runner.idle(); }, [](TimePoint) {},
        [] { return TimePoint::never(); }, ms(3000)));
    EXPECT_TRUE(h.results.empty());
}

// A reload replaces the agent's config in place before the old runner is retired; the
// killed probe's exit must not read the new (here: empty) check list.
TEST(CheckRunner, RetiredRunnerSurvivesTheConfigItWasBuiltFromBeingReplaced) {
    Harness h({check("slow", CheckConfig::Kind::command, "sleep 30", /*timeout_ms=*/60000)});
    h.runner.start(io::monotonic_now());
    h.config.checks.clear();
    h.config.checks.shrink_to_fit();
    h.runner.retire();
    EXPECT_TRUE(testing::run_loop_until(
        h.loop, [&] { return h.runner.idle(); }, [](TimePoint) {},
        [] { return TimePoint::never(); }, ms(3000)));
    EXPECT_TRUE(h.results.empty());
}

}  // namespace
}  // namespace vigil::daemon
