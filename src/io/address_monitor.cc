// AddressMonitor over a plain rtnetlink socket: tells the agent that an address went away
// (an operator's `ip addr flush`, a network manager, an interface deleted), so that a node
// holding a VIP re-checks and re-adds it at once instead of at its next periodic check.
// The notification carries no more than "something was deleted": the agent re-checks every
// VIP through Addresses::present(), which keeps this file free of message parsing beyond the
// header and makes a lost notification (socket overflow) harmless.
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "io/addresses.h"

namespace vigil::io {
namespace {

// One drain() reads at most this many datagrams, so that a flood of address changes cannot
// hold the agent's loop; whatever is left keeps the fd readable for the next turn.
constexpr int kDrainReadsMax = 256;
// Big enough for a kernel notification batch (the kernel sizes them to a page or so).
constexpr std::size_t kReceiveBytesMax = 32 * 1024;

class NetlinkAddressMonitor final : public AddressMonitor {
public:
    explicit NetlinkAddressMonitor(int fd) : fd_(fd) {}
    ~NetlinkAddressMonitor() override { ::close(fd_); }
    NetlinkAddressMonitor(const NetlinkAddressMonitor&) = delete;
    NetlinkAddressMonitor& operator=(const NetlinkAddressMonitor&) = delete;

    int fd() const override { return fd_; }

    bool drain() override {
        bool deleted = false;
        for (int reads = 0; reads < kDrainReadsMax; ++reads) {
            sockaddr_nl sender{};
            socklen_t sender_bytes = sizeof(sender);
            const ssize_t got = ::recvfrom(fd_, buffer_.data(), buffer_.size(), MSG_DONTWAIT,
                                           reinterpret_cast<sockaddr*>(&sender), &sender_bytes);
            if (got < 0) {
                if (errno == EINTR) continue;
                // The kernel dropped notifications because we were slow: we cannot know
                // which, so report a deletion and let the caller re-check every VIP.
                if (errno == ENOBUFS) {
                    deleted = true;
                    continue;
                }
                break;  // EAGAIN: drained. Anything else would repeat; the fd stays open.
            }
            // Only the kernel (port 0) speaks for the address table; rtnetlink refuses
            // multicast from user space, but checking costs nothing.
            if (sender.nl_pid != 0) continue;
            if (contains_deletion(static_cast<std::size_t>(got))) deleted = true;
        }
        return deleted;
    }

private:
    bool contains_deletion(std::size_t bytes) const {
        auto* header = reinterpret_cast<const nlmsghdr*>(buffer_.data());
        auto remaining = static_cast<unsigned>(bytes);
        for (; NLMSG_OK(header, remaining); header = NLMSG_NEXT(header, remaining)) {
            if (header->nlmsg_type == RTM_DELADDR) return true;
        }
        return false;
    }

    int fd_;
    alignas(nlmsghdr) std::array<char, kReceiveBytesMax> buffer_{};
};

}  // namespace

Result<std::unique_ptr<AddressMonitor>> make_netlink_address_monitor() {
    const int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) {
        return Error::io(std::string("address monitor: socket(NETLINK_ROUTE): ") +
                         std::strerror(errno));
    }
    auto monitor = std::make_unique<NetlinkAddressMonitor>(fd);  // owns fd from here on
    sockaddr_nl local{};
    local.nl_family = AF_NETLINK;  // nl_pid 0: the kernel assigns our port
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof(local)) != 0) {
        return Error::io(std::string("address monitor: bind: ") + std::strerror(errno));
    }
    for (const int group : {RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR}) {
        if (::setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) != 0) {
            return Error::io("address monitor: joining rtnetlink group " + std::to_string(group) +
                             ": " + std::strerror(errno));
        }
    }
    return std::unique_ptr<AddressMonitor>(std::move(monitor));
}

}  // namespace vigil::io
