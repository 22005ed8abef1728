#include "daemon/vip_cleanup.h"

#include <string>

namespace vigil::daemon {

void remove_present_vips(io::Addresses& addresses, const core::GroupConfig& group, Logger& log,
                         std::string_view reason) {
    for (const auto& vip : group.vips) {
        auto present = addresses.present(vip);
        if (!present || !*present) continue;
        auto removed = addresses.remove(vip);
        auto still = addresses.present(vip);
        if (removed && still && *still) {
            // Present under another prefix length (added by hand): removal by our prefix does
            // not match it. Say so, rather than report a removal every second.
            log.event(Level::error, "vip_remove_failed",
                      {{"group", group.name},
                       {"vip", vip.cidr()},
                       {"interface", vip.interface},
                       {"error", "present with another prefix length; remove it by hand"}});
            continue;
        }
        log.event(removed ? Level::warn : Level::error, "vip_removed",
                  {{"group", group.name},
                   {"vip", vip.cidr()},
                   {"interface", vip.interface},
                   {"reason", removed ? std::string(reason) : removed.error().message}});
    }
}

}  // namespace vigil::daemon
