#include "daemon/vip_cleanup.h"

#include <string>

namespace vigil::daemon {

std::size_t remove_present_vips(io::Addresses& addresses, const core::GroupConfig& group,
                                Logger& log, std::string_view reason) {
    return remove_present_vips(addresses, group.name, group.vips, log, reason);
}

std::size_t remove_present_vips(io::Addresses& addresses, const core::VrrpConfig& router,
                                Logger& log, std::string_view reason) {
    return remove_present_vips(addresses, router.name, router.vips, log, reason);
}

std::size_t remove_present_vips(io::Addresses& addresses, const std::string& group_name,
                                const std::vector<core::VipConfig>& vips, Logger& log,
                                std::string_view reason) {
    std::size_t removed_count = 0;
    for (const auto& vip : vips) {
        auto present = addresses.present(vip);
        if (!present || !*present) continue;
        auto removed = addresses.remove(vip);
        auto still = addresses.present(vip);
        if (removed && still && *still) {
            // Present under another prefix length (added by hand): removal by our prefix does
            // not match it. Say so, rather than report a removal every second.
            log.event(Level::error, "vip_remove_failed",
                      {{"group", group_name},
                       {"vip", vip.cidr()},
                       {"interface", vip.interface},
                       {"error", "present with another prefix length; remove it by hand"}});
            continue;
        }
        removed_count += removed ? 1 : 0;
        log.event(removed ? Level::warn : Level::error, "vip_removed",
                  {{"group", group_name},
                   {"vip", vip.cidr()},
                   {"interface", vip.interface},
                   {"reason", removed ? std::string(reason) : removed.error().message}});
    }
    return removed_count;
}

}  // namespace vigil::daemon
