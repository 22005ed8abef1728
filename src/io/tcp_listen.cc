#include "io/tcp_listen.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vigil::io {

Result<ListenSocket> listen_tcp(const std::string& address, int port, bool ipv6, int backlog,
                                std::string_view what) {
    const std::string where = std::string(what) + " " +
                              (ipv6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
    sockaddr_storage storage{};
    socklen_t length = 0;
    if (ipv6) {
        auto* a = reinterpret_cast<sockaddr_in6*>(&storage);
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(static_cast<std::uint16_t>(port));
        if (inet_pton(AF_INET6, address.c_str(), &a->sin6_addr) != 1)
            return Error::invalid("not an IPv6 address: " + address);
        length = sizeof *a;
    } else {
        auto* a = reinterpret_cast<sockaddr_in*>(&storage);
        a->sin_family = AF_INET;
        a->sin_port = htons(static_cast<std::uint16_t>(port));
        if (inet_pton(AF_INET, address.c_str(), &a->sin_addr) != 1)
            return Error::invalid("not an IPv4 address: " + address);
        length = sizeof *a;
    }
    ListenSocket out;
    out.fd = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (out.fd < 0) return Error::io(std::string("socket: ") + std::strerror(errno));
    const int one = 1;
    setsockopt(out.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ipv6) setsockopt(out.fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    std::string failed;
    if (bind(out.fd, reinterpret_cast<sockaddr*>(&storage), length) != 0)
        failed = where + ": bind: " + std::strerror(errno);
    else if (::listen(out.fd, backlog) != 0)
        failed = where + ": " + std::strerror(errno);
    if (!failed.empty()) {
        close(out.fd);
        return Error::io(failed);
    }
    out.port = port;
    if (getsockname(out.fd, reinterpret_cast<sockaddr*>(&storage), &length) == 0)
        out.port = ntohs(ipv6 ? reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port
                              : reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
    return out;
}

}  // namespace vigil::io
