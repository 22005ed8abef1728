// VrrpDriver: the daemon side of VRRPv3 (docs/vrrp.md). It wires core::VrrpSet, the state
// machine of every virtual router of this agent, to one raw socket per interface and
// family, to the VIPs (netlink), gratuitous ARP / unsolicited NA, and the notify hooks.
// The agent owns it, feeds it check results, the cluster quorum and address changes, and
// includes its deadline in the loop's one timer.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <vector>

#include "common/log.h"
#include "core/config.h"
#include "core/vrrp.h"
#include "daemon/announce_schedule.h"
#include "daemon/notify_queue.h"
#include "io/addresses.h"
#include "io/event_loop.h"
#include "io/vrrp_socket.h"
#include "wire/vrrp.h"

namespace vigil::daemon {

struct VrrpCounters {
    std::uint64_t sent = 0, send_errors = 0, received = 0, accepted = 0;
    std::array<std::uint64_t, static_cast<std::size_t>(wire::VrrpDrop::count_)> dropped{};
    std::uint64_t vip_errors = 0;
};

class VrrpDriver {
public:
    // `config` and everything passed by reference outlive the driver.
    VrrpDriver(const core::Config& config, std::size_t self, io::EventLoop& loop,
               io::Addresses& addresses, io::Announcer& announcer, NotifyQueue& notify,
               Logger& log);
    ~VrrpDriver();

    // True when this node takes part in at least one virtual router.
    static bool wanted(const core::Config& config, std::size_t self);

    // Removes the routers' VIPs that an earlier run left behind (nothing is master yet).
    void remove_leftover_vips();
    // Opens one socket per interface and family, learns the source addresses, and starts
    // every router (RFC 9568 Startup). A missing interface fails the start.
    Result<void> start(TimePoint now);
    void on_timer(TimePoint now);
    TimePoint next_deadline() const;
    void on_check(const core::CheckResult& result);
    void on_quorum(TimePoint now, bool held);  // repeated values are ignored
    // Addresses changed on this host: the sources may have, and a master's VIP may be gone.
    void on_addresses_changed(TimePoint now);
    // Masters send priority 0 and remove their VIPs (RFC 9568 Shutdown).
    void shutdown(TimePoint now);

    nlohmann::json status_json() const;
    const VrrpCounters& counters() const { return counters_; }
    const core::VrrpSet& set() const { return set_; }

private:
    struct Socket {
        io::VrrpSocket socket;
        std::array<std::int32_t, 256> by_vrid;  // router index or -1
    };
    void step(const core::VrrpEvent& event);
    void perform(const core::VrrpActions& actions, TimePoint now);
    void on_readable(std::size_t socket);
    void send(const core::VrrpSend& send);
    void set_vips(std::size_t router, bool add);
    void send_announcements(TimePoint now);
    std::vector<wire::IpAddress> vip_addresses_on(const std::string& interface, bool ipv6) const;

    const core::Config& config_;
    std::size_t self_;
    io::EventLoop& loop_;
    io::Addresses& addresses_;
    io::Announcer& announcer_;
    NotifyQueue& notify_;
    Logger& log_;
    core::VrrpSet set_;
    std::vector<Socket> sockets_;
    std::vector<std::int32_t> socket_of_;                  // by router; -1 = not active here
    std::vector<std::vector<wire::IpAddress>> addresses_of_;  // by router: its VIPs, for adverts
    std::vector<std::vector<wire::IpAddress>> peers_of_;      // by router: unicast peers
    AnnounceSchedule announces_;
    TimePoint next_core_ = TimePoint::never();
    std::optional<bool> quorum_;
    VrrpCounters counters_;
};

}  // namespace vigil::daemon
