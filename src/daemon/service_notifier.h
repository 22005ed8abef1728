// What the agent tells its service manager, and when (docs/systemd.md): READY=1 once the
// node has joined the cluster and every group's role is settled, STATUS= lines saying what
// it waits for and then who holds what, STOPPING=1 when a graceful stop begins, and
// WATCHDOG=1 from the event loop at half the watchdog interval. Pure logic over an
// io::ServiceManager and the core's status: time comes in as arguments, so tests drive it
// with a fake manager and a fake clock.
#pragma once

#include <string>
#include <vector>

#include "common/log.h"
#include "common/time.h"
#include "core/node.h"
#include "io/sd_notify.h"

namespace vigil::daemon {

// Why the node is not ready yet ("" = ready), at `now`. `vips_held[g]`: every VIP of group
// g was added by this agent since it last became primary. `settled_at`: when the agent first
// saw the core settled (never() if not yet). A group is settled when this node is its
// primary holding its VIPs, knows another primary, or is in FAULT; or when nobody serves it
// and this node cannot (not eligible: no quorum, maintenance, ...) and has waited
// `dead_time` since settling for a primary's heartbeat. An eligible node without a primary
// is not settled: an election is due (its own campaign, or a better node's).
std::string readiness_wait(const core::NodeStatus& st, const std::vector<bool>& vips_held,
                           TimePoint now, TimePoint settled_at, Micros dead_time);

// One line: the role of this node in every group, e.g.
// "northbound: primary (epoch 3); southbound: standby, primary n2 (epoch 2)".
std::string role_summary(const core::NodeStatus& st);

class ServiceNotifier {
public:
    // The READY wait is bounded: a node that cannot settle (no quorum reachable, say) is
    // still a running agent, and holding READY back would only make the service manager
    // kill it at TimeoutStartSec= and start it again into the same situation.
    static constexpr int kReadyWaitDeadTimes = 8;

    // REQUIRES: `manager` and `log` outlive this object. The watchdog interval is read once.
    ServiceNotifier(io::ServiceManager& manager, Logger& log, TimePoint start, Micros dead_time);

    // After every step of the core (and on timer wake-ups while not ready): sends READY=1
    // once, and STATUS= whenever its text changes.
    void update(TimePoint now, const core::NodeStatus& st, const std::vector<bool>& vips_held);
    // Sends WATCHDOG=1 if due. Call from the event loop on every wake-up: a loop that stops
    // turning stops the pings, and the service manager kills the agent.
    void on_tick(TimePoint now);
    // A graceful stop begins: STOPPING=1 and a STATUS= saying so. Sent once.
    void stopping(const std::string& why);
    // The next instant on_tick or update has something to do; never() if none.
    TimePoint next_deadline() const;
    bool ready() const { return ready_; }
    Micros watchdog_interval() const { return watchdog_interval_; }

private:
    void send(const std::string& state);

    io::ServiceManager& manager_;
    Logger& log_;
    Micros dead_time_;
    Micros watchdog_interval_;
    TimePoint next_ping_;
    TimePoint settled_at_ = TimePoint::never();
    TimePoint last_update_;  // the `now` of the last update()
    bool ready_ = false;
    bool stopping_ = false;
    bool send_failed_logged_ = false;
    std::string status_;  // the last STATUS= sent
};

}  // namespace vigil::daemon
