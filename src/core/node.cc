// Node: event handling, heartbeat content and status. The election decisions themselves
// are in election.cc.
#include "core/node.h"

#include <algorithm>

#include "common/assert.h"

namespace vigil::core {

namespace {
// The digest as carried on the wire (its first kDigestBytes), in hex: what `vigil status
// --json` shows as config_digest, so the two can be compared.
std::string digest_hex(const std::uint8_t* digest) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < wire::kDigestBytes; ++i) {
        out += digits[digest[i] >> 4];
        out += digits[digest[i] & 15];
    }
    return out;
}
}  // namespace

const char* role_name(Role role) {
    switch (role) {
        case Role::starting: return "starting";
        case Role::standby: return "standby";
        case Role::primary: return "primary";
        case Role::fault: return "fault";
    }
    return "unknown";
}

Node::Node(const Config& config, std::size_t self, TimePoint start, Logger& logger,
           const DurableState& restored)
    : config_(config),
      self_(self),
      log_(logger),
      detector_(config.nodes.size(), config.nodes[0].addresses.size(),
                ms(config.cluster.dead_time_ms), ms(config.effective_warn_time_ms())),
      peers_(config.nodes.size()),
      groups_(config.groups.size()),
      now_(start),
      settle_deadline_(start + ms(config.effective_init_dead_ms())),
      next_heartbeat_(start),
      interval_(ms(config.cluster.heartbeat_interval_ms)),
      dead_time_(ms(config.cluster.dead_time_ms)),
      promise_span_(dead_time_),
      lease_span_(0),
      start_(start),
      votes_allowed_at_(start),
      last_sent_(start - interval_),
      tiebreaker_reachable_(config.cluster.tiebreaker.empty()) {
    VIGIL_ASSERT(self < config.nodes.size());
    VIGIL_ASSERT(!config.nodes.empty());  // one node: a VRRP speaker beside keepalived
    // Detection must take several missed heartbeats, or one lost datagram is a failover.
    VIGIL_ASSERT(dead_time_ >= 2 * interval_);
    for (auto& p : peers_) {
        p.groups.resize(config.groups.size());
        p.switchover_id_done.resize(config.groups.size(), 0);
    }
    // A promise of promise_span_ on a clock running fast by rho lasts at least
    // promise_span_ / (1 + rho) of real time; a lease of lease_span_ on a clock running slow
    // by rho lasts at most lease_span_ / (1 - rho). The margin covers the time between the
    // lease's end and the VIPs actually going (scheduling, netlink).
    const double rho = config.cluster.clock_drift_max_ppm / 1e6;
    VIGIL_ASSERT(rho >= 0.0);
    VIGIL_ASSERT(rho < 0.5);
    const Micros margin = ms(config.effective_lease_margin_ms());
    lease_span_ = static_cast<Micros>(static_cast<double>(promise_span_) * (1 - rho) / (1 + rho)) -
                  margin;
    // The lease must outlive a few heartbeat intervals, or it lapses between renewals.
    VIGIL_ASSERT(lease_span_ > 2 * interval_);
    // Promises given before a restart are forgotten with the process; wait until any of
    // them must have ended before voting again. Always, even with an empty durable state: a
    // lost or re-provisioned state file looks exactly like a first start. Without a quorum
    // there is nothing to wait for.
    if (config.quorum_size() > 1)
        votes_allowed_at_ =
            start + static_cast<Micros>(static_cast<double>(promise_span_) * (1 + rho) / (1 - rho)) +
            margin;
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        for (const DurableGroup& d : restored.groups) {
            if (d.group != config.groups[g].name) continue;
            // Everything up to the persisted epoch counts as voted in: conservative, and it
            // keeps epochs rising across restarts.
            groups_[g].epoch = d.epoch;
            groups_[g].voted_epoch = d.epoch;
            groups_[g].voted_for = config.node_index(d.voted_for);
            groups_[g].sync_epoch = d.sync_epoch;
            groups_[g].sync_seq = d.sync_seq;
            groups_[g].sync_mask = d.sync_mask;
        }
    }
    persisted_ = durable_state();
    resource_group_.resize(config.resources.size(), 0);
    for (std::size_t g = 0; g < config.groups.size(); ++g) {
        resources_.emplace_back(config, g, logger, !config.nodes[self].witness);
        for (std::size_t r : config.groups[g].resources) resource_group_[r] = g;
    }
    for (const CheckConfig& c : config.checks) checks_.emplace_back(c);
}

