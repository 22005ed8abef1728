// Node: the election. Each evaluate() looks at one group and decides whether this node
// promotes, demotes or hands the group over; helpers below compute, the parent decides
// (STYLE.md §11). The rules are summarised in node.h and argued in docs/design.md.
#include <algorithm>

#include "common/assert.h"
#include "core/node.h"

namespace vigil::core {

bool Node::live(std::size_t node) const {
    return node == self_ || detector_.alive(node);
}

const wire::GroupState* Node::view(std::size_t node, std::size_t g) const {
    const auto& v = peers_[node].groups[g];
    return v ? &*v : nullptr;
}

int Node::priority_of(std::size_t g, std::size_t node) const {
    if (node == self_) {
        if (maintenance_ || leaving_ || shutting_down_) return 0;
        // two_node's ipfail: a node that lost its tie-breaker may not be or stay primary.
        if (!tiebreaker_reachable_) return 0;
        if (resources_[g].failed()) return 0;  // until cleanup or failure_timeout_s
        if (!groups_[g].store_failed.empty()) return 0;  // until the agent restarts
        // Outside the stored sync set it may lack an acknowledged write (store_sync.cc).
        if (outside_sync_set(g, self_)) return 0;
        auto base = config_.groups[g].priority[self_];
        if (!base) return 0;
        // Checks move the priority (keepalived's weights): 0 = failing makes it ineligible.
        int p = *base;
        for (std::size_t c : config_.groups[g].checks) {
            const CheckTracker& check = checks_[c];
            const int w = check.config().weight;
            if (!check.passing() && w == 0) return 0;
            if (!check.passing() && w < 0) p += w;
            if (check.passing() && w > 0) p += w;
        }
        return std::clamp(p, kPriorityMin, kPriorityMax);
    }
    // A peer's effective priority is what it says (0 while in maintenance): later checks
    // may lower it below the configured value.
    const wire::GroupState* v = view(node, g);
    return v ? v->priority : 0;
}

bool Node::outranks(std::size_t g, std::size_t a, std::size_t b) const {
    int pa = priority_of(g, a);
    int pb = priority_of(g, b);
    if (pa != pb) return pa > pb;
    return name(a) < name(b);  // the lower name wins a tie, the same on every node
}

std::optional<std::size_t> Node::best_candidate(std::size_t g, std::optional<std::size_t> excluded,
                                                bool settled_only, bool by_log) const {
    std::optional<std::size_t> best;
    for (std::size_t n = 0; n < config_.nodes.size(); ++n) {
        if (n == excluded || !live(n) || priority_of(g, n) == 0) continue;
        // A peer this node knows to be outside the sync set cannot win: do not defer to it.
        if (outside_sync_set(g, n)) continue;
        if (n == self_ && !settled_) continue;
        if (n != self_ && view(n, g)->role == Role::starting &&
            (settled_only || !deferred_to_while_starting(n)))
            continue;
        if (!best || (by_log ? store_outranks(g, n, *best) : outranks(g, n, *best))) best = n;
    }
    return best;
}

std::optional<std::size_t> Node::claimed_primary(std::size_t g) const {
    std::optional<std::size_t> best;
    for (std::size_t n = 0; n < config_.nodes.size(); ++n) {
        if (n == self_ || !detector_.alive(n)) continue;
        const wire::GroupState* v = view(n, g);
        if (!v || v->role != Role::primary) continue;
        if (!best || v->epoch > view(*best, g)->epoch ||
            (v->epoch == view(*best, g)->epoch && outranks(g, n, *best)))
            best = n;
    }
    return best;
}

bool Node::deferred_to_while_starting(std::size_t node) const {
    const TimePoint since = peers_[node].starting_since;
    return !since.is_never() && now_ - since < dead_time_;
}

std::optional<std::size_t> Node::relayed_primary(std::size_t g) const {
    for (std::size_t n = 0; n < config_.nodes.size(); ++n) {
        if (n == self_ || !detector_.alive(n)) continue;
        const wire::GroupState* v = view(n, g);
        if (!v || v->role == Role::primary || v->primary.empty()) continue;
        if (v->epoch < groups_[g].epoch) continue;  // it has not heard of a newer promotion
        auto p = config_.node_index(v->primary);
        // Heartbeats name only primaries their sender sees directly, so relays cannot
        // echo each other. A primary this node sees alive but not claiming is a stale
        // report.
        if (p && *p != self_ && *p != n && !detector_.alive(*p)) return p;
    }
    return std::nullopt;
}

void Node::abandon_handover(std::size_t g, const char* reason, Actions& out) {
    Group& s = groups_[g];
    log_.event(
        Level::warn, "handover_failed",
        {{"group", config_.groups[g].name}, {"target", name(*s.handoff_to)}, {"reason", reason}});
    s.handoff_to.reset();
    s.handoff_deadline = TimePoint::never();
    out.send_heartbeat = true;
}

void Node::evaluate(std::size_t g, TimePoint now, Actions& out) {
    Group& s = groups_[g];
    // Expiries first, whatever the phase: a deadline left in the past would make the daemon
    // spin on an ever-due timer.
    if (s.offer && now >= s.offer->expires) s.offer.reset();
    if (s.handoff_to && now >= s.handoff_deadline) {
        abandon_handover(g, "target did not take over within dead_time", out);
    }
    // A campaign waiting for its fence does not time out: its votes are renewed meanwhile.
    if (s.campaign_epoch != 0 && now >= s.campaign_deadline && fence_allows(g)) {
        log_.event(Level::warn, "campaign_failed",
                   {{"group", config_.groups[g].name},
                    {"epoch", std::to_string(s.campaign_epoch)},
                    {"votes", std::to_string(support_count(g))},
                    {"quorum", std::to_string(config_.quorum_size())}});
        end_campaign(g);
    }
    if (s.fence && s.fence->state == Fence::State::failed && now >= s.fence->retry_at) {
        s.fence->state = Fence::State::running;
        s.fence->attempts += 1;
        s.fence->retry_at = TimePoint::never();
        out.fences.push_back({g, s.fence->node});
    }
    if (s.switchover_to && now >= s.switchover_deadline) {
        log_.event(Level::warn, "switchover_expired",
                   {{"group", config_.groups[g].name}, {"target", name(*s.switchover_to)}});
        s.switchover_to.reset();
        s.switchover_deadline = TimePoint::never();
        out.send_heartbeat = true;
    }
    expire_promise(g);  // before deciding: a handover gives the old primary's promise back
    if (!settled_ || leaving_) return;  // a starting or leaving node takes no part
    if (s.role == Role::primary)
        evaluate_primary(g, now, out);
    else
        evaluate_standby(g, now, out);
}

void Node::evaluate_primary(std::size_t g, TimePoint now, Actions& out) {
    Group& s = groups_[g];
    auto other = claimed_primary(g);
    if (other) {
        const wire::GroupState* v = view(*other, g);
        if (v->epoch > s.primary_epoch ||
            (v->epoch == s.primary_epoch && outranks(g, *other, self_))) {
            demote(g, name(*other) + " is primary at epoch " + std::to_string(v->epoch), out);
            s.primary = other;
            return;
        }
        // We outrank it, yet it goes on claiming the group: it does not hear us. Two
        // primaries that can only be resolved by one of them: the one that hears yields.
        if (s.lower_claim_since.is_never()) s.lower_claim_since = now;
        if (now - s.lower_claim_since > 3 * interval_) {
            log_.event(Level::warn, "one_way_link",
                       {{"group", config_.groups[g].name},
                        {"peer", name(*other)},
                        {"detail", "peer keeps claiming primary: it does not hear this node"}});
            demote(g,
                   name(*other) +
                       " keeps claiming primary and does not hear this node; "
                       "yielding",
                   out);
            s.primary = other;
            return;
        }
    } else {
        s.lower_claim_since = TimePoint::never();
    }
    // A live standby reports another primary at a newer epoch: somebody promoted after us
    // (a pause, a healed partition, a node we cannot hear). Yield at once.
    for (std::size_t n = 0; n < config_.nodes.size(); ++n) {
        if (n == self_ || !detector_.alive(n)) continue;
        const wire::GroupState* v = view(n, g);
        if (!v || v->role == Role::primary || v->primary.empty()) continue;
        if (v->primary == name(self_) || v->epoch <= s.primary_epoch) continue;
        demote(g,
               name(n) + " reports primary " + v->primary + " at newer epoch " +
                   std::to_string(v->epoch),
               out);
        return;
    }
    if (s.release) {  // a planned move waiting for the resources to stop
        complete_release(g, now, out);
        return;
    }
    if (!maintenance_ && !shutting_down_ && tiebreaker_reachable_) {
        // This node cannot run the group: hand it to a node that can, at once (no dead
        // time). With nobody to take it, keep it: a FAULT primary rather than a group that
        // bounces or is served by nobody.
        std::string fault = fault_reason(g);
        if (!fault.empty()) {
            auto best = best_candidate(g, self_, true);
            if (best) {
                hand_off(g, best, false, now, fault, out);
                return;
            }
            if (!s.fault_logged)
                log_.event(Level::error, "group_fault",
                           {{"group", config_.groups[g].name},
                            {"reason", fault},
                            {"detail", "no other node can run the group; it stays here"}});
            s.fault_logged = true;
            return;
        }
        s.fault_logged = false;
    }
    if (priority_of(g, self_) == 0) {
        hand_off(g, best_candidate(g, self_, true), false, now,
                 shutting_down_ ? "agent shutting down" : "maintenance (standby on)", out);
        return;
    }
    for (std::size_t n = 0; n < config_.nodes.size(); ++n) {
        if (n == self_ || !detector_.alive(n)) continue;
        const wire::GroupState* v = view(n, g);
        // Only requests addressed to this primary: a request its sender made of an earlier
        // primary is stale (the group has moved since) and its sender will drop it.
        if (!v || v->switchover_to.empty() || v->primary != name(self_)) continue;
        if (v->switchover_id == peers_[n].switchover_id_done[g]) continue;
        peers_[n].switchover_id_done[g] = v->switchover_id;
        auto target = config_.node_index(v->switchover_to);
        if (!target || *target == self_ || !live(*target) || priority_of(g, *target) == 0) {
            log_.event(Level::warn, "switchover_refused",
                       {{"group", config_.groups[g].name},
                        {"requested_by", name(n)},
                        {"target", v->switchover_to},
                        {"reason", "target is this node, unknown, dead or not eligible"}});
            continue;
        }
        hand_off(g, target, true, now, "switchover requested via " + name(n), out);
        return;
    }
    if (config_.groups[g].preempt && !s.admin) {
        auto best = best_candidate(g, std::nullopt, true);
        if (best && *best != self_)
            hand_off(g, best, false, now, "preempted by higher-priority " + name(*best), out);
    }
}

void Node::evaluate_standby(std::size_t g, TimePoint now, Actions& out) {
    Group& s = groups_[g];
    s.primary = claimed_primary(g);
    s.relayed_primary.reset();
    if (s.switchover_to && s.primary && s.primary != s.switchover_from &&
        s.primary != s.switchover_to) {
        log_.event(Level::warn, "switchover_superseded",
                   {{"group", config_.groups[g].name},
                    {"target", name(*s.switchover_to)},
                    {"primary", name(*s.primary)}});
        s.switchover_to.reset();
        s.switchover_deadline = TimePoint::never();
    }
    if (s.primary) {
        // Somebody serves the group: whatever handover or campaign this node had under way
        // is over.
        end_campaign(g);
        s.offer.reset();
        s.handoff_to.reset();
        s.handoff_deadline = TimePoint::never();
        if (s.switchover_to && s.switchover_to == s.primary) {
            s.switchover_to.reset();
            s.switchover_deadline = TimePoint::never();
        }
        return;
    }
    if (s.campaign_epoch != 0) {
        // Asking for votes already: promote once a quorum backs this node. It may have lost
        // its eligibility meanwhile (maintenance, tie-breaker): then give the votes back.
        if (priority_of(g, self_) == 0 && !fault_fallback(g)) {
            end_campaign(g);
            return;
        }
        take_over(g, s.campaign_admin, s.campaign_reason, now, out);
        return;
    }
    if (s.offer) {
        Offer offer = *s.offer;
        if (priority_of(g, self_) > 0) {
            // Kept until a campaign starts (or it expires): the campaign may have to wait
            // for this node's own promise to the old primary to be given back.
            take_over(g, offer.admin, "handover from " + name(offer.from), now, out);
            if (s.campaign_epoch != 0 || s.role == Role::primary) s.offer.reset();
            return;
        }
        s.offer.reset();
    }
    if (s.handoff_to) {
        if (live(*s.handoff_to)) return;  // until it takes over or the deadline passes
        abandon_handover(g, "target died before taking over", out);
    }
    // Another node is handing the group over: let the target take it.
    for (std::size_t n = 0; n < config_.nodes.size(); ++n) {
        if (n == self_ || !detector_.alive(n)) continue;
        const wire::GroupState* v = view(n, g);
        if (!v || v->handoff_to.empty()) continue;
        auto target = config_.node_index(v->handoff_to);
        if (target && *target != self_ && live(*target)) return;
    }
    // Some live peer sees a primary that this node cannot see: the group is served.
    s.relayed_primary = relayed_primary(g);
    if (s.relayed_primary) return;
    auto best = best_candidate(g, std::nullopt, false, /*by_log=*/true);
    if (!best && fault_fallback(g)) {
        take_over(g, false, "FAULT: no node can run the group; serving its addresses", now, out);
        return;
    }
    if (best != self_) return;
    std::string reason = "no live primary; highest eligible priority";
    if (s.lost_primary) reason = "primary " + name(*s.lost_primary) + " is dead";
    take_over(g, false, std::move(reason), now, out);
}

void Node::promote(std::size_t g, bool admin, std::string reason, Actions& out) {
    Group& s = groups_[g];
    VIGIL_ASSERT(s.role != Role::primary);
    VIGIL_ASSERT(priority_of(g, self_) > 0 || fault_fallback(g));
    VIGIL_ASSERT(s.campaign_epoch > s.primary_epoch);
    VIGIL_ASSERT(s.promise_to == self_);
    RoleChange change{g, s.role, Role::primary, 0, std::move(reason), {}, {}, {}};
    s.role = Role::primary;
    s.epoch = std::max(s.epoch, s.campaign_epoch);
    s.primary_epoch = s.campaign_epoch;
    s.campaign_epoch = 0;  // the votes now back the lease (s.support stays)
    s.offer.reset();  // one that arrived during the campaign is spent too
    s.campaign_deadline = TimePoint::never();
    s.fence.reset();
    s.admin = admin;
    if (s.lost_primary) change.replaced_primary = name(*s.lost_primary);
    else if (s.last_other_primary) change.replaced_primary = name(*s.last_other_primary);
    s.last_other_primary.reset();
    s.primary = self_;
    s.handoff_to.reset();
    s.handoff_deadline = TimePoint::never();
    s.switchover_to.reset();
    s.switchover_deadline = TimePoint::never();
    s.lower_claim_since = TimePoint::never();
    s.elections += 1;
    change.epoch = s.epoch;
    if (s.lost_primary) {
        change.previous_primary = name(*s.lost_primary);
        change.previous_last_heard = detector_.last_heard(*s.lost_primary);
        change.previous_declared_dead = detector_.died_at(*s.lost_primary);
        s.lost_primary.reset();
    }
    for (std::size_t v = 0; v < config_.groups[g].vips.size(); ++v) {
        out.vip_changes.push_back({VipChange::Kind::add, g, v});
        out.announcements.push_back({VipChange::Kind::add, g, v});
    }
    store_on_promote(g, out);  // the new epoch's first sync set
    out.send_heartbeat = true;
    out.role_changes.push_back(std::move(change));
}

void Node::demote(std::size_t g, std::string reason, Actions& out) {
    Group& s = groups_[g];
    VIGIL_ASSERT(s.role == Role::primary);
    s.role = Role::standby;
    s.primary.reset();
    s.lost_primary.reset();
    s.support.clear();
    release_self_promise(g);  // voters may back another node now
    s.lower_claim_since = TimePoint::never();
    s.release.reset();
    s.fault_logged = false;
    for (std::size_t v = 0; v < config_.groups[g].vips.size(); ++v)
        out.vip_changes.push_back({VipChange::Kind::remove, g, v});
    out.send_heartbeat = true;
    out.role_changes.push_back(
        {g, Role::primary, Role::standby, s.epoch, std::move(reason), {}, {}, {}});
}

void Node::hand_off(std::size_t g, std::optional<std::size_t> target, bool admin, TimePoint now,
                    std::string reason, Actions& out) {
    Group& s = groups_[g];
    if (!resources_[g].all_stopped()) {
        // Resources first, in reverse order; the VIPs go and the target is named once they
        // have stopped (complete_release).
        if (!s.release) {
            s.release = Release{target, admin, reason};
            log_.event(Level::info, "group_release",
                       {{"group", config_.groups[g].name},
                        {"target", target ? name(*target) : "-"},
                        {"reason", reason}});
        }
        return;
    }
    if (!target) {
        demote(g, reason + "; no eligible standby is alive", out);
        return;
    }
    VIGIL_ASSERT(*target != self_);
    demote(g, reason + "; handing over to " + name(*target), out);
    s.handoff_to = target;
    s.handoff_admin = admin;
    s.handoff_deadline = now + dead_time_;
}

}  // namespace vigil::core
