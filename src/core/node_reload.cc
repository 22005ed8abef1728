// Node: applying a reloaded configuration (docs/config.md "Reload"). Only what can change
// without touching roles, epochs, VIPs or heartbeats reaches the core this way: the daemon
// refuses everything else. Resources change through GroupResources::reload (the unchanged
// head of each group's list keeps running); checks keep their fall/rise state when their
// definition is unchanged, so a reload causes no spurious fault.
#include <algorithm>

#include "common/assert.h"
#include "core/node.h"

namespace vigil::core {

std::string Node::reload_blocker() const {
    if (shutting_down_ || leaving_) return "shutting down";
    for (std::size_t g = 0; g < groups_.size(); ++g)
        if (resources_[g].reloading())
            return "busy: the previous reload is still stopping resources of group " +
                   config_.groups[g].name + "; try again";
    return "";
}

void Node::on_config_changed(const ConfigChanged& e, Actions& out) {
    VIGIL_ASSERT(reload_blocker().empty());
    VIGIL_ASSERT(config_.groups.size() == groups_.size());
    VIGIL_ASSERT(config_.nodes.size() == peers_.size());
    // Checks: an unchanged one keeps its verdict and its streak; a new or changed one
    // starts as passing, like at start-up, until its first result.
    std::vector<CheckTracker> checks;
    checks.reserve(config_.checks.size());
    for (const CheckConfig& c : config_.checks) {
        auto same = std::find_if(checks_.begin(), checks_.end(),
                                 [&](const CheckTracker& t) { return t.config() == c; });
        checks.push_back(same != checks_.end() ? *same : CheckTracker(c));
    }
    checks_ = std::move(checks);
    // Retired resources keep the group they had until they are dropped.
    resource_group_.resize(config_.resources.size(), 0);
    for (std::size_t g = 0; g < config_.groups.size(); ++g)
        for (std::size_t r : config_.groups[g].resources) resource_group_[r] = g;
    for (std::size_t g = 0; g < groups_.size(); ++g) (void)resources_[g].reload(e.now);
    // A removed or changed check may have changed this node's effective priority.
    out.send_heartbeat = true;
    for (std::size_t g = 0; g < groups_.size(); ++g) evaluate(g, e.now, out);
}

}  // namespace vigil::core
