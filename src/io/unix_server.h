// UnixServer: the agent's local control socket (mode 0600). The protocol is one request
// line of JSON and one reply per connection (docs/control.md), except for followers
// (`vigil events --follow`), whose connection stays open and receives every published
// line. This class only moves lines. Connections are non-blocking and bounded in size and
// number, and every write is non-blocking (what the socket does not take waits in a
// bounded buffer until it is writable), so a stuck or malicious client cannot stall the
// agent.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "io/event_loop.h"

namespace vigil::io {

class UnixServer {
public:
    static constexpr std::size_t kRequestBytesMax = 65536;
    static constexpr std::size_t kConnectionsMax = 32;
    static constexpr std::size_t kFollowersMax = 8;
    // A follower with more than this unwritten (it does not read) is dropped: its pending
    // lines are replaced by one saying so, and the connection closes once that is written.
    static constexpr std::size_t kFollowerBufferBytesMax = 1 << 20;
    // handler: request line -> reply line (without the newline).
    using Handler = std::function<std::string(const std::string&)>;
    // Requests the stream handler takes (it returns a reply) never reach the handler.
    // text: whole lines, each ending in '\n'; follow: keep the connection as a follower.
    struct StreamReply {
        std::string text;
        bool follow = false;
    };
    using StreamHandler = std::function<std::optional<StreamReply>(const std::string&)>;

    UnixServer(EventLoop& loop, Handler handler);
    ~UnixServer();
    // Creates the parent directory if needed, replaces a stale socket file.
    Result<void> listen(const std::string& path);
    void set_stream_handler(StreamHandler handler) { stream_handler_ = std::move(handler); }
    // Sends `line` and a newline to every follower. Never blocks, never calls back.
    void publish(std::string_view line);
    std::size_t follower_count() const;
    // A client gets kIdleMax to send its request, and a reply or a final line kIdleMax to
    // be read; then it is dropped, so that idle connections cannot use up the slots.
    // Followers are never idle-expired: waiting is what they do. Call expire() when
    // next_deadline() passes.
    static constexpr Micros kIdleMax = 1'000'000;
    void expire(TimePoint now);
    TimePoint next_deadline() const;

private:
    struct Client {
        std::string received;
        TimePoint deadline;
        std::string outbox;  // bytes the socket has not taken yet
        bool follower = false;
        bool closing = false;         // close once the outbox is written
        bool watch_writable = false;  // else watched for readable
    };
    void accept_ready();
    void client_ready(int fd);
    void request_ready(int fd, Client& client);
    void follower_input(int fd);
    void reply_and_close(int fd, Client& client, std::string text);
    void flush(int fd);
    void writable_ready(int fd);
    void set_watch(int fd, Client& client, bool writable);
    void drop(int fd);

    EventLoop& loop_;
    Handler handler_;
    StreamHandler stream_handler_;
    std::string path_;
    int listen_fd_ = -1;
    std::map<int, Client> clients_;  // by fd
};

}  // namespace vigil::io