Actions Node::step(const Event& event) {
    Actions out;
    now_ = std::visit([](const auto& e) { return e.now; }, event);
    check_leases(out);
    std::visit(
        [&](const auto& e) {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, Tick>) on_tick(e.now, out);
            if constexpr (std::is_same_v<T, HeartbeatReceived>) on_heartbeat(e, out);
            if constexpr (std::is_same_v<T, AdminSwitchover>) on_switchover(e, out);
            if constexpr (std::is_same_v<T, AdminMaintenance>) on_maintenance(e, out);
            if constexpr (std::is_same_v<T, VipLost>) on_vip_lost(e, out);
            if constexpr (std::is_same_v<T, Shutdown>) on_shutdown(e.now, out);
            if constexpr (std::is_same_v<T, FenceResult>) on_fence_result(e, out);
            if constexpr (std::is_same_v<T, TiebreakerResult>) on_tiebreaker(e, out);
            if constexpr (std::is_same_v<T, ResourceResult>) on_resource_result(e, out);
            if constexpr (std::is_same_v<T, CheckResult>) on_check_result(e, out);
            if constexpr (std::is_same_v<T, AdminResourceRestart>) on_resource_restart(e, out);
            if constexpr (std::is_same_v<T, AdminCleanup>) on_cleanup(e, out);
            if constexpr (std::is_same_v<T, ConfigChanged>) on_config_changed(e, out);
            if constexpr (std::is_same_v<T, StoreProgress>) on_store_progress(e, out);
        },
        event);
    reconcile_resources(out);
    finish_shutdown(out);
    for (std::size_t g = 0; g < groups_.size(); ++g) vote(g, out);
    persist_if_changed(out);
    if (out.send_heartbeat) last_sent_ = now_;
    out.next_wakeup = next_wakeup();
    return out;
}

void Node::on_tick(TimePoint now, Actions& out) {
    auto expired = detector_.expire(now);
    for (auto [node, link] : expired.links)
        out.peer_changes.push_back({node, link, false, "silent for dead_time"});
    for (std::size_t node : expired.peers) peer_died(node, out);
    if (!settled_ && now >= settle_deadline_) settle(out);
    for (std::size_t g = 0; g < groups_.size(); ++g)
        if (resources_[g].expire_failure(now)) out.send_heartbeat = true;  // eligible again
    for (std::size_t g = 0; g < groups_.size(); ++g) evaluate(g, now, out);
    if (now >= next_heartbeat_ && !leaving_) {
        out.send_heartbeat = true;
        // Keep the cadence even if a tick came late, but never send a burst to catch up.
        next_heartbeat_ = std::max(next_heartbeat_ + interval_, now + interval_ / 2);
    }
}

void Node::peer_died(std::size_t node, Actions& out) {
    out.peer_changes.push_back({node, std::nullopt, false, "silent on every link"});
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        Group& s = groups_[g];
        if (s.primary == node) {
            s.primary.reset();
            s.lost_primary = node;
        }
    }
    // A restarted peer numbers its switchover requests from 1 again.
    std::fill(peers_[node].switchover_id_done.begin(), peers_[node].switchover_id_done.end(), 0);
}

