#include "daemon/quorum_status.h"

#include <string>

namespace vigil::daemon {

void add_quorum_status(const core::Config& config, const core::NodeStatus& st, nlohmann::json& out,
                       nlohmann::json& problems) {
    out["two_node"] = config.cluster.two_node;
    out["voters"] = config.voter_count();
    out["voters_alive"] = st.voters_alive;
    out["quorum"] = st.quorum;
    if (!config.cluster.two_node && st.voters_alive < st.quorum)
        problems.push_back("no quorum: " + std::to_string(st.voters_alive) + "/" +
                           std::to_string(st.quorum) + " voters (this node hears " +
                           std::to_string(st.voters_alive) + " of " +
                           std::to_string(config.voter_count()) + " voters; " +
                           std::to_string(st.quorum) + " needed)");
    if (!config.cluster.two_node || config.cluster.tiebreaker.empty()) return;
    out["tiebreaker"] = {{"address", config.cluster.tiebreaker},
                         {"reachable", st.tiebreaker_reachable}};
    if (!st.tiebreaker_reachable)
        problems.push_back("tiebreaker " + config.cluster.tiebreaker +
                           " unreachable: this node may not be primary");
}

}  // namespace vigil::daemon
