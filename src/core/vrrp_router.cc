// One virtual router's RFC 9568 §6.4 transitions, and the sync group rules (core/vrrp.h).
#include <algorithm>

#include "core/vrrp_impl.h"
#include "core/vrrp_intervals.h"

namespace vigil::core {

int VrrpSet::Impl::effective_priority(std::size_t i) const {
    const VrrpRouter& r = routers[i];
    // The owner's 255 says "I hold these addresses": weights do not move it (a weight-0
    // check or the quorum can still put it in fault).
    if (r.configured_priority >= kVrrpOwnerPriority) return kVrrpOwnerPriority;
    int p = r.configured_priority;
    for (std::size_t c : r.config->checks) {
        if (c >= checks.size()) continue;
        const int w = checks[c].config().weight;
        if (w < 0 && !checks[c].passing()) p += w;
        if (w > 0 && checks[c].passing()) p += w;
    }
    return std::clamp(p, kPriorityMin, kVrrpOwnerPriority - 1);
}

std::string VrrpSet::Impl::own_fault_reason(std::size_t i) const {
    const VrrpRouter& r = routers[i];
    for (std::size_t c : r.config->checks) {
        if (c >= checks.size()) continue;
        if (checks[c].config().weight == 0 && !checks[c].passing())
            return "check " + checks[c].config().name + " failing";
    }
    if (r.config->require_quorum && !quorum) return "no quorum";
    return "";
}

void VrrpSet::Impl::start_router(std::size_t i) {
    VrrpRouter& r = routers[i];
    r.waiting = false;
    r.master = wire::IpAddress{};
    r.master.ipv6 = r.config->ipv6;
    r.master_priority = 0;
    r.master_adver_int_cs = r.config->advert_interval_cs;  // RFC: = Advertisement_Interval
    if (!r.own_fault.empty()) {
        become_fault(i, r.own_fault);
        return;
    }
    const bool owner = r.priority == kVrrpOwnerPriority;
    // In a sync group an owner goes master at once only with every other member: a lone
    // master member would be pulled back to backup by its group straight away.
    const bool group_allows = r.sync_group == kNoSyncGroup || groups[r.sync_group].all_owners;
    if (owner && group_allows)
        become_master(i, "startup: address owner (priority 255)");
    else
        become_backup(i, "startup", r.config->advert_interval_cs, false);
}

void VrrpSet::Impl::timer_fired(std::size_t i) {
    VrrpRouter& r = routers[i];
    if (r.state == VrrpState::master) {  // Adver_Timer
        out->sends.push_back({i, static_cast<std::uint8_t>(r.priority)});
        timers.set(i, now + vrrp_interval_us(r.config->advert_interval_cs));
        return;
    }
    if (r.state != VrrpState::backup) return;  // Master_Down_Timer
    if (r.sync_group != kNoSyncGroup) {
        r.waiting = true;  // settle_group() promotes the members together, or not yet
        mark_dirty(i);
        return;
    }
    become_master(i, "master down timer expired");
}

void VrrpSet::Impl::advert_in_backup(std::size_t i, const VrrpAdvertReceived& ev) {
    VrrpRouter& r = routers[i];
    r.master = ev.sender;
    r.master_priority = ev.priority;
    if (ev.priority == 0) {  // the master is leaving: take over after Skew_Time
        arm_master_down(i, vrrp_skew_time_us(r.priority, r.master_adver_int_cs));
        if (r.waiting) {
            r.waiting = false;
            mark_dirty(i);
        }
        return;
    }
    const bool owner = r.priority == kVrrpOwnerPriority;
    // RFC 9568 §6.1: the address owner always preempts. preempt_delay_ms (keepalived): a
    // preempting backup follows a lower-priority master for that long after start-up.
    bool preempt = r.config->preempt || owner;
    if (preempt && !owner && r.config->preempt_delay_ms > 0 &&
        now < started_at + ms(r.config->preempt_delay_ms))
        preempt = false;
    if (preempt && ev.priority < r.priority) return;  // discard: our down timer will fire
    // A zero interval never passes wire::decode_vrrp; 1 cs keeps the arithmetic sane anyway.
    r.master_adver_int_cs = std::max<int>(1, ev.max_advert_int_cs);
    arm_master_down(i, vrrp_master_down_interval_us(r.priority, r.master_adver_int_cs));
    if (r.waiting) {
        r.waiting = false;  // a master is heard again: no longer ready to take over
        mark_dirty(i);
    }
}

void VrrpSet::Impl::advert_in_master(std::size_t i, const VrrpAdvertReceived& ev) {
    VrrpRouter& r = routers[i];
    if (ev.priority == 0) {  // another master is leaving: make sure the backups hear us
        out->sends.push_back({i, static_cast<std::uint8_t>(r.priority)});
        timers.set(i, now + vrrp_interval_us(r.config->advert_interval_cs));
        return;
    }
    const bool higher = ev.priority > r.priority;
    // RFC 9568 §6.4.3: on equal priority the greater primary address wins, compared as
    // unsigned integers (IpAddress ordering).
    const bool tie_lost = ev.priority == r.priority && ev.sender > local_address(i);
    if (!higher && !tie_lost) return;  // discard; our next advert tells them
    r.master = ev.sender;
    r.master_priority = ev.priority;
    std::string reason = higher ? "higher priority " : "equal priority ";
    reason += std::to_string(ev.priority);
    reason += higher ? " from " : " from higher address ";
    reason += vrrp_address_text(ev.sender);
    become_backup(i, std::move(reason), std::max<int>(1, ev.max_advert_int_cs), false);
}

void VrrpSet::Impl::refresh(std::size_t i) {
    VrrpRouter& r = routers[i];
    const int priority = effective_priority(i);
    if (priority != r.priority) {
        logger.event(Level::info, "vrrp_priority_change",
                     {{"group", r.config->name},
                      {"from", std::to_string(r.priority)},
                      {"to", std::to_string(priority)}});
        // A master advertises it with its next advert; a backup's next Master_Down_Timer
        // reset uses it (Skew_Time is computed from the priority at each reset).
        r.priority = priority;
    }
    std::string fault = own_fault_reason(i);
    if (fault == r.own_fault) return;
    r.own_fault = std::move(fault);
    if (r.state == VrrpState::initialize) return;  // not started: start_router() decides
    if (r.sync_group != kNoSyncGroup) {
        mark_dirty(i);
        return;
    }
    if (!r.own_fault.empty()) {
        if (r.state != VrrpState::fault)
            become_fault(i, r.own_fault);
        else
            r.fault = r.own_fault;  // another reason now, still fault
    } else if (r.state == VrrpState::fault) {
        become_backup(i, "fault cleared", r.config->advert_interval_cs, false);
    }
}

void VrrpSet::Impl::become_master(std::size_t i, std::string reason) {
    VrrpRouter& r = routers[i];
    r.waiting = false;
    r.fault.clear();
    r.became_master += 1;
    out->sends.push_back({i, static_cast<std::uint8_t>(r.priority)});
    out->vip_changes.push_back({VipChange::Kind::add, i});
    out->announcements.push_back(i);
    timers.set(i, now + vrrp_interval_us(r.config->advert_interval_cs));  // Adver_Timer
    state_change(i, VrrpState::master, std::move(reason));
}

void VrrpSet::Impl::become_backup(std::size_t i, std::string reason, int master_adver_int_cs,
                                  bool send_zero) {
    VrrpRouter& r = routers[i];
    if (r.state == VrrpState::master) {
        out->vip_changes.push_back({VipChange::Kind::remove, i});
        if (send_zero) out->sends.push_back({i, 0});
    }
    r.waiting = false;
    r.fault.clear();
    r.master_adver_int_cs = master_adver_int_cs;
    arm_master_down(i, vrrp_master_down_interval_us(r.priority, master_adver_int_cs));
    state_change(i, VrrpState::backup, std::move(reason));
}

void VrrpSet::Impl::become_fault(std::size_t i, std::string reason) {
    VrrpRouter& r = routers[i];
    if (r.state == VrrpState::master) {
        // VIPs first (VrrpActions order), then priority 0 so a backup takes over after
        // Skew_Time rather than Master_Down_Interval. Nothing is sent after this one.
        out->vip_changes.push_back({VipChange::Kind::remove, i});
        out->sends.push_back({i, 0});
    }
    timers.cancel(i);
    r.waiting = false;
    r.fault = reason;
    state_change(i, VrrpState::fault, std::move(reason));
}

void VrrpSet::Impl::become_initialize(std::size_t i, std::string reason) {
    VrrpRouter& r = routers[i];
    if (r.state == VrrpState::master) {
        out->vip_changes.push_back({VipChange::Kind::remove, i});
        out->sends.push_back({i, 0});  // RFC 9568 §6.4.3 Shutdown
    }
    timers.cancel(i);
    r.waiting = false;
    r.fault.clear();
    state_change(i, VrrpState::initialize, std::move(reason));
}

void VrrpSet::Impl::arm_master_down(std::size_t i, Micros after) {
    timers.set(i, now + after);
}

void VrrpSet::Impl::state_change(std::size_t i, VrrpState to, std::string reason) {
    VrrpRouter& r = routers[i];
    if (r.state == to) return;
    out->state_changes.push_back({i, r.state, to, std::move(reason), r.priority});
    r.state = to;
    mark_dirty(i);
}

void VrrpSet::Impl::mark_dirty(std::size_t i) {
    const std::size_t g = routers[i].sync_group;
    if (g == kNoSyncGroup || group_dirty[g]) return;
    group_dirty[g] = true;
    dirty_groups.push_back(g);
}

void VrrpSet::Impl::settle_groups() {
    // settle_group() may touch its own group again; the second pass over it changes
    // nothing, so this loop ends (each group settles in a bounded number of passes).
    while (!dirty_groups.empty()) {
        const std::size_t g = dirty_groups.back();
        dirty_groups.pop_back();
        group_dirty[g] = false;
        settle_group(g);
    }
}

void VrrpSet::Impl::settle_group(std::size_t g) {
    if (!started) return;
    const VrrpSyncGroup& group = groups[g];
    const std::string prefix = "sync group " + group.name + ": ";
    // 1. A member with a fault of its own puts every member in fault.
    for (std::size_t f : group.members) {
        if (routers[f].own_fault.empty()) continue;
        for (std::size_t m : group.members) {
            VrrpRouter& r = routers[m];
            std::string reason = !r.own_fault.empty()
                                     ? r.own_fault
                                     : prefix + routers[f].config->name + " in fault (" +
                                           routers[f].own_fault + ")";
            if (r.state != VrrpState::fault)
                become_fault(m, std::move(reason));
            else
                r.fault = std::move(reason);
        }
        return;
    }
    // 2. No member has a fault of its own any more: those in fault start again as backups.
    bool cleared = false;
    for (std::size_t m : group.members) {
        if (routers[m].state != VrrpState::fault) continue;
        become_backup(m, "fault cleared", routers[m].config->advert_interval_cs, false);
        cleared = true;
    }
    if (cleared) return;
    // 3. A member following a master takes the masters to backup. They leave with priority
    //    0, as a member shutting down would: the peer that holds the rest of the group
    //    takes these over after Skew_Time.
    const std::size_t none = routers.size();
    std::size_t following = none;
    bool any_master = false, any_waiting = false;
    for (std::size_t m : group.members) {
        const VrrpRouter& r = routers[m];
        if (r.state == VrrpState::backup && !r.waiting && following == none) following = m;
        any_master |= r.state == VrrpState::master;
        any_waiting |= r.state == VrrpState::backup && r.waiting;
    }
    if (following != none) {
        if (!any_master) return;
        for (std::size_t m : group.members)
            if (routers[m].state == VrrpState::master)
                become_backup(m, prefix + routers[following].config->name + " went backup",
                              routers[m].config->advert_interval_cs, true);
        return;
    }
    // 4. Every member is master or its Master_Down_Timer fired: those waiting go master.
    if (!any_waiting) return;
    for (std::size_t m : group.members)
        if (routers[m].state == VrrpState::backup && routers[m].waiting)
            become_master(m, "master down timer expired (" + prefix + "all members ready)");
}

}  // namespace vigil::core
