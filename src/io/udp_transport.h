// UdpTransport: one non-blocking UDP socket per heartbeat link, bound to this node's
// address on that link, so that the receiving socket tells which link a datagram came in
// on and replies leave from the right source address.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"

namespace vigil::io {

struct SocketAddress {
    sockaddr_storage storage{};
    socklen_t length = 0;
    std::string text() const;  // "198.18.0.12" or "fd00:18::12" (no port)
};

Result<SocketAddress> parse_address(const std::string& literal, int port);

class UdpSocket {
public:
    // Binds to literal:port. IP_FREEBIND lets an agent start before its link address is
    // configured (it then simply receives nothing on that link until the address appears).
    static Result<UdpSocket> bind(const std::string& literal, int port);
    UdpSocket(UdpSocket&& other) noexcept;
    UdpSocket& operator=(UdpSocket&& other) noexcept;
    UdpSocket(const UdpSocket&) = delete;
    ~UdpSocket();

    int fd() const { return fd_; }
    // Best effort: a full buffer or an unreachable peer is reported, never blocks.
    Result<void> send_to(const SocketAddress& to, std::span<const std::uint8_t> bytes);
    // Returns the datagram and its sender; `present` is false when nothing is pending (a
    // zero-length datagram is present, and empty).
    struct Datagram {
        bool present = false;
        std::vector<std::uint8_t> bytes;
        SocketAddress from;
        bool truncated = false;
    };
    Result<Datagram> receive();

private:
    explicit UdpSocket(int fd) : fd_(fd) {}
    int fd_ = -1;
};

}  // namespace vigil::io
