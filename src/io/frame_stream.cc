#include "io/frame_stream.h"

#include "io/tcp_listen.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vigil::io {

namespace {

constexpr std::size_t kReadChunk = 256 * 1024;

bool socket_address(const std::string& address, int port, sockaddr_storage& out,
                    socklen_t& length) {
    std::memset(&out, 0, sizeof out);
    auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
    if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(static_cast<std::uint16_t>(port));
        length = sizeof(sockaddr_in);
        return true;
    }
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
    if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(static_cast<std::uint16_t>(port));
        length = sizeof(sockaddr_in6);
        return true;
    }
    return false;
}

std::string errno_text(const char* what) {
    return std::string(what) + ": " + std::strerror(errno);
}

void tune(int fd) {
    // Replication frames are latency-bound (a write waits for the standby's ack).
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

}  // namespace

Result<std::unique_ptr<FrameStream>> FrameStream::connect(EventLoop& loop,
                                                          const std::string& address, int port,
                                                          std::size_t frame_bytes_max) {
    sockaddr_storage sa{};
    socklen_t length = 0;
    if (!socket_address(address, port, sa, length))
        return Error::invalid("not a numeric IP address: " + address);
    int fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return Error::io(errno_text("socket"));
    tune(fd);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), length) != 0 && errno != EINPROGRESS) {
        auto error = Error::io(errno_text(("connect to " + address).c_str()));
        close(fd);
        return error;
    }
    return std::unique_ptr<FrameStream>(new FrameStream(loop, fd, frame_bytes_max, true));
}

std::unique_ptr<FrameStream> FrameStream::adopt(EventLoop& loop, int fd,
                                                std::size_t frame_bytes_max) {
    tune(fd);
    return std::unique_ptr<FrameStream>(new FrameStream(loop, fd, frame_bytes_max, false));
}

FrameStream::FrameStream(EventLoop& loop, int fd, std::size_t frame_bytes_max, bool connecting)
    : loop_(loop), fd_(fd), frame_bytes_max_(frame_bytes_max), connecting_(connecting) {}

FrameStream::~FrameStream() {
    *alive_ = false;
    if (fd_ >= 0) {
        loop_.unwatch(fd_);
        close(fd_);
    }
}

void FrameStream::start(OnFrame on_frame, OnClose on_close) {
    on_frame_ = std::move(on_frame);
    on_close_ = std::move(on_close);
    if (auto r = loop_.watch(fd_, [this] { on_event(); }); !r) {
        fail(r.error().message);
        return;
    }
    update_interest();
}

void FrameStream::send(std::string_view frame) {
    if (fd_ < 0) return;
    const auto n = static_cast<std::uint32_t>(frame.size());
    const char header[4] = {static_cast<char>(n), static_cast<char>(n >> 8),
                            static_cast<char>(n >> 16), static_cast<char>(n >> 24)};
    // Compact what was sent before growing the queue.
    if (out_sent_ > 0 && out_sent_ == out_.size()) {
        out_.clear();
        out_sent_ = 0;
    }
    out_.append(header, 4);
    out_.append(frame);
    auto alive = alive_;  // a failed write runs on_close, which may destroy this stream
    if (!connecting_ && on_frame_ && !write_ready()) return;
    if (!*alive) return;
    update_interest();
}

void FrameStream::update_interest() {
    if (fd_ < 0 || !on_frame_) return;
    const bool want = connecting_ || queued_bytes() > 0;
    if (want == want_write_) return;
    want_write_ = want;
    if (auto r = loop_.want_writable(fd_, want); !r) fail(r.error().message);
}

void FrameStream::on_event() {
    auto alive = alive_;
    if (connecting_) {
        int error = 0;
        socklen_t length = sizeof error;
        getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length);
        if (error == EINPROGRESS || error == EALREADY) return;
        if (error != 0) {
            fail(std::string("connect: ") + std::strerror(error));
            return;
        }
        connecting_ = false;
    }
    if (!write_ready()) return;
    if (!read_ready()) return;
    if (*alive) update_interest();
}

