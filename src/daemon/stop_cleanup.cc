#include "daemon/stop_cleanup.h"

#include "daemon/vip_cleanup.h"

namespace vigil::daemon {

bool should_stop_resources(ResourceStops mode, const StopContext& context) {
    if (mode != ResourceStops::automatic) return mode == ResourceStops::stop;
    if (context.service_result == "success") return false;
    // Exit codes of an agent that ran nothing (main.cc, daemon/agent.h kExitStartupFailed).
    if (context.exit_code == "exited" &&
        (context.exit_status == "2" || context.exit_status == "75"))
        return false;
    return true;
}

std::size_t remove_configured_vips(const core::Config& config, io::Addresses& addresses,
                                   Logger& log) {
    std::size_t failed = 0;
    auto clean = [&](const std::string& name, const std::vector<core::VipConfig>& vips) {
        remove_present_vips(addresses, name, vips, log, "cleanup-vips: the agent is not running");
        for (const auto& vip : vips) {
            auto present = addresses.present(vip);
            if (present && *present) failed++;
        }
    };
    for (const auto& group : config.groups) clean(group.name, group.vips);
    for (const auto& router : config.vrrp) clean(router.name, router.vips);
    return failed;
}

}  // namespace vigil::daemon
