// Node: managed resources and checks (docs/resources.md). GroupResources runs each group's
// resource lifecycle; Node decides when the resources are wanted (acting primary, no
// planned move under way), turns a failure into a handover or a FAULT, and makes planned
// moves wait for the resources to stop before the VIPs go.
#include <algorithm>

#include "common/assert.h"
#include "core/node.h"

namespace vigil::core {

std::string Node::fault_reason(std::size_t g) const {
    if (resources_[g].failed()) return "resource failure: " + resources_[g].failure();
    if (!groups_[g].store_failed.empty()) return "store failure: " + groups_[g].store_failed;
    for (std::size_t c : config_.groups[g].checks) {
        const CheckTracker& check = checks_[c];
        if (!check.passing() && check.config().weight == 0)
            return "check " + check.config().name + " failing: " + check.detail();
    }
    return "";
}

bool Node::fault_fallback(std::size_t g) const {
    if (maintenance_ || shutting_down_ || leaving_ || !tiebreaker_reachable_ || !settled_)
        return false;
    if (!config_.groups[g].priority[self_] || fault_reason(g).empty()) return false;
    if (outside_sync_set(g, self_)) return false;  // it may lack acknowledged writes
    for (std::size_t n = 0; n < config_.nodes.size(); ++n) {
        if (n == self_ || !detector_.alive(n) || !config_.groups[g].priority[n]) continue;
        const wire::GroupState* v = view(n, g);
        if (!v || v->role == Role::starting || peers_[n].maintenance) continue;
        if (v->priority > 0) return false;  // somebody can run it
        // Both faulty: the configured order decides, the same on every node.
        const int mine = *config_.groups[g].priority[self_];
        const int theirs = *config_.groups[g].priority[n];
        if (theirs > mine || (theirs == mine && name(n) < name(self_))) return false;
    }
    return true;
}

void Node::on_resource_result(const ResourceResult& e, Actions& out) {
    VIGIL_ASSERT(e.resource < resource_group_.size());
    const std::size_t g = resource_group_[e.resource];
    const bool failed_before = resources_[g].failed();
    resources_[g].on_result(e);
    // A failure changes this node's priority: tell the peers, and hand over at once.
    if (resources_[g].failed() != failed_before) out.send_heartbeat = true;
    evaluate(g, e.now, out);
}

void Node::on_check_result(const CheckResult& e, Actions& out) {
    VIGIL_ASSERT(e.check < checks_.size());
    CheckTracker& check = checks_[e.check];
    if (!check.on_result(e.ok, e.detail)) return;
    log_.event(check.passing() ? Level::info : Level::warn,
               check.passing() ? "check_passing" : "check_failing",
               {{"check", check.config().name},
                {"weight", std::to_string(check.config().weight)},
                {"detail", e.detail}});
    out.send_heartbeat = true;  // the effective priority changed
    for (std::size_t g = 0; g < groups_.size(); ++g) evaluate(g, e.now, out);
}

void Node::on_resource_restart(const AdminResourceRestart& e, Actions& out) {
    auto r = config_.resource_index(e.resource);
    if (!r) {
        std::string known;
        for (const auto& rc : config_.resources) known += (known.empty() ? "" : ", ") + rc.name;
        out.rejected = "unknown resource \"" + e.resource + "\" (resources: " +
                       (known.empty() ? "none" : known) + ")";
        return;
    }
    const std::size_t g = resource_group_[*r];
    const Group& s = groups_[g];
    if (s.role != Role::primary) {
        std::string where = s.primary ? name(*s.primary) : "no node";
        out.rejected = e.resource + " runs with group " + config_.groups[g].name +
                       " on its primary (" + where + "), not here; use --node there";
        return;
    }
    std::string why = resources_[g].restart(*r, e.now);
    if (!why.empty()) {
        out.rejected = "cannot restart " + e.resource + ": " + why;
        return;
    }
    out.accepted = e.resource + " (and the resources after it in " + config_.groups[g].name +
                   ") will be stopped and started again";
}

void Node::on_cleanup(const AdminCleanup& e, Actions& out) {
    auto g = config_.group_index(e.group);
    if (!g) {
        out.rejected = "unknown group \"" + e.group + "\"";
        return;
    }
    resources_[*g].cleanup(e.now);
    out.accepted = e.group + ": failures cleared on " + name(self_) + "; it may run the group again";
    out.send_heartbeat = true;  // eligible again
    evaluate(*g, e.now, out);
}

void Node::reconcile_resources(Actions& out) {
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        const Group& s = groups_[g];
        // Only while it may serve: a node whose lease ran out stops its resources too.
        resources_[g].set_wanted(acting_primary(g, now_) && !s.release);
        const std::uint64_t epoch = s.role == Role::primary ? s.primary_epoch : s.epoch;
        resources_[g].reconcile(now_, s.role, epoch, out.resource_commands);
    }
}

void Node::complete_release(std::size_t g, TimePoint now, Actions& out) {
    Group& s = groups_[g];
    VIGIL_ASSERT(s.release);
    if (!resources_[g].all_stopped()) return;
    Release r = std::move(*s.release);
    s.release.reset();
    // The target may have died or become ineligible while the resources stopped.
    if (r.target && (!live(*r.target) || priority_of(g, *r.target) == 0)) {
        r.target = best_candidate(g, self_, true);
        if (!r.target && !maintenance_ && !shutting_down_ && tiebreaker_reachable_) {
            // Nobody else can take it and this node may still serve it (in FAULT if it
            // cannot run it): keep it rather than leave it without a primary, then a new
            // campaign. The resources start again; evaluate_primary decides anew.
            log_.event(Level::warn, "group_release_abandoned",
                       {{"group", config_.groups[g].name},
                        {"reason", r.reason},
                        {"detail", "the target can no longer take the group; nobody else can"}});
            return;
        }
    }
    hand_off(g, r.target, r.admin, now, std::move(r.reason), out);
}

void Node::finish_shutdown(Actions& out) {
    if (!shutting_down_ || leaving_) return;
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        if (groups_[g].role == Role::primary && groups_[g].release)
            complete_release(g, now_, out);
        if (groups_[g].role == Role::primary || !resources_[g].all_stopped()) return;
    }
    leaving_ = true;
    out.send_heartbeat = true;
}

}  // namespace vigil::core
