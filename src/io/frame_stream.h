// FrameStream: a non-blocking TCP connection on the agent's EventLoop that carries
// length-prefixed frames ([u32 little-endian length][bytes]), for the store's replication
// links (daemon/store_links.h). Reads never block the loop; what the peer does not read
// yet is queued and sent as the socket becomes writable. A frame longer than the limit, or
// a reset, closes the stream and reports why. TcpListener accepts such connections.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "io/event_loop.h"

namespace vigil::io {

class FrameStream {
public:
    using OnFrame = std::function<void(std::string_view frame)>;  // may destroy the stream
    using OnClose = std::function<void(const std::string& why)>;  // may destroy the stream

    // Starts a non-blocking connect to a numeric IPv4/IPv6 `address`; frames sent before
    // it completes are queued. Errors: a bad address or socket failure (a refused
    // connection arrives later, through on_close).
    static Result<std::unique_ptr<FrameStream>> connect(EventLoop& loop, const std::string& address,
                                                        int port, std::size_t frame_bytes_max);
    // Takes an accepted, connected socket.
    static std::unique_ptr<FrameStream> adopt(EventLoop& loop, int fd, std::size_t frame_bytes_max);
    ~FrameStream();
    FrameStream(const FrameStream&) = delete;
    FrameStream& operator=(const FrameStream&) = delete;

    // Callbacks run on the loop. Nothing is read before start().
    void start(OnFrame on_frame, OnClose on_close);
    void send(std::string_view frame);
    std::size_t queued_bytes() const { return out_.size() - out_sent_; }
    // A stream may start with a small limit (an unauthenticated handshake) and raise it.
    void set_frame_limit(std::size_t frame_bytes_max) { frame_bytes_max_ = frame_bytes_max; }
    bool open() const { return fd_ >= 0; }

private:
    FrameStream(EventLoop& loop, int fd, std::size_t frame_bytes_max, bool connecting);
    void on_event();
    bool read_ready();   // false: closed (and maybe destroyed)
    bool write_ready();  // false: closed
    void fail(const std::string& why);
    void update_interest();

    EventLoop& loop_;
    int fd_;
    std::size_t frame_bytes_max_;
    bool connecting_;
    bool want_write_ = false;
    std::string in_;
    std::size_t in_used_ = 0;
    std::string out_;
    std::size_t out_sent_ = 0;
    OnFrame on_frame_;
    OnClose on_close_;
    // Set by the destructor: a callback that destroyed the stream must not touch it after.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

class TcpListener {
public:
    using OnAccept = std::function<void(int fd, std::string peer_address)>;
    // Listens on a numeric address ("0.0.0.0", "::" or a node address) and port (0 = any).
    static Result<std::unique_ptr<TcpListener>> listen(EventLoop& loop, const std::string& address,
                                                       int port, OnAccept on_accept);
    ~TcpListener();
    int port() const { return port_; }

private:
    TcpListener(EventLoop& loop, int fd, int port, OnAccept on_accept);
    void accept_ready();
    EventLoop& loop_;
    int fd_;
    int port_;
    OnAccept on_accept_;
};

}  // namespace vigil::io
