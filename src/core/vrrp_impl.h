// VrrpSet's insides (core/vrrp.h), shared by vrrp.cc (events in, the public API) and
// vrrp_router.cc (one router's RFC 9568 transitions and the sync groups). Not for other
// includers.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/checks.h"
#include "core/vrrp.h"
#include "core/vrrp_timers.h"

namespace vigil::core {

constexpr std::size_t kNoSyncGroup = static_cast<std::size_t>(-1);

struct VrrpRouter {
    const VrrpConfig* config = nullptr;
    bool active = false;          // priority[self] is set
    int configured_priority = 0;  // priority[self]
    int priority = 0;             // effective: configured + check weights, clamped
    std::size_t address_slot = 0;  // Impl::addresses index (interface, family)
    std::size_t sync_group = kNoSyncGroup;

    VrrpState state = VrrpState::initialize;
    int master_adver_int_cs = 0;  // Master_Adver_Interval
    wire::IpAddress master;       // as last heard (ours while master)
    int master_priority = 0;
    std::string own_fault;        // this router's own reason (check, quorum); "" = none
    std::string fault;            // why in fault now (own, or a sync group member's)
    bool waiting = false;         // backup, Master_Down_Timer fired, sync group not ready
    bool count_mismatch_logged = false;
    std::uint64_t became_master = 0;
    std::uint64_t adverts_received = 0;
};

struct VrrpSyncGroup {
    std::string name;
    std::vector<std::size_t> members;  // active routers only (inactive ones never move)
    bool all_owners = false;           // every member has priority 255
};

struct VrrpLocalSlot {
    std::string interface;
    bool ipv6 = false;
    wire::IpAddress address;  // zero until VrrpLocalAddress names it
};

struct VrrpSet::Impl {
    Impl(const Config& config, std::size_t self, Logger& logger);

    const Config& config;
    std::size_t self;
    Logger& logger;

    std::vector<VrrpRouter> routers;
    std::vector<VrrpSyncGroup> groups;
    std::vector<CheckTracker> checks;                    // Config::checks order
    std::vector<std::vector<std::size_t>> check_routers;  // check -> active routers using it
    std::vector<std::size_t> quorum_routers;              // active routers with require_quorum
    std::vector<VrrpLocalSlot> addresses;
    std::map<std::pair<std::string, bool>, std::size_t> address_index;
    VrrpTimers timers;

    bool started = false;
    TimePoint started_at;
    bool quorum = false;  // until VrrpQuorum says otherwise: require_quorum routers wait

    // Per step.
    VrrpActions* out = nullptr;
    TimePoint now;
    std::vector<std::size_t> dirty_groups;
    std::vector<bool> group_dirty;

    // vrrp.cc: the events.
    void on_startup();
    void on_tick();
    void on_advert(const VrrpAdvertReceived& ev);
    void on_local_address(const VrrpLocalAddress& ev);
    void on_quorum(bool held);
    void on_check(const CheckResult& ev);
    void on_shutdown();

    // vrrp_router.cc: one router.
    int effective_priority(std::size_t r) const;
    std::string own_fault_reason(std::size_t r) const;
    const wire::IpAddress& local_address(std::size_t r) const {
        return addresses[routers[r].address_slot].address;
    }
    void start_router(std::size_t r);
    void timer_fired(std::size_t r);
    void advert_in_backup(std::size_t r, const VrrpAdvertReceived& ev);
    void advert_in_master(std::size_t r, const VrrpAdvertReceived& ev);
    void refresh(std::size_t r);  // priority and fault after a check or quorum change
    void become_master(std::size_t r, std::string reason);
    void become_backup(std::size_t r, std::string reason, int master_adver_int_cs,
                       bool send_zero);
    void become_fault(std::size_t r, std::string reason);
    void become_initialize(std::size_t r, std::string reason);
    void arm_master_down(std::size_t r, Micros after);
    void state_change(std::size_t r, VrrpState to, std::string reason);
    void mark_dirty(std::size_t r);
    void settle_groups();  // the sync group rules, for every group touched in this step
    void settle_group(std::size_t g);
};

// "198.18.0.2", "fd00::2": for reasons and logs (kept here so the core needs nothing but
// the IpAddress layout from wire/vrrp.h).
std::string vrrp_address_text(const wire::IpAddress& address);

}  // namespace vigil::core
