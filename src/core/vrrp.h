// VrrpSet: every VRRPv3 virtual router of this agent (RFC 9568 §6) as one deterministic
// state machine. Events in, actions out; no clock, socket or address is touched here.
//
// - One timer structure for all routers (a min-heap of deadlines), so a thousand routers
//   cost one wake-up per due timer, not a thousand timers.
// - Per router: Initialize -> Backup/Master exactly as RFC 9568 §6.4, with
//     Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256
//     Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time
//   computed in microseconds (intervals in centiseconds x 10,000, no rounding), like
//   keepalived. Priority 255 (the address owner) goes master at start-up at once.
// - Fault (not an RFC state, keepalived's): a check with weight 0 failing, or
//   require_quorum without the cluster's quorum. A master in fault sends one advert with
//   priority 0 (so a backup takes over after Skew_Time), removes its VIPs and then sends
//   nothing; when the fault clears it starts again as a backup. Until the first VrrpQuorum
//   the quorum counts as not held (a require_quorum router starts in fault).
// - Effective priority = the configured one plus the weights of the router's checks (a
//   negative weight while failing, a positive one while passing), clamped to 1..254; an
//   owner (255) keeps 255 unless a weight-0 check or the quorum puts it in fault.
// - preempt = false: a backup does not take over from a lower-priority master (RFC); the
//   address owner (255) preempts all the same (RFC 9568 §6.1). A preempt_delay_ms > 0:
//   after start-up, a preempting backup treats a lower-priority master as a master to
//   follow until that long has passed (keepalived's preempt_delay).
// - Sync groups: members fail over together. A member that goes to backup or fault takes
//   the others with it (a fault makes them all fault; a master taken to backup sends
//   priority 0, as a leaving master does, so the peer holding the rest of the group takes
//   it over after Skew_Time); a backup member whose Master_Down_Timer fires goes master
//   only together with all other members, once every member is master or its own timer
//   has fired; until then it waits. Members are the routers this node takes part in; an
//   owner member goes master at start-up at once only if every member is an owner.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/log.h"
#include "common/time.h"
#include "core/config.h"
#include "core/events.h"
#include "wire/vrrp.h"

namespace vigil::core {

enum class VrrpState : std::uint8_t { initialize, backup, master, fault };
const char* vrrp_state_name(VrrpState state);  // "initialize", "backup", "master", "fault"

// Start every router this node takes part in (Config::vrrp[i].priority[self] set).
struct VrrpStartup {
    TimePoint now;
};
// Time passed; due timers fire.
struct VrrpTick {
    TimePoint now;
};
// A valid advertisement (the daemon checked TTL, checksum and version with
// wire::decode_vrrp and found the router by interface, family and VRID).
struct VrrpAdvertReceived {
    TimePoint now;
    std::size_t router;  // Config::vrrp index
    wire::IpAddress sender;  // the IP source address
    std::uint8_t priority = 0;
    std::uint16_t max_advert_int_cs = 0;
    std::size_t address_count = 0;  // a count that differs from ours is logged once, not fatal
};
// The primary address of an interface and family (the source of our adverts), which
// breaks priority ties (RFC 9568 §6.4.3). Sent before VrrpStartup and whenever it changes.
struct VrrpLocalAddress {
    TimePoint now;
    std::string interface;
    wire::IpAddress address;  // its family is the router family it applies to
};
// Whether this agent holds the cluster's quorum (for routers with require_quorum).
struct VrrpQuorum {
    TimePoint now;
    bool held = false;
};
// Graceful stop: masters send priority 0 and remove their VIPs; everything goes initialize.
struct VrrpShutdown {
    TimePoint now;
};
// CheckResult (core/events.h) is shared with the Node: the daemon feeds each result to both.
using VrrpEvent = std::variant<VrrpStartup, VrrpTick, VrrpAdvertReceived, VrrpLocalAddress,
                               VrrpQuorum, CheckResult, VrrpShutdown>;

struct VrrpSend {
    std::size_t router;
    std::uint8_t priority;  // the effective priority, or 0 when leaving master
};
struct VrrpVipChange {
    VipChange::Kind kind;
    std::size_t router;  // all of the router's VIPs
};
struct VrrpStateChange {
    std::size_t router;
    VrrpState from;
    VrrpState to;
    std::string reason;  // "master down timer expired", "higher priority 200 from 198.18.0.2",
                         // "check uplink failing", "no quorum", "sync group edge", ...
    int priority = 0;    // effective priority at the time
};

struct VrrpActions {
    // The caller carries these out in this order.
    // 1. Add and remove addresses (a router leaving master removes its VIPs before its
    //    priority-0 advert in step 3 invites a backup to take over).
    std::vector<VrrpVipChange> vip_changes;
    // 2. Start a gratuitous ARP / unsolicited NA burst for each of these routers' VIPs.
    std::vector<std::size_t> announcements;
    // 3. Send these adverts, in order, each to the router's multicast group on its
    //    interface, or to each of its unicast peers.
    std::vector<VrrpSend> sends;
    // 4. Log, record, run notify hooks.
    std::vector<VrrpStateChange> state_changes;
    // Call step(VrrpTick) no later than this.
    TimePoint next_wakeup = TimePoint::never();
};

struct VrrpRouterStatus {
    VrrpState state = VrrpState::initialize;
    bool active = false;          // this node takes part (has a priority)
    int priority = 0;             // effective, now
    int configured_priority = 0;
    wire::IpAddress master;       // the master's address as last heard; ours when master
    int master_priority = 0;      // as last heard; ours when master
    std::uint16_t master_adver_int_cs = 0;
    TimePoint master_down_at = TimePoint::never();  // backup: when it would take over
    std::string fault;            // why in fault ("" otherwise)
    bool waiting_for_sync_group = false;  // timer fired, waiting for the other members
    std::uint64_t became_master = 0;      // transitions to master since start
    std::uint64_t adverts_received = 0;
};

class VrrpSet {
public:
    // REQUIRES: config is valid (parse_config); `config` and `logger` outlive the set.
    VrrpSet(const Config& config, std::size_t self, Logger& logger);
    ~VrrpSet();

    [[nodiscard]] VrrpActions step(const VrrpEvent& event);

    std::size_t size() const;  // == config.vrrp.size()
    VrrpRouterStatus status(std::size_t router) const;
    std::size_t timers_pending() const;  // entries in the timer heap (for tests and bench)

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;  // pimpl: the heap and per-router state stay out of here
};

}  // namespace vigil::core
