// Node: the whole protocol state of one vigil agent, as a deterministic state machine.
// It owns the failure detector and, per failover group, the election: who is primary, at
// which epoch, and the handover in progress. It never touches a clock, socket or address;
// it returns Actions (see events.h) for the daemon to carry out.
//
// Election rules (docs/design.md has the reasoning):
//  - Exactly one primary per group among live nodes: the highest effective priority wins,
//    the lower node name breaks ties. A starting node waits init_dead_ms (or until it has
//    heard every peer) before it takes part.
//  - Every promotion takes epoch = (highest epoch known) + 1. A primary that hears a live
//    node claim the group with a higher (epoch, rank), or report a newer epoch with another
//    primary, demotes at once.
//  - Planned moves (preemption, switchover, maintenance, shutdown) are handovers: the
//    primary removes its VIPs, then names the target in its heartbeat; the target promotes
//    on receipt. Unplanned ones wait for the failure detector (dead_time).
//  - preempt = false: a primary keeps its group when a higher-priority node returns. An
//    operator's switchover sticks (no preemption) until the next failover.
//  - Safety does not rest on the rules above but on quorum and leases (docs/design.md
//    "Quorum and leases"): a node promotes only with the votes of a quorum of voters, at
//    an epoch no voter has voted in before, and acts as primary only while a quorum's
//    promises (renewed by every heartbeat) hold its lease. A voter promises one node at a
//    time and votes for another only once its promise expired or was given back.
//  - A group with a replicated store promotes only a node in the sync set its voters stored
//    (docs/design.md "Who may be promoted (replicated store)", store_sync.cc).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/log.h"
#include "core/config.h"
#include "core/events.h"
#include "core/checks.h"
#include "core/failure_detector.h"
#include "core/resources.h"
#include "wire/heartbeat.h"

namespace vigil::core {

struct PeerStatus {
    std::string name;
    bool witness = false;
    bool alive = false;
    bool maintenance = false;
    bool config_mismatch = false;
    TimePoint last_heard = TimePoint::never();
    std::vector<bool> link_alive;
    std::vector<TimePoint> link_last_heard;
};

struct GroupStatus {
    std::string name;
    Role role = Role::starting;
    std::uint64_t epoch = 0;
    std::string primary;            // "" = none known
    std::string handoff_to;         // a handover in progress from this node
    bool admin = false;             // the current epoch began with a switchover
    std::uint64_t elections = 0;    // promotions of this node for this group
    bool primary_via_peer = false;  // this node cannot see it; a live peer reports it
    // Quorum and leases.
    std::size_t votes = 0;          // primary/candidate: voters whose promise it holds now
    std::size_t votes_needed = 0;   // the quorum
    bool campaigning = false;       // asking for votes
    std::uint64_t campaign_epoch = 0;
    TimePoint lease_expiry = TimePoint::never();  // primary only; never = no lease needed
    std::string promised_to;        // this node's promise (vote or lease) goes to this node
    TimePoint promise_expiry = TimePoint::never();
    std::string not_eligible;       // why this node may not be primary now ("" = it may)
    std::string fence;              // fencing state: "", "running n1", "n1 fenced", ...
    // Why the group could not fail over if its primary died now ("" = it could): too few
    // voters would remain for a quorum, or no eligible standby is alive.
    std::string failover_blocked;
    // Managed resources (docs/resources.md).
    std::vector<ResourceStatus> resources;
    std::string failed_here;  // why the group may not run on this node ("" = it may)
    std::string fault;        // primary that cannot run the group and has nobody to hand it to
    std::string releasing;    // a planned move waiting for the resources to stop
    // Replicated store (docs/design.md "Who may be promoted (replicated store)"): the sync
    // set stored (standby, witness) or newest proposed (primary); all 0 without a store.
    std::uint64_t sync_epoch = 0;
    std::uint64_t sync_seq = 0;
    std::uint32_t sync_mask = 0;
    std::uint32_t store_confirmed_mask = 0;  // primary: the newest set a quorum stored
};

// What the primary's store may do now (Node::store_sync).
struct StoreSync {
    // A sync set of the current epoch is stored by a quorum of voters: the store may commit.
    // Before that, voters still holding the previous primary's set could elect a node that
    // lacks this primary's writes.
    bool confirmed_any = false;
    // A write commits only when durable on every node of this mask: the newest confirmed set
    // and every newer proposal, so that whichever of them voters hold, its nodes have it.
    std::uint32_t required_mask = 0;
};

struct CheckStatus {
    std::string name;
    bool passing = true;
    bool probed = false;
    std::string detail;
    int weight = 0;
};

struct NodeStatus {
    std::string name;
    bool witness = false;
    bool maintenance = false;
    std::size_t voters_alive = 0;  // voters this node hears, itself included
    std::size_t quorum = 0;        // voters needed
    bool tiebreaker_reachable = true;
    bool settled = false;  // left the starting phase
    bool restart_holdoff = false;  // settled, but not voting yet: waiting out old promises
    std::vector<GroupStatus> groups;
    std::vector<PeerStatus> peers;  // every other node, in config order
    std::vector<CheckStatus> checks;
    bool shutting_down = false;
};

class Node {
public:
    // REQUIRES: config is valid (parse_config), self < config.nodes.size(); `config` and
    // `logger` outlive the Node. `restored` is what the last run persisted (empty on first
    // start); groups are matched by name.
    Node(const Config& config, std::size_t self, TimePoint start, Logger& logger,
         const DurableState& restored = {});

