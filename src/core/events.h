// What the core reacts to, and what it asks the caller to do. The daemon loop is:
// next event -> Node::step -> carry out Actions in the order written on the struct.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/time.h"
#include "wire/heartbeat.h"

namespace vigil::core {

using Role = wire::Role;
const char* role_name(Role role);

// Time passed; due timers fire.
struct Tick {
    TimePoint now;
};

// An authenticated, fresh heartbeat (the caller checked HMAC and replay) that arrived on
// one of this node's links. `link` is the receiving link, already checked to match the
// link the sender wrote into the datagram.
struct HeartbeatReceived {
    TimePoint now;
    std::size_t sender;  // node index in Config::nodes
    std::size_t link;
    wire::Heartbeat heartbeat;
};

// The operator asks that GROUP move to TARGET ("" = the best other eligible node).
struct AdminSwitchover {
    TimePoint now;
    std::string group;
    std::string target;
};

// `vigil standby on|off`: maintenance, this node will not be primary of any group.
struct AdminMaintenance {
    TimePoint now;
    bool on = false;
};

// A VIP this node should hold disappeared from its interface (a network manager, say).
struct VipLost {
    TimePoint now;
    std::size_t group;
    std::size_t vip;
};

// Graceful stop: hand primary groups to the best standby, then say goodbye.
struct Shutdown {
    TimePoint now;
};

// The fence command for (group, node) finished: ok = exit 0 within fence_timeout_ms.
struct FenceResult {
    TimePoint now;
    std::size_t group;
    std::size_t node;
    bool ok = false;
    std::string detail;  // exit status or why it failed, for the log and status
};

// two_node mode's tie-breaker (ipfail): whether the configured address answered lately.
struct TiebreakerResult {
    TimePoint now;
    bool reachable = false;
};

// Managed resources (docs/resources.md). The daemon runs each ResourceCommand and reports
// how it ended; for an `exec` resource it also reports, unasked, that its process exited
// (op = monitor, outcome = not_running).
enum class ResourceOp : std::uint8_t { start, stop, monitor };
const char* resource_op_name(ResourceOp op);

enum class ResourceOutcome : std::uint8_t {
    ok,           // start/stop succeeded; monitor: running (exit 0)
    not_running,  // monitor only: stopped (LSB exit 3), or the exec process is gone
    failed,       // any other exit, or the command could not be started
    timed_out,    // still running at timeout_ms: it was killed
};
// The LSB reading of an exit code: monitor 0 = running, 3 = stopped, else failed; start and
// stop 0 = done, else failed.
ResourceOutcome resource_outcome(ResourceOp op, int exit_code, bool killed_at_timeout);

struct ResourceResult {
    TimePoint now;
    std::size_t resource;  // Config::resources index
    ResourceOp op;
    ResourceOutcome outcome;
    std::string detail;  // "exit 1", "killed at timeout 5000 ms", "process exited: exit 0"
    // An exec process that exited by itself: it answers no command, not even a monitor
    // that runs at the time (that monitor's own result is still to come).
    bool unasked = false;
};

// One probe of a [[check]] finished.
struct CheckResult {
    TimePoint now;
    std::size_t check;  // Config::checks index
    bool ok = false;
    std::string detail;
};

// `vigil resource restart NAME`: stop and start it again (and those after it in its
// group) without counting against its restart budget. Only on the group's primary.
struct AdminResourceRestart {
    TimePoint now;
    std::string resource;
};

// `vigil cleanup GROUP`: forget the group's failures on this node; it may run here again.
struct AdminCleanup {
    TimePoint now;
    std::string group;
};

// Reload (docs/config.md "Reload"): the Config this Node was built with has just been
// replaced in place by one that differs only in what may change live: resources, checks,
// the groups' `resources` and `checks` lists, notify and failure_timeout_s. Nodes, groups
// and their order are the same. A resource whose definition and position in its group are
// unchanged keeps its Config::resources index; a replaced or removed one keeps its old
// definition at its old index, marked retired, until its stop is done. The caller asks
// Node::reload_blocker() first and replaces nothing while it answers.
struct ConfigChanged {
    TimePoint now;
};

// What the group's replicated store sees (docs/design.md "Who may be promoted (replicated
// store)"): this node's log position, and on the primary the standbys replication reports
// caught up (bit i = Config::nodes[i]). The daemon reports it whenever it changes; the
// newest report replaces the previous one. Ignored for a group without a store.
struct StoreProgress {
    TimePoint now;
    std::size_t group;
    std::uint64_t last_epoch = 0;
    std::uint64_t last_index = 0;
    std::uint32_t caught_up_mask = 0;
    // Non-empty: the store failed on this node (a failed fsync, a corrupt log) and serves
    // nothing until the agent restarts. The node then may not be or stay primary of the
    // group: a primary hands it over, as after a resource failure.
    std::string failed;
};

using Event = std::variant<Tick, HeartbeatReceived, AdminSwitchover, AdminMaintenance, VipLost,
                           Shutdown, FenceResult, TiebreakerResult, ResourceResult, CheckResult,
                           AdminResourceRestart, AdminCleanup, ConfigChanged, StoreProgress>;

// What must survive a restart so that epochs only rise and a vote is never given twice in
// one epoch (docs/design.md "Quorum and leases"). Indexed like Config::groups.
struct DurableGroup {
    std::string group;              // name, so a config change cannot mix groups up
    std::uint64_t epoch = 0;        // the highest epoch voted for or known
    std::string voted_for;          // the vote given at that epoch ("" = none)
    // The newest sync set this node stored (a standby or witness) or proposed (a primary);
    // 0 = none. A voter backs no candidate outside it (docs/design.md "Who may be promoted").
    std::uint64_t sync_epoch = 0;
    std::uint64_t sync_seq = 0;
    std::uint32_t sync_mask = 0;
    bool operator==(const DurableGroup&) const = default;
};
struct DurableState {
    std::vector<DurableGroup> groups;
    bool operator==(const DurableState&) const = default;
};

// Run the group's fence command against `node` (a primary that disappeared).
struct FenceRequest {
    std::size_t group;
    std::size_t node;
};

// Run `op` for a resource. The environment of the command carries the group, this node's
// role in it and the epoch (docs/resources.md "Environment"); a start carries the epoch it
// serves, so a service can tag its writes with it.
struct ResourceCommand {
    std::size_t resource;  // Config::resources index
    ResourceOp op;
    std::size_t group;
    Role role;
    std::uint64_t epoch;
};

struct VipChange {
    enum class Kind { add, remove };
    Kind kind;
    std::size_t group;
    std::size_t vip;
};

struct RoleChange {
    std::size_t group;
    Role from;
    Role to;
    std::uint64_t epoch;
    std::string reason;
    // On a promotion that followed the death of the previous primary: when it was last
    // heard and when it was declared dead (for the failover timeline).
    std::optional<std::string> previous_primary;
    TimePoint previous_last_heard = TimePoint::never();
    TimePoint previous_declared_dead = TimePoint::never();
    // On a promotion: the primary this node saw before it, dead or handing over ("" = none
    // known), for the failover history (docs/metrics.md).
    std::string replaced_primary;
};

struct PeerChange {
    std::size_t node;
    std::optional<std::size_t> link;  // nullopt = the peer as a whole
    bool alive;
    std::string reason;
};

struct Actions {
    // The caller carries these out in this order.
    // 0. Write and fsync this state before anything below, above all before the heartbeat
    //    that carries a vote. If the write fails, the node must stop (it may not vote).
    std::optional<DurableState> persist;
    // 1. Remove and add addresses. A demoting node removes its VIPs before step 3 tells a
    //    peer to take over, so two nodes never hold a VIP because of a handover.
    std::vector<VipChange> vip_changes;
    // 2. Start a burst of gratuitous ARP / unsolicited NA for each (group, vip) listed.
    std::vector<VipChange> announcements;  // kind is always add
    // 3. Send a heartbeat (Node::heartbeat()) to every peer on every link, now.
    bool send_heartbeat = false;
    // 4. Log, record timelines, run notify hooks, in this order.
    std::vector<RoleChange> role_changes;
    std::vector<PeerChange> peer_changes;
    // 5. Start these fence commands (each reports back with a FenceResult).
    std::vector<FenceRequest> fences;
    // 6. Run these resource commands (each reports back with a ResourceResult). A start
    //    comes after the group's VIPs were added in step 1; a planned move's VIP removal
    //    waits in the core until the stops it asked for have reported back.
    std::vector<ResourceCommand> resource_commands;
    // For admin commands: empty when accepted, else why not (shown to the operator).
    std::string rejected;
    std::string accepted;  // a short description of what will happen
    // Call step(Tick) no later than this.
    TimePoint next_wakeup = TimePoint::never();
};

}  // namespace vigil::core
