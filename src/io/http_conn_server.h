// HttpConnServer: the HTTP/1.1 server of the replicated store's API (docs/store-api.md), on
// the agent's event loop. Unlike HttpServer (GET-only status endpoints, one request per
// connection) it keeps connections alive, answers pipelined requests in order, reads request
// bodies framed by Content-Length, and lets the handler answer LATER: a write is answered
// only after it is durable on the replicas, while the loop serves other connections.
//
// Bounds (STYLE.md §9): head kHeadBytesMax (431), body kBodyBytesMax (413), kConnectionsMax
// connections (more are closed at accept), kPipelineMax unanswered requests per connection
// (then the connection is not read until replies go out), an idle and a per-request timeout.
// Chunked request bodies are refused (501), as is a PUT/POST without Content-Length (411);
// "Expect: 100-continue" is answered so that curl does not wait before sending a body.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"
#include "common/time.h"
#include "io/event_loop.h"
#include "io/http_request.h"

namespace vigil::io {

struct HttpReply {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::string extra_headers;  // complete lines: "Name: value\r\n..."
};

// Names one request awaiting its reply. Stays valid (and harmless) after the connection
// closed: a reply to a closed connection is dropped.
struct Responder {
    std::uint64_t connection = 0;
    std::uint64_t sequence = 0;
};

class HttpConnServer {
public:
    static constexpr std::size_t kHeadBytesMax = 8192;
    static constexpr std::size_t kBodyBytesMax = 1024 * 1024 + 4096;  // kValueBytesMax + slack
    static constexpr std::size_t kConnectionsMax = 1024;
    static constexpr std::size_t kPipelineMax = 64;
    // A connection with nothing pending is closed after this long without a byte.
    static constexpr Micros kIdleTimeMax = 60'000'000;
    // A started request must arrive whole, and a reply be read, within this long.
    static constexpr Micros kRequestTimeMax = 10'000'000;

    // Runs on the loop's thread. `body` is valid during the call only. The handler must
    // eventually call respond(responder, ...) exactly once, now or later.
    using Handler = std::function<void(const HttpRequest&, std::string_view body, Responder)>;
    using Clock = std::function<TimePoint()>;

    // REQUIRES: loop outlives the server.
    HttpConnServer(EventLoop& loop, Clock now, Handler handler);
    ~HttpConnServer();
    HttpConnServer(const HttpConnServer&) = delete;
    HttpConnServer& operator=(const HttpConnServer&) = delete;

    // `address` is a numeric IPv4 or IPv6 literal; port 0 picks a free port (tests).
    Result<void> listen(const std::string& address, int port, bool ipv6);
    int port() const { return port_; }
    std::size_t connection_count() const { return connections_.size(); }

    // Answers a request. A responder whose connection is gone is ignored; so is a second
    // answer to the same request.
    void respond(Responder responder, HttpReply reply);

    // Closes connections past their deadline. Call when next_deadline() passes.
    void expire(TimePoint now);
    TimePoint next_deadline() const;

private:
    enum class Watch : std::uint8_t { none, read, write };
    struct Connection {
        int fd = -1;
        std::string received;
        std::size_t consumed = 0;         // bytes of `received` already parsed
        std::optional<HttpRequest> head;  // parsed head awaiting its body
        std::size_t body_bytes = 0;       // of `head`
        struct Slot {
            std::optional<std::string> reply;  // serialized, once answered
            bool head = false;                 // a HEAD request: the reply carries no body
        };
        std::deque<Slot> pending;          // one per request, in request order
        std::uint64_t next_sequence = 0;   // of the next request
        std::uint64_t first_sequence = 0;  // of pending.front()
        std::string out;
        std::size_t sent = 0;
        bool close_after = false;  // after the last queued reply (Connection: close, errors)
        bool peer_closed = false;  // EOF read: answer what is pending, then close
        bool busy = false;         // service() runs for it (handlers may answer re-entrantly)
        Watch watch = Watch::none;
        TimePoint deadline;
    };

    void accept_ready();
    void readable(std::uint64_t id);
    bool parse_requests(std::uint64_t id, Connection& c);  // true: dispatched some
    bool start_request(Connection& c);  // false: refused, the error reply is queued
    void queue_error(Connection& c, int status, std::string message);
    void service(std::uint64_t id);  // writes ready replies, re-arms, closes when done
    void set_watch(std::uint64_t id, Connection& c, Watch want);
    void drop(std::uint64_t id);

    EventLoop& loop_;
    Clock now_;
    Handler handler_;
    int listen_fd_ = -1;
    int port_ = 0;
    std::uint64_t next_id_ = 1;
    std::unordered_map<std::uint64_t, Connection> connections_;
    std::uint64_t dispatching_ = 0;  // the connection whose handler runs now (0 = none)
};

}  // namespace vigil::io
