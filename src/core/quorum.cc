// Node: quorum, votes and leases -- what makes two primaries impossible rather than unlikely.
// The argument is in docs/design.md "Quorum and leases"; in short:
//  - Every node is a voter (witnesses too). A voter backs one node at a time with a promise
//    that lasts promise_span_ of its own clock from the arrival of the heartbeat it answers,
//    renewed by each newer heartbeat of that node. While the promise holds it votes for no
//    one else. The holder gives it back by saying it no longer campaigns or serves.
//  - A candidate promotes only when a quorum of voters back it at an epoch none of them has
//    voted in before (voted_epoch is durable), so promotions are totally ordered by epoch.
//  - A primary acts only while a quorum's promises back it. It counts each promise as
//    lease_span_ of its own clock from the instant it sent the heartbeat the promise
//    answers; lease_span_ is short enough that drift in both clocks cannot make it outlast
//    the promise. Any two quorums share a voter, and that voter backs a new primary only
//    after its promise to the old one ended: the old lease has then run out.
#include <algorithm>
#include <array>
#include <functional>
#include <limits>

#include "common/assert.h"
#include "core/node.h"

namespace vigil::core {

namespace {
// Before a campaign's deadline passes, a candidate keeps asking at the same epoch.
constexpr TimePoint kNoSupport{std::numeric_limits<std::int64_t>::min()};
}  // namespace

TimePoint Node::lease_expiry(std::size_t g) const {
    const Group& s = groups_[g];
    if (s.role != Role::primary) return kNoSupport;
    std::size_t quorum = config_.quorum_size();
    VIGIL_ASSERT(quorum >= 1);
    VIGIL_ASSERT(s.support.size() == config_.nodes.size());
    // The quorum-th latest promise: until then at least a quorum of voters back this node.
    std::array<TimePoint, kNodesMax> sorted{};
    std::copy(s.support.begin(), s.support.end(), sorted.begin());
    auto end = sorted.begin() + static_cast<std::ptrdiff_t>(s.support.size());
    std::sort(sorted.begin(), end, std::greater<>());
    return sorted[quorum - 1];
}

std::size_t Node::support_count(std::size_t g) const {
    const Group& s = groups_[g];
    std::size_t n = 0;
    for (TimePoint until : s.support) n += until > now_;
    return n;
}

std::size_t Node::voters_alive() const {
    std::size_t n = 0;
    for (std::size_t v = 0; v < config_.nodes.size(); ++v) n += live(v);
    return n;
}

bool Node::promise_held_by_other(std::size_t g) const {
    const Group& s = groups_[g];
    return s.promise_to && *s.promise_to != self_;
}

void Node::release_self_promise(std::size_t g) {
    Group& s = groups_[g];
    if (s.promise_to == self_) s.promise_to.reset();
}

void Node::end_campaign(std::size_t g) {
    Group& s = groups_[g];
    if (s.campaign_epoch == 0) return;
    s.campaign_epoch = 0;
    s.campaign_deadline = TimePoint::never();
    s.campaign_started = TimePoint::never();
    s.support.clear();
    s.fence.reset();
    release_self_promise(g);
}

// Demotes every primary whose lease ran out. Runs first in every step, so that nothing a
// step does (re-adding a lost VIP, announcing) happens on an expired lease -- in particular
// the first step after a pause (SIGSTOP, a frozen VM) demotes before anything else.
void Node::check_leases(Actions& out) {
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        if (groups_[g].role != Role::primary) continue;
        TimePoint expiry = lease_expiry(g);
        if (now_ < expiry) continue;
        std::size_t held = support_count(g);
        log_.event(Level::warn, "lease_expired",
                   {{"group", config_.groups[g].name},
                    {"epoch", std::to_string(groups_[g].primary_epoch)},
                    {"late_ms", std::to_string((now_ - expiry) / 1000)},
                    {"votes", std::to_string(held)},
                    {"quorum", std::to_string(config_.quorum_size())}});
        demote(g,
               "lease expired: " + std::to_string(held) + "/" +
                   std::to_string(config_.quorum_size()) + " voters renewed it (quorum lost)",
               out);
        // What this node believes about its peers is as old as its last renewal (after a
        // pause, older): let a dead time of fresh heartbeats correct it before it asks for
        // votes again, rather than campaign at once on a stale view.
        groups_[g].campaign_not_before = now_ + dead_time_;
    }
}

