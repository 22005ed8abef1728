// NetProbe: one TCP connect, and optionally one HTTP/1.0 request, carried out in the event
// loop without ever blocking it: the tcp and http health checks (daemon/check_runner.h).
// Targets are IP literals (docs/config.md "[[check]]"): no name lookup, which could block.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "io/event_loop.h"
#include "io/udp_transport.h"

namespace vigil::io {

// "HOST:PORT": an IPv4 literal, or an IPv6 literal in brackets ("[fd00::1]:8080").
Result<SocketAddress> parse_host_port(std::string_view text);

struct HttpTarget {
    SocketAddress address;
    std::string request;  // "GET /PATH HTTP/1.0\r\nHost: HOST[:PORT]\r\n...\r\n\r\n"
};
// "http://HOST[:PORT][/PATH]" with HOST as in parse_host_port; port 80 and path "/" if
// not given.
Result<HttpTarget> parse_http_url(std::string_view url);

// The status code of an HTTP status line ("HTTP/1.1 503 Service Unavailable" -> 503).
std::optional<int> http_status(std::string_view line);

class NetProbe {
public:
    // detail: "connected", "connect: Connection refused", "HTTP 503", ...
    using Done = std::function<void(bool ok, const std::string& detail)>;
    static constexpr std::size_t kStatusLineBytesMax = 1024;

    // Connects to `address`. With `request` empty (tcp), ok once connected. Otherwise
    // (http) sends `request` and reads the status line: ok = 2xx or 3xx. `done` runs once,
    // from the event loop, unless the probe is destroyed first: that is how its owner ends
    // it at a timeout. An Error: the connect failed at once; `done` never runs.
    static Result<std::unique_ptr<NetProbe>> start(EventLoop& loop, const SocketAddress& address,
                                                   std::string request, Done done);
    ~NetProbe();  // closes the socket
    NetProbe(const NetProbe&) = delete;
    NetProbe& operator=(const NetProbe&) = delete;

private:
    NetProbe(EventLoop& loop, int fd, std::string request, Done done);
    void on_writable();
    void on_readable();
    // Stops watching and closes, then runs `done`: the owner may destroy this probe in it.
    void finish(bool ok, const std::string& detail);

    EventLoop& loop_;
    int fd_;
    std::string request_;
    std::size_t sent_bytes_ = 0;
    std::string response_;  // the start of the answer, up to its first line
    Done done_;
};

}  // namespace vigil::io
