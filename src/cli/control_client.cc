#include "cli/control_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/time.h"

namespace vigil::cli {

std::string host_name() {
    char buf[256] = {};
    gethostname(buf, sizeof buf - 1);
    return buf;
}

std::string default_socket_path(const std::string& node) {
    return "/run/vigil/" + (node.empty() ? host_name() : node) + ".sock";
}

Result<int> send_request(const std::string& socket_path, const nlohmann::json& req) {
    sockaddr_un addr{};
    if (socket_path.size() >= sizeof addr.sun_path)
        return Error::invalid("socket path too long: " + socket_path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return Error::io(std::string("socket: ") + std::strerror(errno));
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size());
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        std::string err = std::strerror(errno);
        close(fd);
        return Error::io("cannot reach the agent at " + socket_path + ": " + err +
                         " (is it running? use --node NAME or --socket PATH)");
    }
    std::string line = req.dump() + "\n";
    if (send(fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) {
        close(fd);
        return Error::io("sending the request failed");
    }
    return fd;
}

Result<nlohmann::json> request(const std::string& socket_path, const nlohmann::json& req,
                               int timeout_ms) {
    auto sent = send_request(socket_path, req);
    if (!sent) return sent.error();
    const int fd = *sent;
    std::string reply;
    char chunk[8192];
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        int rc = poll(&p, 1, timeout_ms);
        if (rc <= 0) {
            close(fd);
            return Error::io("no reply from the agent within " + std::to_string(timeout_ms) +
                             " ms");
        }
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) break;
        reply.append(chunk, static_cast<std::size_t>(n));
        if (reply.find('\n') != std::string::npos) break;
    }
    close(fd);
    auto j = nlohmann::json::parse(reply, nullptr, false);
    if (j.is_discarded()) return Error::protocol("the agent sent an unreadable reply");
    return j;
}

}  // namespace vigil::cli
