// VrrpSet (core/vrrp.h): construction, the public API and the events. One router's
// transitions and the sync groups are in vrrp_router.cc.
#include "core/vrrp.h"

#include <algorithm>
#include <cstdio>

#include "core/vrrp_impl.h"

namespace vigil::core {

const char* vrrp_state_name(VrrpState state) {
    switch (state) {
        case VrrpState::initialize: return "initialize";
        case VrrpState::backup: return "backup";
        case VrrpState::master: return "master";
        case VrrpState::fault: return "fault";
    }
    return "unknown";
}

std::string vrrp_address_text(const wire::IpAddress& a) {
    char buf[48];
    if (!a.ipv6) {
        std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", a.bytes[0], a.bytes[1], a.bytes[2],
                      a.bytes[3]);
        return buf;
    }
    // RFC 5952: lower-case hex, the longest run (>= 2) of zero groups as "::".
    unsigned g[8];
    for (int i = 0; i < 8; ++i) g[i] = (a.bytes[2 * i] << 8) | a.bytes[2 * i + 1];
    int best = -1, best_len = 0;
    for (int i = 0; i < 8;) {
        if (g[i] != 0) {
            ++i;
            continue;
        }
        int j = i;
        while (j < 8 && g[j] == 0) ++j;
        if (j - i > best_len && j - i >= 2) best = i, best_len = j - i;
        i = j;
    }
    std::string s;
    for (int i = 0; i < 8; ++i) {
        if (i == best) {
            s += "::";
            i += best_len - 1;
            continue;
        }
        if (!s.empty() && s.back() != ':') s += ':';
        std::snprintf(buf, sizeof buf, "%x", g[i]);
        s += buf;
    }
    return s;
}

VrrpSet::Impl::Impl(const Config& config_, std::size_t self_, Logger& logger_)
    : config(config_), self(self_), logger(logger_), timers(config_.vrrp.size()) {
    for (const CheckConfig& c : config.checks) checks.emplace_back(c);
    check_routers.resize(config.checks.size());
    std::map<std::string, std::size_t> group_index;
    routers.resize(config.vrrp.size());
    for (std::size_t i = 0; i < config.vrrp.size(); ++i) {
        const VrrpConfig& vc = config.vrrp[i];
        VrrpRouter& r = routers[i];
        r.config = &vc;
        r.active = self < vc.priority.size() && vc.priority[self].has_value();
        r.configured_priority = r.active ? std::clamp(*vc.priority[self], kPriorityMin,
                                                      kPriorityMax)
                                         : 0;
        r.master_adver_int_cs = vc.advert_interval_cs;
        auto key = std::make_pair(vc.interface, vc.ipv6);
        auto [it, added] = address_index.try_emplace(key, addresses.size());
        if (added) {
            VrrpLocalSlot slot;
            slot.interface = vc.interface;
            slot.ipv6 = vc.ipv6;
            slot.address.ipv6 = vc.ipv6;
            addresses.push_back(slot);
        }
        r.address_slot = it->second;
        if (!r.active) continue;
        for (std::size_t c : vc.checks)
            if (c < check_routers.size()) check_routers[c].push_back(i);
        if (vc.require_quorum) quorum_routers.push_back(i);
        if (!vc.sync_group.empty()) {
            auto [g, gadded] = group_index.try_emplace(vc.sync_group, groups.size());
            if (gadded) {
                groups.push_back({vc.sync_group, {}, true});
            }
            r.sync_group = g->second;
            groups[g->second].members.push_back(i);
            if (r.configured_priority != kVrrpOwnerPriority) groups[g->second].all_owners = false;
        }
    }
    group_dirty.assign(groups.size(), false);
    for (std::size_t i = 0; i < routers.size(); ++i) {
        if (!routers[i].active) continue;
        routers[i].priority = effective_priority(i);
        routers[i].own_fault = own_fault_reason(i);
    }
}

VrrpSet::VrrpSet(const Config& config, std::size_t self, Logger& logger)
    : impl_(std::make_unique<Impl>(config, self, logger)) {}
VrrpSet::~VrrpSet() = default;

std::size_t VrrpSet::size() const {
    return impl_->routers.size();
}
std::size_t VrrpSet::timers_pending() const {
    return impl_->timers.size();
}

