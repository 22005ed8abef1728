// Removing VIPs that must not be on this node: left over by an earlier run, held while not
// primary, or left by an agent that died. One place, so every such removal is logged alike.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/log.h"
#include "core/config.h"
#include "io/addresses.h"

namespace vigil::daemon {

// Removes each of the group's VIPs that is present on this host; logs every removal
// (event=vip_removed with `reason`) and every failure. Returns how many it removed.
std::size_t remove_present_vips(io::Addresses& addresses, const core::GroupConfig& group,
                                Logger& log, std::string_view reason);
std::size_t remove_present_vips(io::Addresses& addresses, const core::VrrpConfig& router,
                                Logger& log, std::string_view reason);
std::size_t remove_present_vips(io::Addresses& addresses, const std::string& group_name,
                                const std::vector<core::VipConfig>& vips, Logger& log,
                                std::string_view reason);

}  // namespace vigil::daemon