// The standby side of the election decided this node should serve the group: campaign for
// it, and promote once a quorum backs it (and fencing, if configured, allows).
void Node::take_over(std::size_t g, bool admin, std::string reason, TimePoint now, Actions& out) {
    Group& s = groups_[g];
    VIGIL_ASSERT(s.role != Role::primary);
    if (s.campaign_epoch == 0) {
        if (now < votes_allowed_at_) return;      // promises made before a restart may hold
        if (now < s.campaign_not_before) return;  // just lost its lease: view is stale
        if (promise_held_by_other(g)) return;     // this node still backs another one
        if (voters_alive() < config_.quorum_size()) return;  // cannot win; do not burn epochs
        std::uint64_t epoch = std::max(s.epoch, s.voted_epoch) + 1;
        s.campaign_epoch = epoch;
        s.campaign_admin = admin;
        s.campaign_reason = std::move(reason);
        s.campaign_started = now;
        s.campaign_deadline = now + dead_time_;
        s.voted_epoch = epoch;
        s.voted_for = self_;
        s.promise_to = self_;
        s.promise_epoch = epoch;
        s.promise_expiry = TimePoint::never();
        s.support.assign(config_.nodes.size(), kNoSupport);
        s.support[self_] = TimePoint::never();  // its own vote holds while it campaigns
        const std::string& fence = config_.groups[g].fence;
        if (!fence.empty() && s.lost_primary && !admin) {
            s.fence = Fence{*s.lost_primary, Fence::State::running, 1, TimePoint::never(), ""};
            out.fences.push_back({g, *s.lost_primary});
        }
        if (config_.quorum_size() > 1)
            log_.event(Level::info, "campaign",
                       {{"group", config_.groups[g].name},
                        {"epoch", std::to_string(epoch)},
                        {"reason", s.campaign_reason}});
        out.send_heartbeat = true;
    }
    if (support_count(g) < config_.quorum_size() || !fence_allows(g)) return;
    promote(g, s.campaign_admin, s.campaign_reason, out);
}

bool Node::fence_allows(std::size_t g) const {
    const Group& s = groups_[g];
    if (!s.fence) return true;
    switch (s.fence->state) {
        case Fence::State::succeeded: return true;
        case Fence::State::running: return false;
        // A failed fence does not block a takeover the quorum proves safe: the old primary's
        // lease has run out. Without a quorum (two_node) only a successful fence proves it.
        case Fence::State::failed: return !config_.cluster.two_node;
    }
    return false;
}

// A voter's heartbeat names the node it backs: count it for this candidate or primary.
void Node::count_vote(std::size_t g, std::size_t voter, const wire::GroupState& gs) {
    Group& s = groups_[g];
    std::uint64_t mine = s.role == Role::primary ? s.primary_epoch : s.campaign_epoch;
    if (mine == 0 || s.support.empty()) return;
    if (s.campaign_epoch != 0 && gs.epoch >= s.campaign_epoch) {
        // The voter knows a promotion at or past the epoch asked for: ask again, higher.
        end_campaign(g);
        return;
    }
    if (gs.vote_for != name(self_) || gs.vote_epoch != mine) return;
    // The echo is this node's own clock. One from the future or from before this run (a
    // forged or confused peer) must not stretch the lease.
    TimePoint echo{static_cast<Micros>(gs.vote_echo_us)};
    if (gs.vote_echo_us > static_cast<std::uint64_t>(std::numeric_limits<Micros>::max())) return;
    if (echo > now_ || echo < s.campaign_started) return;
    s.support[voter] = std::max(s.support[voter], echo + lease_span_);
}

// A promise ends when it expires or when its holder says it neither serves nor asks any more.
// The holder's newest heartbeat decides: an older one arriving late never reaches here.

// The voter's side, after every event: let an ended promise go, renew the promise to the
// primary it backs, or vote for the best candidate.
void Node::expire_promise(std::size_t g) {
    Group& s = groups_[g];
    if (!promise_held_by_other(g)) return;
    const wire::GroupState* v = view(*s.promise_to, g);
    bool still_asks = v && (v->role == Role::primary || v->campaign_epoch == s.promise_epoch);
    if (now_ >= s.promise_expiry || !still_asks) s.promise_to.reset();
}

