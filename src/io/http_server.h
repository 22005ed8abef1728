// HttpServer: the agent's small HTTP/1.1 server for /metrics and the status page
// (docs/metrics.md). It runs on the agent's event loop and must never stall it: sockets
// are non-blocking, a reply the client does not read is buffered and sent as the socket
// becomes writable, and every connection is bounded in head size, in number and in time.
// GET and HEAD only, one request per connection (Connection: close): the endpoints are
// polled at most every second or so, so keep-alive would only add state.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "common/result.h"
#include "common/time.h"
#include "io/event_loop.h"

namespace vigil::io {

struct HttpResponse {
    int status = 200;
    std::string content_type;
    std::string body;
};

class HttpServer {
public:
    static constexpr std::size_t kHeadBytesMax = 8192;
    static constexpr std::size_t kConnectionsMax = 16;
    // A connection gets this long from accept to the last byte of the reply, however it
    // trickles its request or reads the reply: slow clients cannot hold the slots.
    static constexpr Micros kConnectionTimeMax = 10'000'000;
    // Runs on the loop's thread, synchronously: it must be quick (it builds from memory).
    using Handler = std::function<HttpResponse()>;
    using Clock = std::function<TimePoint()>;

    // `now` is the clock the connection deadlines use (io::monotonic_now in the agent, a
    // fake in tests). REQUIRES: loop outlives the server.
    HttpServer(EventLoop& loop, Clock now);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Exact path match (the query is ignored); a later call for the same path replaces it.
    void route(std::string path, Handler handler);
    // `address` is a numeric IPv4 or IPv6 literal; port 0 picks a free port (tests).
    Result<void> listen(const std::string& address, int port, bool ipv6);
    int port() const { return port_; }  // the bound port, after listen
    std::size_t connection_count() const { return clients_.size(); }

    // Drops connections past their deadline. Call when next_deadline() passes.
    void expire(TimePoint now);
    TimePoint next_deadline() const;

    // The reply to one parsed request, or to a bad one (exposed for the unit tests).
    std::string respond(std::string_view head_bytes);

private:
    struct Client {
        std::string received;
        std::string to_send;
        std::size_t sent = 0;
        TimePoint deadline;
    };
    void accept_ready();
    void client_readable(int fd);
    void client_writable(int fd);
    void start_reply(int fd, Client& client, std::string reply);
    void drop(int fd);

    EventLoop& loop_;
    Clock now_;
    std::map<std::string, Handler> routes_;
    int listen_fd_ = -1;
    int port_ = 0;
    std::map<int, Client> clients_;  // by fd
};

}  // namespace vigil::io
