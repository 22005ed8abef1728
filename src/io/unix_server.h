// UnixServer: the agent's local control socket (mode 0600). The protocol is one request
// line of JSON and one reply line per connection (docs/control.md); this class only moves
// lines. Connections are non-blocking and bounded in size and number, so a stuck or
// malicious client cannot stall the agent.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "common/result.h"
#include "io/event_loop.h"

namespace vigil::io {

class UnixServer {
public:
    static constexpr std::size_t kRequestBytesMax = 65536;
    static constexpr std::size_t kConnectionsMax = 32;
    // handler: request line -> reply line (without the newline).
    using Handler = std::function<std::string(const std::string&)>;

    UnixServer(EventLoop& loop, Handler handler);
    ~UnixServer();
    // Creates the parent directory if needed, replaces a stale socket file.
    Result<void> listen(const std::string& path);
    // A client gets kIdleMax to send its request; then it is dropped, so that idle
    // connections cannot use up the slots. Call expire() when next_deadline() passes.
    static constexpr Micros kIdleMax = 1'000'000;
    void expire(TimePoint now);
    TimePoint next_deadline() const;

private:
    void accept_ready();
    void client_ready(int fd);
    void drop(int fd);

    EventLoop& loop_;
    Handler handler_;
    std::string path_;
    int listen_fd_ = -1;
    struct Client {
        std::string received;
        TimePoint deadline;
    };
    std::map<int, Client> clients_;  // by fd
};

}  // namespace vigil::io
