#include "io/unix_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "io/client_deadlines.h"
#include "io/clock.h"

namespace vigil::io {

UnixServer::UnixServer(EventLoop& loop, Handler handler)
    : loop_(loop), handler_(std::move(handler)) {}

UnixServer::~UnixServer() {
    for (auto& [fd, _] : clients_) {
        loop_.unwatch(fd);
        close(fd);
    }
    if (listen_fd_ >= 0) {
        loop_.unwatch(listen_fd_);
        close(listen_fd_);
        unlink(path_.c_str());
    }
}

Result<void> UnixServer::listen(const std::string& path) {
    sockaddr_un addr{};
    if (path.size() >= sizeof addr.sun_path)
        return Error::invalid("control socket path too long: " + path);
    std::error_code ec;
    auto dir = std::filesystem::path(path).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) return Error::io(std::string("socket: ") + std::strerror(errno));
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size());
    // A socket file left by a killed agent would make bind fail; nobody else listens on it
    // if connecting fails.
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        close(probe);
        return Error::busy("another agent is listening on " + path);
    }
    close(probe);
    unlink(path.c_str());
    mode_t old = umask(0077);  // mode 0600: only root talks to the agent
    int rc = bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    umask(old);
    if (rc != 0) return Error::io("bind " + path + ": " + std::strerror(errno));
    chmod(path.c_str(), 0600);
    if (::listen(listen_fd_, 16) != 0)
        return Error::io("listen " + path + ": " + std::strerror(errno));
    path_ = path;
    return loop_.watch(listen_fd_, [this] { accept_ready(); });
}

void UnixServer::accept_ready() {
    for (;;) {
        int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        if (clients_.size() >= kConnectionsMax) {
            close(fd);
            continue;
        }
        clients_[fd] = Client{{}, monotonic_now() + kIdleMax};
        if (!loop_.watch(fd, [this, fd] { client_ready(fd); })) drop(fd);
    }
}

void UnixServer::client_ready(int fd) {
    auto it = clients_.find(fd);
    if (it == clients_.end()) return;  // dropped earlier in this round
    if (it->second.follower || it->second.closing) {
        follower_input(fd);
        return;
    }
    request_ready(fd, it->second);
}

void UnixServer::request_ready(int fd, Client& client) {
    std::string& buf = client.received;
    char chunk[4096];
    for (;;) {
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n > 0) {
            buf.append(chunk, static_cast<std::size_t>(n));
            if (buf.size() > kRequestBytesMax || buf.find('\n') != std::string::npos) break;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;  // wait for more
        break;                                                           // EOF or error
    }
    if (buf.size() > kRequestBytesMax) {
        reply_and_close(fd, client,
                        R"({"ok":false,"error":"request larger than 65536 bytes"})"
                        "\n");
        return;
    }
    auto newline = buf.find('\n');
    const std::string request = newline == std::string::npos ? buf : buf.substr(0, newline);
    buf.clear();
    std::optional<StreamReply> stream;
    if (stream_handler_) stream = stream_handler_(request);
    if (!stream) {
        reply_and_close(fd, client, handler_(request) + "\n");
        return;
    }
    if (!stream->follow) {
        reply_and_close(fd, client, std::move(stream->text));
        return;
    }
    if (follower_count() >= kFollowersMax) {
        reply_and_close(fd, client,
                        R"({"ok":false,"error":"too many followers (at most )" +
                            std::to_string(kFollowersMax) + ")\"}\n");
        return;
    }
    client.follower = true;
    client.deadline = TimePoint::never();
    client.outbox = std::move(stream->text);
    flush(fd);
}

void UnixServer::follower_input(int fd) {
    // A follower has nothing more to say; reading only tells when it hangs up.
    char chunk[4096];
    for (;;) {
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n > 0) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        drop(fd);  // EOF or error
        return;
    }
}

void UnixServer::reply_and_close(int fd, Client& client, std::string text) {
    client.outbox = std::move(text);
    client.closing = true;
    client.deadline = monotonic_now() + kIdleMax;
    flush(fd);
}

void UnixServer::publish(std::string_view line) {
    std::vector<int> followers;
    for (const auto& [fd, client] : clients_)
        if (client.follower && !client.closing) followers.push_back(fd);
    for (int fd : followers) {
        Client& c = clients_.at(fd);
        c.outbox.append(line);
        c.outbox += '\n';
        if (c.outbox.size() > kFollowerBufferBytesMax) {
            // Keep the line the socket may have taken in part, so that the reader sees
            // whole lines and then the reason it was dropped.
            const auto first_end = c.outbox.find('\n');
            c.outbox.resize(first_end + 1);
            c.outbox += R"({"ok":false,"error":"dropped: the reader fell more than )" +
                        std::to_string(kFollowerBufferBytesMax) + " bytes behind\"}\n";
            c.closing = true;
            c.deadline = monotonic_now() + kIdleMax;
        }
        flush(fd);
    }
}

std::size_t UnixServer::follower_count() const {
    std::size_t n = 0;
    for (const auto& [fd, client] : clients_) n += client.follower ? 1 : 0;
    return n;
}

void UnixServer::flush(int fd) {
    Client& c = clients_.at(fd);
    while (!c.outbox.empty()) {
        ssize_t n = send(fd, c.outbox.data(), c.outbox.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            c.outbox.erase(0, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            set_watch(fd, c, /*writable=*/true);
            return;
        }
        drop(fd);  // the client hung up
        return;
    }
    if (c.closing) {
        drop(fd);
        return;
    }
    set_watch(fd, c, /*writable=*/false);
}

void UnixServer::writable_ready(int fd) {
    if (clients_.count(fd)) flush(fd);  // else dropped earlier in this round
}

void UnixServer::set_watch(int fd, Client& client, bool writable) {
    if (client.watch_writable == writable) return;
    loop_.unwatch(fd);
    client.watch_writable = writable;
    auto watched = writable ? loop_.watch_writable(fd, [this, fd] { writable_ready(fd); })
                            : loop_.watch(fd, [this, fd] { client_ready(fd); });
    if (!watched) drop(fd);
}

void UnixServer::expire(TimePoint now) {
    for (int fd : clients_past_deadline(clients_, now)) drop(fd);
}

TimePoint UnixServer::next_deadline() const { return earliest_client_deadline(clients_); }

void UnixServer::drop(int fd) {
    loop_.unwatch(fd);
    close(fd);
    clients_.erase(fd);
}

}  // namespace vigil::io