bool FrameStream::write_ready() {
    while (queued_bytes() > 0) {
        ssize_t n = ::send(fd_, out_.data() + out_sent_, queued_bytes(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
            if (errno == ENOTCONN) break;  // connect still in progress
            fail(errno_text("send"));
            return false;
        }
        out_sent_ += static_cast<std::size_t>(n);
    }
    if (out_sent_ == out_.size()) {
        out_.clear();
        out_sent_ = 0;
    }
    return true;
}

bool FrameStream::read_ready() {
    auto alive = alive_;
    for (;;) {
        const std::size_t old = in_.size();
        in_.resize(old + kReadChunk);
        ssize_t n = ::recv(fd_, in_.data() + old, kReadChunk, 0);
        in_.resize(old + (n > 0 ? static_cast<std::size_t>(n) : 0));
        if (n == 0) {
            fail("closed by the peer");
            return false;
        }
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
            fail(errno_text("recv"));
            return false;
        }
        // Deliver every complete frame.
        while (in_.size() - in_used_ >= 4) {
            const auto* p = reinterpret_cast<const unsigned char*>(in_.data() + in_used_);
            const std::uint32_t length = p[0] | (p[1] << 8) | (p[2] << 16) |
                                         (static_cast<std::uint32_t>(p[3]) << 24);
            if (length > frame_bytes_max_) {
                fail("frame of " + std::to_string(length) + " bytes (limit " +
                     std::to_string(frame_bytes_max_) + ")");
                return false;
            }
            if (in_.size() - in_used_ - 4 < length) break;
            std::string_view frame(in_.data() + in_used_ + 4, length);
            in_used_ += 4 + length;
            on_frame_(frame);
            if (!*alive || fd_ < 0) return false;
        }
        if (in_used_ > 0) {
            in_.erase(0, in_used_);
            in_used_ = 0;
        }
        if (static_cast<std::size_t>(n) < kReadChunk) break;
    }
    return true;
}

void FrameStream::fail(const std::string& why) {
    if (fd_ < 0) return;
    loop_.unwatch(fd_);
    close(fd_);
    fd_ = -1;
    if (on_close_) {
        auto on_close = on_close_;  // the callback may destroy this
        on_close(why);
    }
}

Result<std::unique_ptr<TcpListener>> TcpListener::listen(EventLoop& loop,
                                                         const std::string& address, int port,
                                                         OnAccept on_accept) {
    const bool ipv6 = address.find(':') != std::string::npos;
    auto socket = listen_tcp(address, port, ipv6, 128, "listen");
    if (!socket) return socket.error();
    const int fd = socket->fd;
    const int bound_port = socket->port;
    std::unique_ptr<TcpListener> listener(new TcpListener(loop, fd, bound_port, std::move(on_accept)));
    if (auto r = loop.watch(fd, [l = listener.get()] { l->accept_ready(); }); !r) return r.error();
    return listener;
}

TcpListener::TcpListener(EventLoop& loop, int fd, int port, OnAccept on_accept)
    : loop_(loop), fd_(fd), port_(port), on_accept_(std::move(on_accept)) {}

TcpListener::~TcpListener() {
    loop_.unwatch(fd_);
    close(fd_);
}

void TcpListener::accept_ready() {
    for (;;) {
        sockaddr_storage peer{};
        socklen_t length = sizeof peer;
        int fd = accept4(fd_, reinterpret_cast<sockaddr*>(&peer), &length,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;  // EAGAIN, or a transient error: try at the next wake-up
        char text[INET6_ADDRSTRLEN] = {};
        if (peer.ss_family == AF_INET)
            inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&peer)->sin_addr, text, sizeof text);
        else
            inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&peer)->sin6_addr, text,
                      sizeof text);
        on_accept_(fd, text);
    }
}

}  // namespace vigil::io