    [[nodiscard]] Actions step(const Event& event);

    // The heartbeat to send now, without the per-datagram fields (link, boot_id, seq) and
    // the digest, which the daemon fills in.
    wire::Heartbeat heartbeat() const;
    NodeStatus status() const;
    Role role(std::size_t group) const { return groups_[group].role; }
    std::uint64_t epoch(std::size_t group) const { return groups_[group].epoch; }
    // Until when this node may act as primary of `group` (its own clock). Past it, the next
    // step demotes. never() when primary without a quorum requirement (two_node); a past
    // instant when not primary.
    TimePoint lease_expiry(std::size_t group) const;
    // Primary with a lease valid at `now`: the only state in which it may hold the VIPs.
    bool acting_primary(std::size_t group, TimePoint now) const {
        return role(group) == Role::primary && now < lease_expiry(group);
    }
    DurableState durable_state() const;
    // For the group's replicated store (store_sync.cc). {false, 0} unless this node is the
    // group's primary and the group has a store.
    StoreSync store_sync(std::size_t group) const;
    // After a Shutdown: the resources have stopped and the goodbye was sent; the daemon may
    // exit. (A node without resources completes in the Shutdown step itself.)
    bool shutdown_complete() const { return leaving_; }
    // Why a ConfigChanged may not be applied now ("" = it may): the previous reload's
    // retired resources are still stopping, or the node is shutting down.
    std::string reload_blocker() const;

private:
    struct PeerView {  // the last heartbeat's content, per peer
        bool received = false;
        bool maintenance = false;
        bool config_mismatch = false;
        std::array<std::uint8_t, wire::kDigestBytes> config_digest{};  // the last one heard
        std::vector<std::optional<wire::GroupState>> groups;  // by local group index
        std::vector<std::uint32_t> switchover_id_done;        // by group
        // The newest datagram applied, per boot: an older one (reordered across links)
        // only refreshes link liveness, never the peer's state.
        std::uint64_t boot_id = 0;
        std::uint64_t seq_max = 0;
        // When this peer was first heard starting (never = it is not starting). A starting
        // peer is deferred to for at most one dead time.
        TimePoint starting_since = TimePoint::never();
        // When the newest datagram's content arrived: a lease promise to this peer runs
        // from then, never from a later tick.
        TimePoint content_at = TimePoint::never();
        std::uint64_t sent_at_us = 0;  // its clock when it built that datagram
    };
    // Fencing of a primary that disappeared, before this node takes over (design.md).
    struct Fence {
        enum class State { running, succeeded, failed };
        std::size_t node;
        State state = State::running;
        int attempts = 0;
        TimePoint retry_at = TimePoint::never();
        std::string detail;
    };
    // A planned move (handover, demotion) that waits for the group's resources to stop
    // before the VIPs go and the target is named.
    struct Release {
        std::optional<std::size_t> target;
        bool admin = false;
        std::string reason;
    };
    struct SyncProposal {  // a sync set proposed by this primary at its epoch
        std::uint64_t seq;
        std::uint32_t mask;
    };
    struct Offer {  // a peer handing a group to this node
        std::size_t from;
        bool admin;
        TimePoint expires;
    };
    struct Group {
        Role role = Role::starting;
        std::uint64_t epoch = 0;          // highest known
        std::uint64_t primary_epoch = 0;  // the epoch of this node's own promotion
        bool admin = false;
        std::optional<std::size_t> primary;          // seen directly (it claims, or it is us)
        std::optional<std::size_t> relayed_primary;  // seen only through a peer
        std::optional<std::size_t> handoff_to;
        bool handoff_admin = false;
        TimePoint handoff_deadline = TimePoint::never();
        std::optional<Offer> offer;
        std::optional<std::size_t> switchover_to;    // request from this non-primary node
        std::optional<std::size_t> switchover_from;  // the primary it was addressed to
        std::uint32_t switchover_id = 0;
        TimePoint switchover_deadline = TimePoint::never();
        std::uint64_t elections = 0;
        // Why the last primary went away, for the promotion's reason and timeline.
        std::optional<std::size_t> lost_primary;
        // The last other node heard claiming the group since this node's own promotion, for
        // RoleChange::replaced_primary (a handover leaves no lost_primary).
        std::optional<std::size_t> last_other_primary;
        // Since when a live peer has kept claiming this group although it ranks below this
        // primary: it cannot hear us (a one-way link), so after a while we yield.
        TimePoint lower_claim_since = TimePoint::never();