void Node::on_heartbeat(const HeartbeatReceived& e, Actions& out) {
    VIGIL_ASSERT(e.sender != self_);
    VIGIL_ASSERT(e.sender < peers_.size());
    const wire::Heartbeat& hb = e.heartbeat;
    PeerView& p = peers_[e.sender];
    bool peer_came_alive = false;
    if (p.received && hb.boot_id == p.boot_id && hb.seq <= p.seq_max) {
        // Older than a datagram already applied (it took a slower link): it proves the link
        // works, but its content is stale and must not undo newer state (a handover already
        // done, a goodbye already said).
        if (detector_.alive(e.sender) && detector_.heard(e.sender, e.link, e.now).link_came_alive)
            out.peer_changes.push_back({e.sender, e.link, true, "heartbeat received"});
        return;
    }
    if (p.received && hb.boot_id != p.boot_id) {
        // The peer restarted, perhaps faster than the dead time: it numbers its switchover
        // requests from 1 again.
        std::fill(p.switchover_id_done.begin(), p.switchover_id_done.end(), 0);
    }
    p.boot_id = hb.boot_id;
    p.seq_max = hb.seq;
    p.content_at = e.now;
    p.sent_at_us = hb.sent_at_us;
    bool starting = false;
    for (const wire::GroupState& gs : hb.groups) starting = starting || gs.role == Role::starting;
    if (!starting)
        p.starting_since = TimePoint::never();
    else if (p.starting_since.is_never())
        p.starting_since = e.now;
    bool mismatch =
        !std::equal(hb.config_digest.begin(), hb.config_digest.end(), config_.digest.begin());
    // Once per change of the peer's digest, not per heartbeat: a peer that moves from one
    // foreign configuration to another is logged again, with both digests to compare; so is
    // a peer that matched until this node's own digest changed (a reload here).
    const bool digest_changed = !p.received || hb.config_digest != p.config_digest;
    if (mismatch && (digest_changed || !p.config_mismatch))
        log_.event(Level::warn, "config_mismatch",
                   {{"peer", name(e.sender)},
                    {"digest", digest_hex(config_.digest.data())},
                    {"peer_digest", digest_hex(hb.config_digest.data())},
                    {"detail", "peer runs a different cluster configuration"}});
    else if (!mismatch && p.config_mismatch)
        log_.event(Level::info, "config_match", {{"peer", name(e.sender)}});
    p.received = true;
    p.config_mismatch = mismatch;
    p.config_digest = hb.config_digest;
    p.maintenance = hb.maintenance;
    std::fill(p.groups.begin(), p.groups.end(), std::nullopt);
    for (const wire::GroupState& gs : hb.groups) {
        auto g = config_.group_index(gs.group);
        if (!g) continue;  // a group we do not have: the digest mismatch already says so
        p.groups[*g] = gs;
        Group& s = groups_[*g];
        // An offer made at an older epoch than we know is stale: somebody has promoted since
        // (a heartbeat sent just before the handover completed, still in flight).
        bool fresh_offer = gs.handoff_to == name(self_) && gs.epoch >= s.epoch;
        if (store_set_heard(*g, e.sender, gs)) out.send_heartbeat = true;  // echo it
        s.epoch = std::max(s.epoch, gs.epoch);
        if (gs.role == Role::primary && s.role != Role::primary) s.primary = e.sender;
        if (gs.role == Role::primary) s.last_other_primary = e.sender;
        if (gs.role != Role::primary && s.primary == e.sender) s.primary.reset();
        if (fresh_offer) s.offer = Offer{e.sender, gs.admin, e.now + dead_time_};
        count_vote(*g, e.sender, gs);
        if (has_store(*g) && s.role == Role::primary) {
            update_sync_confirmed(*g);
            propose_sync_set(*g, out);  // one that waited for a confirmation
        }
    }

    if (hb.leaving) {
        // The goodbye is sent on every link, twice: report the departure once.
        if (detector_.alive(e.sender))
            out.peer_changes.push_back({e.sender, std::nullopt, false, "left the cluster"});
        detector_.forget(e.sender, e.now);
        for (auto& s : groups_)
            if (s.primary == e.sender) s.primary.reset();
        std::fill(p.switchover_id_done.begin(), p.switchover_id_done.end(), 0);
    } else {
        auto heard = detector_.heard(e.sender, e.link, e.now);
        if (heard.link_came_alive)
            out.peer_changes.push_back({e.sender, e.link, true, "heartbeat received"});
        if (heard.peer_came_alive) {
            out.peer_changes.push_back({e.sender, std::nullopt, true, "heartbeat received"});
            peer_came_alive = true;
            // Tell a (re)started peer at once how things stand: it settles, votes and
            // renews leases without waiting for this node's next interval.
            out.send_heartbeat = true;
        }
        if (heard.late_gap)
            log_.event(Level::warn, "heartbeat_late",
                       {{"peer", name(e.sender)},
                        {"gap_ms", std::to_string(*heard.late_gap / 1000)},
                        {"interval_ms", std::to_string(hb.interval_ms)}});
    }
    if (!settled_ && e.now >= settle_deadline_) settle(out);
    if (!settled_) {
        bool all = true;
        for (std::size_t n = 0; n < peers_.size(); ++n)
            if (n != self_ && !peers_[n].received) all = false;
        if (all) settle(out);
    }
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        Role before = groups_[g].role;
        evaluate(g, e.now, out);
        // A partition may have healed: the other side may have held our VIPs, so tell the
        // neighbours again where they live. Only after the election: a stale primary that
        // just demoted must not announce addresses it no longer holds.
        if (peer_came_alive && before == Role::primary && groups_[g].role == Role::primary)
            for (std::size_t v = 0; v < config_.groups[g].vips.size(); ++v)
                out.announcements.push_back({VipChange::Kind::add, g, v});
    }
}

