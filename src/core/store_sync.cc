// Node: who may be promoted in a group with a replicated store (docs/design.md "Who may be
// promoted (replicated store)"). In short:
//  - The primary proposes sync sets (epoch, seq, mask): itself and the standbys that
//    replication reports caught up. Every other node stores the newest set it hears from
//    the current primary, durably, and echoes it in its heartbeats.
//  - A set is confirmed once a quorum of voters stored it. The store commits a write only
//    on every node of the newest confirmed set and of every newer proposal (required_mask),
//    and only after some set of the primary's own epoch is confirmed.
//  - A voter backs no candidate outside its stored set; a node outside its own stored set
//    does not campaign. Any quorum that could elect a node shares a voter with the quorum
//    that confirmed the newest set, and that voter refuses whoever may lack a write.
#include <algorithm>

#include "common/assert.h"
#include "core/node.h"

namespace vigil::core {

namespace {
// Proposals not yet confirmed, at most: enough for a standby to drop and return while the
// voters answer, and bounded (STYLE.md §9). At the limit the primary waits to propose.
constexpr std::size_t kSyncPendingMax = 4;
static_assert(kNodesMax <= 32, "a sync set is a 32-bit mask of node indexes");

std::uint32_t bit(std::size_t node) {
    return std::uint32_t{1} << node;
}

bool newer(std::uint64_t epoch_a, std::uint64_t seq_a, std::uint64_t epoch_b, std::uint64_t seq_b) {
    return epoch_a != epoch_b ? epoch_a > epoch_b : seq_a > seq_b;
}

std::string mask_names(const Config& config, std::uint32_t mask) {
    std::string out;
    for (std::size_t n = 0; n < config.nodes.size(); ++n) {
        if (!(mask & bit(n))) continue;
        if (!out.empty()) out += ",";
        out += config.nodes[n].name;
    }
    return "{" + out + "}";
}
}  // namespace

bool Node::outside_sync_set(std::size_t g, std::size_t node) const {
    const Group& s = groups_[g];
    return has_store(g) && s.sync_epoch != 0 && (s.sync_mask & bit(node)) == 0;
}

bool Node::log_ahead(std::size_t g, std::size_t a, std::size_t b) const {
    auto position = [&](std::size_t n) -> std::pair<std::uint64_t, std::uint64_t> {
        if (n == self_) return {groups_[g].store_last_epoch, groups_[g].store_last_index};
        const wire::GroupState* v = view(n, g);
        if (!v || !v->store) return {0, 0};
        return {v->store_last_epoch, v->store_last_index};
    };
    return position(a) > position(b);
}

// Unplanned takeovers: the most up-to-date eligible node first, so that the new primary
// needs the fewest entries from anybody; equal logs fall back to priority and name, the
// same on every node.
bool Node::store_outranks(std::size_t g, std::size_t a, std::size_t b) const {
    if (has_store(g) && log_ahead(g, a, b)) return true;
    if (has_store(g) && log_ahead(g, b, a)) return false;
    return outranks(g, a, b);
}

void Node::on_store_progress(const StoreProgress& e, Actions& out) {
    VIGIL_ASSERT(e.group < groups_.size());
    const std::size_t g = e.group;
    if (!has_store(g)) return;
    Group& s = groups_[g];
    if (!e.failed.empty() && s.store_failed.empty()) {
        s.store_failed = e.failed;
        log_.event(Level::error, "store_failed_here",
                   {{"group", config_.groups[g].name}, {"reason", e.failed}});
        out.send_heartbeat = true;  // priority 0 now: peers take over
        evaluate(g, e.now, out);
    }
    s.store_last_epoch = e.last_epoch;
    s.store_last_index = e.last_index;
    // Only full nodes hold a store: a witness or an unknown bit is never a member.
    std::uint32_t members = 0;
    for (std::size_t n = 0; n < config_.nodes.size(); ++n)
        if (!config_.nodes[n].witness && n != self_) members |= bit(n);
    s.caught_up_mask = e.caught_up_mask & members;
    if (s.role == Role::primary) propose_sync_set(g, out);
}

// The primary: propose {self} ∪ caught_up_mask when it differs from the newest proposal.
void Node::propose_sync_set(std::size_t g, Actions& out) {
    Group& s = groups_[g];
    VIGIL_ASSERT(has_store(g));
    VIGIL_ASSERT(s.role == Role::primary);
    const std::uint32_t desired = bit(self_) | s.caught_up_mask;
    if (!s.proposals.empty() && s.proposals.back().mask == desired) return;
    const std::size_t pending = s.proposals.size() - (s.confirmed_seq != 0 ? 1 : 0);
    if (pending >= kSyncPendingMax) return;  // retried once the voters catch up
    const std::uint64_t seq = s.proposals.empty() ? 1 : s.proposals.back().seq + 1;
    s.proposals.push_back({seq, desired});
    // The primary stores its own proposal: it is one of the voters that must hold it, and
    // persist-before-send puts it on disk before the heartbeat that carries it.
    s.sync_epoch = s.primary_epoch;
    s.sync_seq = seq;
    s.sync_mask = desired;
    log_.event(Level::info, "sync_set_proposed",
               {{"group", config_.groups[g].name},
                {"epoch", std::to_string(s.sync_epoch)},
                {"seq", std::to_string(seq)},
                {"set", mask_names(config_, desired)}});
    out.send_heartbeat = true;
    update_sync_confirmed(g);  // a quorum of one (two_node) confirms at once
}

// The primary: the newest proposal that a quorum of voters echo becomes the confirmed one;
// older proposals are then history.
void Node::update_sync_confirmed(std::size_t g) {
    Group& s = groups_[g];
    VIGIL_ASSERT(s.role == Role::primary);
    for (std::size_t i = s.proposals.size(); i-- > 0;) {
        const std::uint64_t seq = s.proposals[i].seq;
        if (seq <= s.confirmed_seq) return;
        std::size_t stored = 1;  // this node stored its own proposal
        for (std::size_t n = 0; n < config_.nodes.size(); ++n) {
            const wire::GroupState* v = n == self_ ? nullptr : view(n, g);
            // Only this epoch's sets: a newer epoch's set is another primary's, not an echo.
            if (v && v->store && v->sync_epoch == s.primary_epoch && v->sync_seq >= seq)
                stored += 1;
        }
        if (stored < config_.quorum_size()) continue;
        s.confirmed_seq = seq;
        s.proposals.erase(s.proposals.begin(),
                          s.proposals.begin() + static_cast<std::ptrdiff_t>(i));
        log_.event(Level::info, "sync_set_confirmed",
                   {{"group", config_.groups[g].name},
                    {"epoch", std::to_string(s.primary_epoch)},
                    {"seq", std::to_string(seq)},
                    {"set", mask_names(config_, s.proposals.front().mask)}});
        return;
    }
}

// A new epoch starts a new series of proposals; what replication reported before this node
// was primary says nothing about its own standbys.
void Node::store_on_promote(std::size_t g, Actions& out) {
    Group& s = groups_[g];
    s.proposals.clear();
    s.confirmed_seq = 0;
    s.caught_up_mask = 0;
    if (has_store(g)) propose_sync_set(g, out);
}

// A non-primary stores the newest set a primary announces. Returns whether it did: the
// caller then echoes it at once (after the persist), since the primary's store may be
// waiting for exactly this confirmation. Sets only move forward in (epoch, seq), and any set
// of epoch E comes from the primary that won E, so no epoch check is needed against this
// node's own (which may be higher: restored from a campaign that failed).
//
// A set echoed by a peer that is not primary is stored too: that peer stored it from the
// primary (or from another echo), so storing it is the same as hearing the primary late.
// Without this a node that missed the newest set keeps campaigning on an older one that
// includes it while the voters holding the newer one refuse it, and by voting for itself it
// withholds the vote another candidate needs: vigil-sim --store --seed 36 had every node of
// two groups campaign for good, each voting for itself (no primary ever again).
bool Node::store_set_heard(std::size_t g, std::size_t sender, const wire::GroupState& gs) {
    Group& s = groups_[g];
    if (!has_store(g) || !gs.store || s.role == Role::primary) return false;
    if (gs.sync_epoch == 0) return false;  // holds none
    if (gs.role == Role::primary) {
        if (gs.sync_epoch != gs.epoch) return false;
        if ((gs.sync_mask & bit(sender)) == 0) return false;  // malformed: a primary is in its set
    }
    if (!newer(gs.sync_epoch, gs.sync_seq, s.sync_epoch, s.sync_seq)) return false;
    std::uint32_t nodes = 0;
    for (std::size_t n = 0; n < config_.nodes.size(); ++n) nodes |= bit(n);
    s.sync_epoch = gs.sync_epoch;
    s.sync_seq = gs.sync_seq;
    s.sync_mask = gs.sync_mask & nodes;
    s.refused_logged.reset();
    return true;
}

void Node::fill_store_state(std::size_t g, wire::GroupState& gs) const {
    const Group& s = groups_[g];
    VIGIL_ASSERT(has_store(g));
    gs.store = true;
    gs.store_last_epoch = s.store_last_epoch;
    gs.store_last_index = s.store_last_index;
    gs.sync_epoch = s.sync_epoch;
    gs.sync_seq = s.sync_seq;
    gs.sync_mask = s.sync_mask;
}

StoreSync Node::store_sync(std::size_t group) const {
    VIGIL_ASSERT(group < groups_.size());
    const Group& s = groups_[group];
    if (!has_store(group) || s.role != Role::primary) return {};
    StoreSync out;
    out.confirmed_any = s.confirmed_seq != 0;
    // proposals[0] is the confirmed set (when there is one); the rest are pending.
    for (const SyncProposal& p : s.proposals) out.required_mask |= p.mask;
    VIGIL_ASSERT((out.required_mask & bit(self_)) != 0);
    return out;
}

}  // namespace vigil::core