void Node::vote(std::size_t g, Actions& out) {
    Group& s = groups_[g];
    expire_promise(g);
    // A starting node votes too: what keeps it safe is its promises, not its view.
    if (s.promise_to == self_ || leaving_) return;

    // Renew (or give) the promise to the primary at the newest epoch. A primary won its
    // epoch with a quorum, so backing it never makes a second winner, even at an epoch in
    // which this voter voted for somebody else (who then lost).
    std::optional<std::size_t> primary;
    for (std::size_t p = 0; p < config_.nodes.size(); ++p) {
        if (p == self_) continue;
        const wire::GroupState* v = view(p, g);
        if (!v || v->role != Role::primary) continue;
        const PeerView& pv = peers_[p];
        if (pv.content_at.is_never() || now_ >= pv.content_at + promise_span_) continue;
        if (s.promise_to && *s.promise_to != p) continue;  // one promise at a time
        if (v->epoch < s.voted_epoch) continue;            // a stale primary
        if (!primary || v->epoch > view(*primary, g)->epoch) primary = p;
    }
    if (primary) {
        const std::size_t p = *primary;
        const wire::GroupState* v = view(p, g);
        const PeerView& pv = peers_[p];
        back(g, p, v->epoch);
        // Answer a fresh primary heartbeat at once: the echo the primary dates its lease
        // from is then one transit old, not up to an interval. The answer is this node's
        // heartbeat, so its own timer steps back to a fallback; the rate stays one per
        // interval (a copy arriving on a second link is not answered again).
        if (pv.content_at == now_) {
            if (now_ - last_sent_ >= interval_ / 2) out.send_heartbeat = true;
            next_heartbeat_ = now_ + interval_ + interval_ / 2;
        }
        return;
    }

    // Vote for the best candidate asking at an epoch this voter has not voted in (or renew
    // the vote already given to it).
    if (now_ < votes_allowed_at_) return;
    std::optional<std::size_t> best;
    for (std::size_t c = 0; c < config_.nodes.size(); ++c) {
        if (c == self_ || !detector_.alive(c)) continue;
        const wire::GroupState* v = view(c, g);
        if (!v || v->campaign_epoch == 0 || v->priority == 0) continue;
        // Alive may rest on a late copy over a slow link; the request itself must be recent.
        if (now_ >= peers_[c].content_at + promise_span_) continue;
        std::uint64_t e = v->campaign_epoch;
        bool fresh = e > s.voted_epoch && e > s.epoch;
        bool same = e == s.voted_epoch && s.voted_for == c;
        if (!fresh && !same) continue;
        // It may lack an acknowledged write (docs/design.md "Who may be promoted").
        if (outside_sync_set(g, c)) {
            if (s.refused_logged != c)
                log_.event(
                    Level::warn, "vote_refused",
                    {{"group", config_.groups[g].name},
                     {"candidate", name(c)},
                     {"reason", "not in the sync set (epoch " + std::to_string(s.sync_epoch) +
                                    ", seq " + std::to_string(s.sync_seq) + ")"}});
            s.refused_logged = c;
            continue;
        }
#ifndef VIGIL_MUTATION_IGNORE_PROMISE
        if (s.promise_to && *s.promise_to != c) continue;  // the safety rule: wait it out
#endif
        if (!best || store_outranks(g, c, *best)) best = c;
    }
    if (!best) return;
    const wire::GroupState* v = view(*best, g);
    bool granted_now = !(s.promise_to == best && s.promise_epoch == v->campaign_epoch);
    back(g, *best, v->campaign_epoch);
    if (granted_now) {
        log_.event(Level::info, "vote",
                   {{"group", config_.groups[g].name},
                    {"candidate", name(*best)},
                    {"epoch", std::to_string(v->campaign_epoch)}});
        out.send_heartbeat = true;  // the candidate is waiting for exactly this
    }
}

// This node votes for `node` at `epoch` (or renews that vote) and promises it, from the
// arrival of its newest heartbeat, echoing that heartbeat's clock.
void Node::back(std::size_t g, std::size_t node, std::uint64_t epoch) {
    Group& s = groups_[g];
    const PeerView& pv = peers_[node];
    VIGIL_ASSERT(node != self_);
    VIGIL_ASSERT(epoch >= s.voted_epoch);
    s.voted_epoch = epoch;
    s.voted_for = node;
    s.promise_to = node;
    s.promise_epoch = epoch;
    s.promise_expiry = pv.content_at + promise_span_;
    s.promise_echo_us = pv.sent_at_us;
}

// Runs after every step: compares in place, and builds a DurableState only when something
// durable changed (rarely: a vote, a new epoch), not on every heartbeat.
void Node::persist_if_changed(Actions& out) {
    static const std::string kNone;
    bool changed = false;
    for (std::size_t g = 0; g < groups_.size() && !changed; ++g) {
        const Group& s = groups_[g];
        const std::uint64_t epoch = std::max(s.epoch, s.voted_epoch);
        const std::string& voted_for =
            s.voted_for && s.voted_epoch == epoch ? name(*s.voted_for) : kNone;
        const DurableGroup& d = persisted_.groups[g];
        changed = d.epoch != epoch || d.voted_for != voted_for || d.sync_epoch != s.sync_epoch ||
                  d.sync_seq != s.sync_seq || d.sync_mask != s.sync_mask;
    }
    if (!changed) return;
    persisted_ = durable_state();
    out.persist = persisted_;
}

