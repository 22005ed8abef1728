#include "io/unix_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

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
    std::string& buf = clients_[fd].received;
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
    auto newline = buf.find('\n');
    std::string reply;
    if (buf.size() > kRequestBytesMax)
        reply = R"({"ok":false,"error":"request larger than 65536 bytes"})";
    else
        reply = handler_(newline == std::string::npos ? buf : buf.substr(0, newline));
    reply += '\n';
    // Replies are small (status of a few groups); a client that does not read them loses
    // them rather than stalling the agent.
    (void)!send(fd, reply.data(), reply.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    drop(fd);
}

void UnixServer::expire(TimePoint now) {
    std::vector<int> late;
    for (const auto& [fd, client] : clients_)
        if (now >= client.deadline) late.push_back(fd);
    for (int fd : late) drop(fd);
}

TimePoint UnixServer::next_deadline() const {
    TimePoint next = TimePoint::never();
    for (const auto& [fd, client] : clients_) next = std::min(next, client.deadline);
    return next;
}

void UnixServer::drop(int fd) {
    loop_.unwatch(fd);
    close(fd);
    clients_.erase(fd);
}

}  // namespace vigil::io
