// Node: the operator's switchover. On the primary it is a handover; on any other node it
// becomes a request carried in this node's heartbeats until the primary acts on it.
#include "core/node.h"

namespace vigil::core {

void Node::on_switchover(const AdminSwitchover& e, Actions& out) {
    auto g = config_.group_index(e.group);
    if (!g) {
        std::string known;
        for (const auto& grp : config_.groups) known += (known.empty() ? "" : ", ") + grp.name;
        out.rejected = "unknown group \"" + e.group + "\" (groups: " + known + ")";
        return;
    }
    std::optional<std::size_t> target;
    if (!e.target.empty()) {
        target = config_.node_index(e.target);
        if (!target) {
            out.rejected = "unknown node \"" + e.target + "\"";
            return;
        }
    }
    if (!settled_) {
        out.rejected = "this agent is still starting; retry in a moment";
        return;
    }
    Group& s = groups_[*g];
    std::optional<std::size_t> primary =
        s.role == Role::primary ? std::optional<std::size_t>(self_) : claimed_primary(*g);
    if (!primary) {
        out.rejected = "group " + e.group + " has no primary to switch over from";
        return;
    }
    if (!target) target = best_candidate(*g, primary, true);
    if (!target) {
        out.rejected = "no other eligible node is alive for group " + e.group;
        return;
    }
    if (*target == *primary) {
        out.rejected = name(*target) + " is already primary of " + e.group;
        return;
    }
    if (!live(*target)) {
        out.rejected = "node " + name(*target) + " is not alive";
        return;
    }
    const wire::GroupState* target_view = *target == self_ ? nullptr : view(*target, *g);
    if (target_view && target_view->role == Role::starting) {
        out.rejected = "node " + name(*target) + " is still starting; retry in a moment";
        return;
    }
    if (priority_of(*g, *target) == 0) {
        // This node knows its own reason; a peer only says "priority 0".
        out.rejected =
            "node " + name(*target) + " may not be primary of " + e.group +
            (*target == self_ ? " (" + not_eligible(*g) + ")"
                              : " (it reports priority 0: in maintenance, the group failed "
                                "there (vigil cleanup " + e.group + " on it), a failing check, "
                                "or no priority for this group)");
        return;
    }
    out.accepted = e.group + ": " + name(*primary) + " -> " + name(*target);
    if (*primary == self_) {
        hand_off(*g, target, true, e.now, "switchover requested by operator", out);
        return;
    }
    s.switchover_to = target;
    s.switchover_from = primary;
    s.switchover_id += 1;
    s.switchover_deadline = e.now + 2 * dead_time_;
    out.send_heartbeat = true;
}

}  // namespace vigil::core