void Node::settle(Actions& out) {
    settled_ = true;
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        Group& s = groups_[g];
        if (s.role != Role::starting) continue;
        s.role = Role::standby;
        // A witness never serves a group: a role change would only mislead the log.
        if (config_.nodes[self_].witness) continue;
        out.role_changes.push_back(
            {g, Role::starting, Role::standby, s.epoch, "start-up complete", {}, {}, {}});
    }
    out.send_heartbeat = true;
}

void Node::on_vip_lost(const VipLost& e, Actions& out) {
    VIGIL_ASSERT(e.group < groups_.size());
    if (!acting_primary(e.group, e.now)) return;
    out.vip_changes.push_back({VipChange::Kind::add, e.group, e.vip});
    out.announcements.push_back({VipChange::Kind::add, e.group, e.vip});
}

void Node::on_maintenance(const AdminMaintenance& e, Actions& out) {
    maintenance_ = e.on;
    out.accepted = e.on ? "standby on: this node will not be primary of any group"
                        : "standby off: this node may be primary again";
    out.send_heartbeat = true;
    for (std::size_t g = 0; g < groups_.size(); ++g) evaluate(g, e.now, out);
}

void Node::on_shutdown(TimePoint now, Actions& out) {
    shutting_down_ = true;  // eligible for nothing from now on
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        end_campaign(g);  // give the votes back now, not after a dead time
        if (groups_[g].role != Role::primary) continue;
        // Waits for the group's resources to stop when it has any (complete_release).
        hand_off(g, best_candidate(g, self_, true), false, now, "agent shutting down", out);
    }
    out.send_heartbeat = true;
}

wire::Heartbeat Node::heartbeat() const {
    wire::Heartbeat hb;
    hb.sender = name(self_);
    hb.interval_ms = static_cast<std::uint16_t>(config_.cluster.heartbeat_interval_ms);
    hb.maintenance = maintenance_;
    hb.leaving = leaving_;
    hb.witness = config_.nodes[self_].witness;
    hb.sent_at_us = static_cast<std::uint64_t>(std::max<Micros>(now_.us, 0));
    hb.groups.reserve(groups_.size());
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        const Group& s = groups_[g];
        wire::GroupState gs;
        gs.group = config_.groups[g].name;
        gs.role = s.role;
        // A primary states the epoch it serves at, which voters renew their promises for;
        // it may know a higher one that never won (a candidate's, restored after a restart).
        gs.epoch = s.role == Role::primary ? s.primary_epoch : s.epoch;
        gs.priority = static_cast<std::uint16_t>(priority_of(g, self_));
        // A faulty node that serves (or asks to serve) the group because nobody else can
        // says so with the lowest priority: voters back it, and any node that can run the
        // group outranks it.
        if (gs.priority == 0 && (s.campaign_epoch != 0 || s.role == Role::primary) &&
            fault_fallback(g))
            gs.priority = 1;
        gs.admin = s.role == Role::primary ? s.admin : s.handoff_admin;
        if (s.primary) gs.primary = name(*s.primary);
        if (s.handoff_to) gs.handoff_to = name(*s.handoff_to);
        if (s.switchover_to) {
            gs.switchover_to = name(*s.switchover_to);
            gs.switchover_id = s.switchover_id;
        }
        gs.campaign_epoch = s.campaign_epoch;
        if (s.promise_to) {
            gs.vote_for = name(*s.promise_to);
            gs.vote_epoch = s.promise_epoch;
            gs.vote_echo_us = *s.promise_to == self_ ? 0 : s.promise_echo_us;
        }
        if (has_store(g)) fill_store_state(g, gs);
        hb.groups.push_back(std::move(gs));
    }
    return hb;
}

