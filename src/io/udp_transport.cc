#include "io/udp_transport.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vigil::io {

static std::string errno_text(const char* what) {
    return std::string(what) + ": " + std::strerror(errno);
}

std::string SocketAddress::text() const {
    char buf[INET6_ADDRSTRLEN] = {};
    if (storage.ss_family == AF_INET) {
        auto* a = reinterpret_cast<const sockaddr_in*>(&storage);
        inet_ntop(AF_INET, &a->sin_addr, buf, sizeof buf);
    } else if (storage.ss_family == AF_INET6) {
        auto* a = reinterpret_cast<const sockaddr_in6*>(&storage);
        inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf);
    }
    return buf;
}

Result<SocketAddress> parse_address(const std::string& literal, int port) {
    SocketAddress out;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&out.storage);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
    if (inet_pton(AF_INET, literal.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(static_cast<std::uint16_t>(port));
        out.length = sizeof(sockaddr_in);
        return out;
    }
    if (inet_pton(AF_INET6, literal.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(static_cast<std::uint16_t>(port));
        out.length = sizeof(sockaddr_in6);
        return out;
    }
    return Error::invalid("not an IPv4 or IPv6 address: \"" + literal + "\"");
}

Result<UdpSocket> UdpSocket::bind(const std::string& literal, int port) {
    auto addr = parse_address(literal, port);
    if (!addr) return addr.error();
    int fd = socket(addr->storage.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return Error::io(errno_text("socket"));
    UdpSocket sock(fd);
    int one = 1;
    setsockopt(fd, SOL_IP, IP_FREEBIND, &one, sizeof one);
    if (addr->storage.ss_family == AF_INET6) {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        setsockopt(fd, SOL_IPV6, IPV6_FREEBIND, &one, sizeof one);
    }
    // Heartbeats are control traffic: ask for the network-control class (DSCP CS6).
    int tos = 0xc0;
    if (addr->storage.ss_family == AF_INET)
        setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos);
    else
        setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof tos);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr->storage), addr->length) != 0)
        return Error::io(errno_text(("bind " + literal + ":" + std::to_string(port)).c_str()));
    return sock;
}

UdpSocket::UdpSocket(UdpSocket&& other) noexcept : fd_(other.fd_) {
    other.fd_ = -1;
}

UdpSocket& UdpSocket::operator=(UdpSocket&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) close(fd_);
        fd_ = other.fd_;
        other.fd_ = -1;
    }
    return *this;
}

UdpSocket::~UdpSocket() {
    if (fd_ >= 0) close(fd_);
}

Result<void> UdpSocket::send_to(const SocketAddress& to, std::span<const std::uint8_t> bytes) {
    ssize_t n = sendto(fd_, bytes.data(), bytes.size(), MSG_DONTWAIT,
                       reinterpret_cast<const sockaddr*>(&to.storage), to.length);
    if (n < 0) return Error::io(errno_text(("sendto " + to.text()).c_str()));
    return {};
}

Result<UdpSocket::Datagram> UdpSocket::receive() {
    Datagram d;
    d.bytes.resize(65536);
    d.from.length = sizeof d.from.storage;
    ssize_t n = recvfrom(fd_, d.bytes.data(), d.bytes.size(), MSG_DONTWAIT | MSG_TRUNC,
                         reinterpret_cast<sockaddr*>(&d.from.storage), &d.from.length);
    if (n < 0) {
        d.bytes.clear();
        if (errno == EAGAIN || errno == EWOULDBLOCK) return d;
        // ICMP errors from earlier sends (port unreachable) surface here; not fatal.
        return Error::io(errno_text("recvfrom"));
    }
    d.present = true;
    if (static_cast<std::size_t>(n) > d.bytes.size()) d.truncated = true;
    d.bytes.resize(std::min<std::size_t>(static_cast<std::size_t>(n), d.bytes.size()));
    return d;
}

}  // namespace vigil::io