        // Quorum, as a voter. voted_epoch/voted_for are durable: a vote is never given twice
        // in one epoch, not even across a restart.
        std::uint64_t voted_epoch = 0;
        std::optional<std::size_t> voted_for;
        // The one node this voter currently backs (a vote or a lease promise): it will not
        // vote for anybody else until promise_expiry (its own clock) or until the holder
        // gives it back. promise_to == self while this node campaigns or is primary.
        std::optional<std::size_t> promise_to;
        std::uint64_t promise_epoch = 0;
        TimePoint promise_expiry = TimePoint::never();
        std::uint64_t promise_echo_us = 0;

        // Quorum, as a candidate or primary.
        std::uint64_t campaign_epoch = 0;  // 0 = not campaigning
        bool campaign_admin = false;
        std::string campaign_reason;
        TimePoint campaign_started = TimePoint::never();
        TimePoint campaign_deadline = TimePoint::never();
        // Per voter: until when its promise backs this node (this node's clock); the lease
        // is the quorum-th latest of them. Empty when neither campaigning nor primary.
        std::vector<TimePoint> support;
        std::optional<Fence> fence;
        TimePoint campaign_not_before{INT64_MIN};  // after losing its lease (quorum.cc)
        std::optional<Release> release;
        bool fault_logged = false;

        // Replicated store (store_sync.cc). The sync set this node stored or, as primary,
        // last proposed: durable.
        std::uint64_t sync_epoch = 0;
        std::uint64_t sync_seq = 0;
        std::uint32_t sync_mask = 0;
        std::string store_failed;  // StoreProgress::failed, sticky until the agent restarts
        std::uint64_t store_last_epoch = 0;  // this node's log, from StoreProgress
        std::uint64_t store_last_index = 0;
        std::uint32_t caught_up_mask = 0;  // primary: standbys replication reports caught up
        // Primary: its proposals at primary_epoch, oldest first; the first is the newest
        // confirmed one once confirmed_seq != 0. Bounded: kSyncPendingMax + 1.
        std::vector<SyncProposal> proposals;
        std::uint64_t confirmed_seq = 0;
        // The candidate last refused a vote for being outside the stored set (log once).
        std::optional<std::size_t> refused_logged;
    };

    void on_tick(TimePoint now, Actions& out);
    void on_heartbeat(const HeartbeatReceived& e, Actions& out);
    void on_switchover(const AdminSwitchover& e, Actions& out);
    void on_maintenance(const AdminMaintenance& e, Actions& out);
    void on_vip_lost(const VipLost& e, Actions& out);
    void on_shutdown(TimePoint now, Actions& out);
    void on_fence_result(const FenceResult& e, Actions& out);
    void on_tiebreaker(const TiebreakerResult& e, Actions& out);

    // Managed resources and checks (node_resources.cc).
    void on_resource_result(const ResourceResult& e, Actions& out);
    void on_check_result(const CheckResult& e, Actions& out);
    void on_resource_restart(const AdminResourceRestart& e, Actions& out);
    void on_cleanup(const AdminCleanup& e, Actions& out);
    void on_config_changed(const ConfigChanged& e, Actions& out);  // node_reload.cc

