// `vigil cleanup-vips`: the clean-up after an agent that is gone, for the service
// manager's ExecStopPost= (docs/systemd.md). The supervisor removes the VIPs when the agent
// dies, but a watchdog kill or a SIGKILL at TimeoutStopSec= takes the supervisor down too;
// this command, run after every stop, makes sure no configured VIP stays behind, and stops
// the resources as the supervisor would have (daemon/resource_cleanup.h).
#pragma once

#include <cstddef>
#include <string>

#include "common/log.h"
#include "core/config.h"
#include "io/addresses.h"

namespace vigil::daemon {

// Whether the resources' stops run: `--resources stop|skip`, or `auto`.
enum class ResourceStops { automatic, stop, skip };

// What the service manager says of the stop that ran before (systemd.exec(5): ExecStopPost=
// sees SERVICE_RESULT, EXIT_CODE and EXIT_STATUS); empty strings when not run by it.
struct StopContext {
    std::string service_result;
    std::string exit_code;
    std::string exit_status;
};

// `automatic`: stop the resources unless the agent stopped them itself (a clean stop,
// SERVICE_RESULT=success) or never started (it exited 2, invalid configuration, or 75,
// start-up failed: it ran nothing). Run by hand (no SERVICE_RESULT), stop them.
bool should_stop_resources(ResourceStops mode, const StopContext& context);

// Removes every VIP of every group that is present on this host, and nothing else (an
// address that is not a configured VIP, or one present with another prefix length, stays).
// Logs a vip_removed line per removal and nothing when there is nothing to do. Returns the
// number of VIPs that could not be removed.
std::size_t remove_configured_vips(const core::Config& config, io::Addresses& addresses,
                                   Logger& log);

}  // namespace vigil::daemon
