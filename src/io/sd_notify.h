// The service manager's notification channel (sd_notify(3)): readiness, status text,
// stopping and watchdog pings. A thin seam over libsystemd, so that the agent's logic of
// what to say and when (daemon/service_notifier.h) is tested with a fake.
//
// Outside systemd (no NOTIFY_SOCKET) every message is dropped and the watchdog is off; the
// agent behaves the same either way.
#pragma once

#include <memory>
#include <string_view>

#include "common/result.h"
#include "common/time.h"

namespace vigil::io {

class ServiceManager {
public:
    virtual ~ServiceManager() = default;
    // Sends one notification, e.g. "READY=1" or "STATUS=...". Newline-separated
    // assignments are one message. An error is worth a log line, never a stop.
    virtual Result<void> notify(std::string_view state) = 0;
    // The watchdog interval the service manager expects pings within (WatchdogSec=);
    // 0 when there is no watchdog for this process (WATCHDOG_USEC unset, or WATCHDOG_PID
    // naming another process).
    virtual Micros watchdog_interval() const = 0;
};

// The production notifier, over sd_notify(3) and sd_watchdog_enabled(3). It reads the
// environment once, when made: make it in the process that will send (the agent, after
// the supervisor's fork).
std::unique_ptr<ServiceManager> make_systemd_manager();

// Makes WATCHDOG_PID name this process if the service manager set it for another one (the
// supervising parent, which is the service's main process): the agent's loop is what must
// ping. Call in the child right after fork. Does nothing without WATCHDOG_PID.
void claim_watchdog_for_this_process();

}  // namespace vigil::io