DurableState Node::durable_state() const {
    DurableState d;
    d.groups.reserve(groups_.size());
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        const Group& s = groups_[g];
        DurableGroup dg;
        dg.group = config_.groups[g].name;
        dg.epoch = std::max(s.epoch, s.voted_epoch);
        if (s.voted_for && s.voted_epoch == dg.epoch) dg.voted_for = name(*s.voted_for);
        dg.sync_epoch = s.sync_epoch;
        dg.sync_seq = s.sync_seq;
        dg.sync_mask = s.sync_mask;
        d.groups.push_back(std::move(dg));
    }
    return d;
}

std::string Node::not_eligible(std::size_t g) const {
    const Group& s = groups_[g];
    if (config_.nodes[self_].witness) return "witness (votes only)";
    if (!config_.groups[g].priority[self_]) return "no priority for this group";
    if (maintenance_) return "maintenance (standby on)";
    if (leaving_ || shutting_down_) return "shutting down";
    if (std::string fault = fault_reason(g); !fault.empty()) return fault;
    if (!settled_) return "starting";
    if (config_.cluster.two_node && !config_.cluster.tiebreaker.empty() && !tiebreaker_reachable_)
        return "tiebreaker " + config_.cluster.tiebreaker + " unreachable";
    if (s.role == Role::primary) return "";
    if (outside_sync_set(g, self_))
        return "store out of date: not in the sync set (epoch " + std::to_string(s.sync_epoch) +
               ", seq " + std::to_string(s.sync_seq) + ")";
    if (voters_alive() < config_.quorum_size())
        return "no quorum: " + std::to_string(voters_alive()) + "/" +
               std::to_string(config_.quorum_size()) + " voters reachable";
    if (now_ < votes_allowed_at_) return "waiting out promises made before a restart";
    if (promise_held_by_other(g))
        return "backing " + name(*s.promise_to) + " for another " +
               std::to_string((s.promise_expiry - now_) / 1000) + " ms";
    if (s.fence && s.fence->state != Fence::State::succeeded)
        return "fencing " + name(s.fence->node) + ": " +
               (s.fence->state == Fence::State::running ? "running" : s.fence->detail);
    return "";
}

std::string Node::failover_blocked(std::size_t g) const {
    const Group& s = groups_[g];
    std::optional<std::size_t> primary =
        s.role == Role::primary ? std::optional<std::size_t>(self_) : s.primary;
    if (!primary) return "";  // nothing to fail over from (not_eligible says the rest)
    std::size_t survivors = voters_alive() - (live(*primary) ? 1 : 0);
    if (survivors < config_.quorum_size())
        return "without " + name(*primary) + " only " + std::to_string(survivors) + " of " +
               std::to_string(config_.voter_count()) + " voters would remain; a quorum is " +
               std::to_string(config_.quorum_size());
    if (!best_candidate(g, primary, true)) return "no eligible standby is alive";
    return "";
}

void Node::on_fence_result(const FenceResult& e, Actions& out) {
    VIGIL_ASSERT(e.group < groups_.size());
    Group& s = groups_[e.group];
    if (!s.fence || s.fence->node != e.node || s.fence->state != Fence::State::running) return;
    s.fence->state = e.ok ? Fence::State::succeeded : Fence::State::failed;
    s.fence->detail = e.detail;
    if (!e.ok) s.fence->retry_at = e.now + ms(config_.cluster.fence_retry_ms);
    // The campaign's clock stood still while it waited: give it a full window from here.
    if (s.campaign_epoch != 0) s.campaign_deadline = e.now + dead_time_;
    log_.event(e.ok ? Level::info : Level::warn, "fence_result",
               {{"group", config_.groups[e.group].name},
                {"node", name(e.node)},
                {"ok", e.ok ? "true" : "false"},
                {"attempt", std::to_string(s.fence->attempts)},
                {"detail", e.detail}});
    evaluate(e.group, e.now, out);
}

void Node::on_tiebreaker(const TiebreakerResult& e, Actions& out) {
    if (e.reachable == tiebreaker_reachable_) return;
    tiebreaker_reachable_ = e.reachable;
    log_.event(
        e.reachable ? Level::info : Level::warn, "tiebreaker",
        {{"address", config_.cluster.tiebreaker}, {"reachable", e.reachable ? "true" : "false"}});
    out.send_heartbeat = true;  // the effective priority changed
    for (std::size_t g = 0; g < groups_.size(); ++g) evaluate(g, e.now, out);
}

}  // namespace vigil::core