VrrpRouterStatus VrrpSet::status(std::size_t router) const {
    VrrpRouterStatus st;
    if (router >= impl_->routers.size()) return st;
    const VrrpRouter& r = impl_->routers[router];
    st.state = r.state;
    st.active = r.active;
    st.priority = r.priority;
    st.configured_priority = r.configured_priority;
    if (r.state == VrrpState::master) {
        st.master = impl_->local_address(router);
        st.master_priority = r.priority;
        st.master_adver_int_cs = static_cast<std::uint16_t>(r.config->advert_interval_cs);
    } else {
        st.master = r.master;
        st.master_priority = r.master_priority;
        st.master_adver_int_cs = static_cast<std::uint16_t>(r.master_adver_int_cs);
    }
    if (r.state == VrrpState::backup) st.master_down_at = impl_->timers.deadline(router);
    st.fault = r.fault;
    st.waiting_for_sync_group = r.waiting;
    st.became_master = r.became_master;
    st.adverts_received = r.adverts_received;
    return st;
}

VrrpActions VrrpSet::step(const VrrpEvent& event) {
    VrrpActions actions;
    Impl& m = *impl_;
    m.out = &actions;
    std::visit(
        [&](const auto& ev) {
            using T = std::decay_t<decltype(ev)>;
            // Time only moves forward inside the core: a late event does not rewind timers.
            m.now = std::max(m.now, ev.now);
            if constexpr (std::is_same_v<T, VrrpStartup>) m.on_startup();
            else if constexpr (std::is_same_v<T, VrrpTick>) m.on_tick();
            else if constexpr (std::is_same_v<T, VrrpAdvertReceived>) m.on_advert(ev);
            else if constexpr (std::is_same_v<T, VrrpLocalAddress>) m.on_local_address(ev);
            else if constexpr (std::is_same_v<T, VrrpQuorum>) m.on_quorum(ev.held);
            else if constexpr (std::is_same_v<T, CheckResult>) m.on_check(ev);
            else if constexpr (std::is_same_v<T, VrrpShutdown>) m.on_shutdown();
        },
        event);
    m.settle_groups();
    actions.next_wakeup = m.timers.next();
    m.out = nullptr;
    return actions;
}

void VrrpSet::Impl::on_startup() {
    if (started) return;  // a second start-up changes nothing
    started = true;
    started_at = now;
    for (std::size_t i = 0; i < routers.size(); ++i)
        if (routers[i].active) start_router(i);
}

void VrrpSet::Impl::on_tick() {
    // Deadline order; a timer re-armed while firing lies in the future (every interval is
    // > 0), so this ends.
    while (auto r = timers.pop_due(now)) timer_fired(*r);
}

void VrrpSet::Impl::on_advert(const VrrpAdvertReceived& ev) {
    if (ev.router >= routers.size()) {
        logger.event(Level::warn, "vrrp_advert_unknown_router",
                     {{"router", std::to_string(ev.router)}});
        return;
    }
    VrrpRouter& r = routers[ev.router];
    // Inactive, not started or shut down: hear nothing.
    if (!r.active || r.state == VrrpState::initialize) return;
    r.adverts_received += 1;
    if (ev.address_count != r.config->vips.size() && !r.count_mismatch_logged) {
        r.count_mismatch_logged = true;  // keepalived logs it too; not a reason to drop
        logger.event(Level::warn, "vrrp_address_count_mismatch",
                     {{"group", r.config->name},
                      {"from", vrrp_address_text(ev.sender)},
                      {"theirs", std::to_string(ev.address_count)},
                      {"ours", std::to_string(r.config->vips.size())}});
    }
    switch (r.state) {
        case VrrpState::initialize: return;
        case VrrpState::fault:
            r.master = ev.sender;
            r.master_priority = ev.priority;
            return;
        case VrrpState::backup: advert_in_backup(ev.router, ev); return;
        case VrrpState::master: advert_in_master(ev.router, ev); return;
    }
}

void VrrpSet::Impl::on_local_address(const VrrpLocalAddress& ev) {
    auto it = address_index.find({ev.interface, ev.address.ipv6});
    if (it == address_index.end()) return;  // no router on that interface and family
    addresses[it->second].address = ev.address;
}

void VrrpSet::Impl::on_quorum(bool held) {
    if (held == quorum) return;
    quorum = held;
    for (std::size_t r : quorum_routers) refresh(r);
}

void VrrpSet::Impl::on_check(const CheckResult& ev) {
    if (ev.check >= checks.size()) return;
    if (!checks[ev.check].on_result(ev.ok, ev.detail)) return;  // verdict unchanged
    for (std::size_t r : check_routers[ev.check]) refresh(r);
}

void VrrpSet::Impl::on_shutdown() {
    if (!started) return;
    started = false;
    for (std::size_t i = 0; i < routers.size(); ++i)
        if (routers[i].state != VrrpState::initialize) become_initialize(i, "shutdown");
}

}  // namespace vigil::core