    // Replicated store: sync sets and log positions (store_sync.cc).
    void on_store_progress(const StoreProgress& e, Actions& out);
    bool store_set_heard(std::size_t g, std::size_t sender, const wire::GroupState& gs);
    void propose_sync_set(std::size_t g, Actions& out);
    void update_sync_confirmed(std::size_t g);
    void store_on_promote(std::size_t g, Actions& out);
    void fill_store_state(std::size_t g, wire::GroupState& gs) const;
    bool has_store(std::size_t g) const { return config_.groups[g].store.enabled; }
    // The stored set excludes `node`: it may lack an acknowledged write.
    bool outside_sync_set(std::size_t g, std::size_t node) const;
    // Log position ordering for unplanned takeovers: a is ahead of b.
    bool log_ahead(std::size_t g, std::size_t a, std::size_t b) const;
    bool store_outranks(std::size_t g, std::size_t a, std::size_t b) const;
    void reconcile_resources(Actions& out);
    void complete_release(std::size_t g, TimePoint now, Actions& out);
    void finish_shutdown(Actions& out);
    // Why this node cannot run the group although it may be primary: a resource failed
    // here, or a check with weight 0 fails. "" = it can.
    std::string fault_reason(std::size_t g) const;
    // No live node can run the group, and this one would rank first if the faults were
    // ignored: it serves the group anyway (FAULT) rather than leave the addresses unserved.
    bool fault_fallback(std::size_t g) const;

    void evaluate(std::size_t g, TimePoint now, Actions& out);
    void evaluate_primary(std::size_t g, TimePoint now, Actions& out);
    void evaluate_standby(std::size_t g, TimePoint now, Actions& out);
    void promote(std::size_t g, bool admin, std::string reason, Actions& out);
    void demote(std::size_t g, std::string reason, Actions& out);
    void hand_off(std::size_t g, std::optional<std::size_t> target, bool admin, TimePoint now,
                  std::string reason, Actions& out);
    void settle(Actions& out);
    void peer_died(std::size_t node, Actions& out);
    void abandon_handover(std::size_t g, const char* reason, Actions& out);

    // Quorum and leases (quorum.cc).
    void check_leases(Actions& out);
    void take_over(std::size_t g, bool admin, std::string reason, TimePoint now, Actions& out);
    void end_campaign(std::size_t g);
    void count_vote(std::size_t g, std::size_t voter, const wire::GroupState& gs);
    void vote(std::size_t g, Actions& out);
    void expire_promise(std::size_t g);
    void back(std::size_t g, std::size_t node, std::uint64_t epoch);
    void release_self_promise(std::size_t g);
    bool promise_held_by_other(std::size_t g) const;
    std::size_t support_count(std::size_t g) const;
    bool fence_allows(std::size_t g) const;
    std::string not_eligible(std::size_t g) const;
    std::string failover_blocked(std::size_t g) const;
    std::size_t voters_alive() const;
    void persist_if_changed(Actions& out);

    // Election helpers: compute, never change state.
    bool live(std::size_t node) const;
    int priority_of(std::size_t g, std::size_t node) const;  // 0 = not eligible now
    bool outranks(std::size_t g, std::size_t a, std::size_t b) const;
    // by_log: rank by store log position first (unplanned takeovers; store_outranks).
    std::optional<std::size_t> best_candidate(std::size_t g, std::optional<std::size_t> excluded,
                                              bool settled_only, bool by_log = false) const;
    std::optional<std::size_t> claimed_primary(std::size_t g) const;
    // A primary that a live standby peer reports seeing, when this node cannot see it
    // itself (three or more nodes, some links cut). nullopt if none or stale.
    std::optional<std::size_t> relayed_primary(std::size_t g) const;
    bool deferred_to_while_starting(std::size_t node) const;
    const wire::GroupState* view(std::size_t node, std::size_t g) const;
    const std::string& name(std::size_t node) const { return config_.nodes[node].name; }
    TimePoint next_wakeup() const;

    const Config& config_;
    std::size_t self_;
    Logger& log_;
    FailureDetector detector_;
    std::vector<PeerView> peers_;
    std::vector<Group> groups_;
    bool maintenance_ = false;
    bool settled_ = false;
    bool leaving_ = false;
    TimePoint now_;  // of the event being handled
    TimePoint settle_deadline_;
    TimePoint next_heartbeat_;
    Micros interval_;
    Micros dead_time_;
    // Lease arithmetic (docs/design.md "Quorum and leases"): a voter promises for
    // promise_span_ of its clock; a holder counts lease_span_ of its own clock from the
    // instant it sent the heartbeat the promise answers, short enough that drift in either
    // clock cannot make it outlast the promise.
    Micros promise_span_;
    Micros lease_span_;
    TimePoint start_;
    TimePoint votes_allowed_at_;  // a restarted voter may have promised before it crashed
    TimePoint last_sent_;         // when a step last asked for a heartbeat
    bool tiebreaker_reachable_ = true;
    DurableState persisted_;
    bool shutting_down_ = false;
    std::vector<GroupResources> resources_;     // by group
    std::vector<std::size_t> resource_group_;   // by Config::resources index
    std::vector<CheckTracker> checks_;          // by Config::checks index
};

}  // namespace vigil::core