NodeStatus Node::status() const {
    NodeStatus st;
    st.name = name(self_);
    st.maintenance = maintenance_;
    st.settled = settled_;
    st.restart_holdoff = now_ < votes_allowed_at_;
    st.witness = config_.nodes[self_].witness;
    st.voters_alive = voters_alive();
    st.quorum = config_.quorum_size();
    st.tiebreaker_reachable = tiebreaker_reachable_;
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        const Group& s = groups_[g];
        GroupStatus gs{config_.groups[g].name, s.role, s.epoch, "", "", false, s.elections};
        // Whether the current primary got the group by switchover: its own flag, or what
        // the primary says (s.admin is only this node's last promotion's).
        if (s.role == Role::primary)
            gs.admin = s.admin;
        else if (s.primary && view(*s.primary, g))
            gs.admin = view(*s.primary, g)->admin;
        if (s.role == Role::primary)
            gs.primary = name(self_);
        else if (s.primary)
            gs.primary = name(*s.primary);
        else if (s.relayed_primary) {
            gs.primary = name(*s.relayed_primary);
            gs.primary_via_peer = true;
        }
        if (s.handoff_to) gs.handoff_to = name(*s.handoff_to);
        gs.votes = s.support.empty() ? 0 : support_count(g);
        gs.votes_needed = config_.quorum_size();
        gs.campaigning = s.campaign_epoch != 0;
        gs.campaign_epoch = s.campaign_epoch;
        if (s.role == Role::primary) gs.lease_expiry = lease_expiry(g);
        if (s.promise_to && *s.promise_to != self_) {
            gs.promised_to = name(*s.promise_to);
            gs.promise_expiry = s.promise_expiry;
        }
        gs.not_eligible = not_eligible(g);
        gs.failover_blocked = failover_blocked(g);
        if (s.fence) {
            const char* state = s.fence->state == Fence::State::running     ? "running"
                                : s.fence->state == Fence::State::succeeded ? "fenced"
                                                                            : "failed";
            gs.fence = name(s.fence->node) + " " + state + " (attempt " +
                       std::to_string(s.fence->attempts) + ")";
        }
        gs.resources = resources_[g].status(now_);
        if (resources_[g].failed()) gs.failed_here = resources_[g].failure();
        if (!s.store_failed.empty()) gs.failed_here = "store failure: " + s.store_failed;
        if (s.role == Role::primary && s.fault_logged)
            gs.fault = "FAULT: " + fault_reason(g) + "; no other node can run the group";
        gs.sync_epoch = s.sync_epoch;
        gs.sync_seq = s.sync_seq;
        gs.sync_mask = s.sync_mask;
        if (s.role == Role::primary && s.confirmed_seq != 0)
            gs.store_confirmed_mask = s.proposals.front().mask;
        if (s.release)
            gs.releasing = "stopping resources before handing over" +
                           (s.release->target ? " to " + name(*s.release->target) : std::string());
        st.groups.push_back(std::move(gs));
    }
    st.shutting_down = shutting_down_;
    for (const CheckTracker& c : checks_)
        st.checks.push_back(
            {c.config().name, c.passing(), c.seen(), c.detail(), c.config().weight});
    for (std::size_t n = 0; n < config_.nodes.size(); ++n) {
        if (n == self_) continue;
        PeerStatus ps;
        ps.name = name(n);
        ps.witness = config_.nodes[n].witness;
        ps.alive = detector_.alive(n);
        ps.maintenance = peers_[n].maintenance;
        ps.config_mismatch = peers_[n].config_mismatch;
        ps.last_heard = detector_.last_heard(n);
        for (std::size_t l = 0; l < config_.nodes[n].addresses.size(); ++l) {
            ps.link_alive.push_back(detector_.link_alive(n, l));
            ps.link_last_heard.push_back(detector_.last_heard(n, l));
        }
        st.peers.push_back(std::move(ps));
    }
    return st;
}

TimePoint Node::next_wakeup() const {
    TimePoint next = leaving_ ? TimePoint::never() : next_heartbeat_;
    next = std::min(next, detector_.next_deadline());
    if (!settled_) next = std::min(next, settle_deadline_);
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        const Group& s = groups_[g];
        next = std::min(next, s.handoff_deadline);
        next = std::min(next, s.switchover_deadline);
        if (s.offer) next = std::min(next, s.offer->expires);
        if (fence_allows(g)) next = std::min(next, s.campaign_deadline);
        if (s.campaign_not_before > now_) next = std::min(next, s.campaign_not_before);
        if (s.role == Role::primary) next = std::min(next, lease_expiry(g));
        if (s.promise_to && *s.promise_to != self_) next = std::min(next, s.promise_expiry);
        if (s.fence && s.fence->state == Fence::State::failed)
            next = std::min(next, s.fence->retry_at);
        next = std::min(next, resources_[g].next_wakeup());
    }
    if (now_ < votes_allowed_at_) next = std::min(next, votes_allowed_at_);
    return next;
}

}  // namespace vigil::core

