// Reload: the split between live and restart-only keys, and the index layout that lets the
// core keep its per-resource state across a reload (see config_reload.h).
#include "daemon/config_reload.h"

#include <algorithm>
#include <optional>

#include "common/assert.h"

namespace vigil::daemon {

using core::Config;

namespace {

class Keys {
public:
    template <typename T>
    void compare(const std::string& key, const T& running, const T& next) {
        if (!(running == next)) out_.push_back(key + " changed: needs a restart");
    }
    // A key whose 0 means "derived from another key": changed when the value in force and
    // the value written both changed (a changed base key is reported on its own, and
    // spelling out the derived default is no change).
    void compare_derived(const std::string& key, int running_raw, int next_raw,
                         int running_effective, int next_effective) {
        if (running_raw != next_raw && running_effective != next_effective)
            out_.push_back(key + " changed: needs a restart");
    }
    void add(std::string line) { out_.push_back(std::move(line)); }
    std::vector<std::string> take() { return std::move(out_); }

private:
    std::vector<std::string> out_;
};

std::string names(const std::vector<std::string>& list) {
    std::string out;
    for (const auto& n : list) out += (out.empty() ? "" : ", ") + n;
    return out.empty() ? "none" : out;
}

template <typename T>
std::vector<std::string> names_of(const std::vector<T>& items) {
    std::vector<std::string> out;
    for (const auto& i : items) out.push_back(i.name);
    return out;
}

std::vector<std::string> resource_names(const Config& config,
                                        const std::vector<std::size_t>& list) {
    std::vector<std::string> out;
    for (std::size_t r : list) out.push_back(config.resources[r].name);
    return out;
}

std::vector<std::string> check_names(const Config& config, const std::vector<std::size_t>& list) {
    std::vector<std::string> out;
    for (std::size_t c : list) out.push_back(config.checks[c].name);
    return out;
}

void compare_cluster(const Config& a, const Config& b, Keys& keys) {
    const core::ClusterConfig& x = a.cluster;
    const core::ClusterConfig& y = b.cluster;
    keys.compare("cluster.name", x.name, y.name);
    keys.compare("cluster.auth_key_file", x.auth_key_file, y.auth_key_file);
    keys.compare("cluster.auth_key_next_file", x.auth_key_next_file, y.auth_key_next_file);
    keys.compare("cluster.heartbeat_interval_ms", x.heartbeat_interval_ms, y.heartbeat_interval_ms);
    keys.compare("cluster.dead_time_ms", x.dead_time_ms, y.dead_time_ms);
    keys.compare_derived("cluster.warn_time_ms", x.warn_time_ms, y.warn_time_ms,
                         a.effective_warn_time_ms(), b.effective_warn_time_ms());
    keys.compare_derived("cluster.init_dead_ms", x.init_dead_ms, y.init_dead_ms,
                         a.effective_init_dead_ms(), b.effective_init_dead_ms());
    keys.compare("cluster.port", x.port, y.port);
    keys.compare("cluster.announce_count", x.announce_count, y.announce_count);
    keys.compare("cluster.announce_interval_ms", x.announce_interval_ms, y.announce_interval_ms);
    keys.compare("cluster.notify_timeout_ms", x.notify_timeout_ms, y.notify_timeout_ms);
    keys.compare("cluster.two_node", x.two_node, y.two_node);
    keys.compare("cluster.tiebreaker", x.tiebreaker, y.tiebreaker);
    keys.compare("cluster.tiebreaker_interval_ms", x.tiebreaker_interval_ms,
                 y.tiebreaker_interval_ms);
    keys.compare("cluster.clock_drift_max_ppm", x.clock_drift_max_ppm, y.clock_drift_max_ppm);
    keys.compare_derived("cluster.lease_margin_ms", x.lease_margin_ms, y.lease_margin_ms,
                         a.effective_lease_margin_ms(), b.effective_lease_margin_ms());
    keys.compare("cluster.fence_timeout_ms", x.fence_timeout_ms, y.fence_timeout_ms);
    keys.compare("cluster.fence_retry_ms", x.fence_retry_ms, y.fence_retry_ms);
    keys.compare("cluster.state_dir", x.state_dir, y.state_dir);
}

void compare_nodes(const Config& a, const Config& b, Keys& keys) {
    if (names_of(a.nodes) != names_of(b.nodes)) {
        keys.add("nodes changed (" + names(names_of(a.nodes)) + " -> " + names(names_of(b.nodes)) +
                 "): needs a restart");
        return;
    }
    for (std::size_t n = 0; n < a.nodes.size(); ++n) {
        const std::string key = "node " + a.nodes[n].name + ": ";
        keys.compare(key + "address", a.nodes[n].addresses, b.nodes[n].addresses);
        keys.compare(key + "witness", a.nodes[n].witness, b.nodes[n].witness);
    }
}

bool same_vips(const std::vector<core::VipConfig>& a, const std::vector<core::VipConfig>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].cidr() != b[i].cidr() || a[i].interface != b[i].interface) return false;
    return true;
}

void compare_groups(const Config& a, const Config& b, Keys& keys) {
    if (names_of(a.groups) != names_of(b.groups)) {
        keys.add("groups changed (" + names(names_of(a.groups)) + " -> " +
                 names(names_of(b.groups)) + "): needs a restart");
        return;
    }
    for (std::size_t g = 0; g < a.groups.size(); ++g) {
        const core::GroupConfig& x = a.groups[g];
        const core::GroupConfig& y = b.groups[g];
        const std::string key = "group " + x.name + ": ";
        keys.compare(key + "priority", x.priority, y.priority);
        keys.compare(key + "preempt", x.preempt, y.preempt);
        if (!same_vips(x.vips, y.vips)) keys.add(key + "vip changed: needs a restart");
        keys.compare(key + "fence", x.fence, y.fence);
        // The store's files and listening ports are opened once, at start.
        if (!(x.store == y.store)) keys.add(key + "store changed: needs a restart");
    }
}

// The live changes, for the operator and the log.
std::vector<std::string> describe_changes(const Config& a, const Config& b) {
    std::vector<std::string> out;
    auto find_resource = [](const Config& c,
                            const std::string& name) -> const core::ResourceConfig* {
        auto i = c.resource_index(name);
        return i ? &c.resources[*i] : nullptr;
    };
    for (const auto& r : b.resources) {
        if (r.retired) continue;
        const auto* old = find_resource(a, r.name);
        if (!old)
            out.push_back("resource " + r.name + " added");
        else if (!(*old == r))
            out.push_back("resource " + r.name + " changed");
    }
    for (const auto& r : a.resources)
        if (!r.retired && !find_resource(b, r.name))
            out.push_back("resource " + r.name + " removed");
    for (const auto& c : b.checks) {
        auto old = std::find_if(a.checks.begin(), a.checks.end(),
                                [&](const core::CheckConfig& o) { return o.name == c.name; });
        if (old == a.checks.end())
            out.push_back("check " + c.name + " added");
        else if (!(*old == c))
            out.push_back("check " + c.name + " changed");
    }
    for (const auto& c : a.checks) {
        auto now = std::find_if(b.checks.begin(), b.checks.end(),
                                [&](const core::CheckConfig& o) { return o.name == c.name; });
        if (now == b.checks.end()) out.push_back("check " + c.name + " removed");
    }
    for (std::size_t g = 0; g < a.groups.size() && g < b.groups.size(); ++g) {
        const core::GroupConfig& x = a.groups[g];
        const core::GroupConfig& y = b.groups[g];
        const std::string key = "group " + x.name + " ";
        auto ra = resource_names(a, x.resources), rb = resource_names(b, y.resources);
        if (ra != rb) out.push_back(key + "resources: " + names(ra) + " -> " + names(rb));
        auto ca = check_names(a, x.checks), cb = check_names(b, y.checks);
        if (ca != cb) out.push_back(key + "checks: " + names(ca) + " -> " + names(cb));
        if (x.notify != y.notify) out.push_back(key + "notify changed");
        if (x.failure_timeout_s != y.failure_timeout_s)
            out.push_back(key + "failure_timeout_s: " + std::to_string(x.failure_timeout_s) +
                          " -> " + std::to_string(y.failure_timeout_s));
    }
    return out;
}

}  // namespace

std::vector<std::string> restart_keys(const Config& running, const Config& next) {
    Keys keys;
    compare_cluster(running, next, keys);
    compare_nodes(running, next, keys);
    compare_groups(running, next, keys);
    // VRRP routers hold check indexes and sockets per interface; a live change is not worth
    // its failure modes yet (docs/vrrp.md "Reload").
    if (!(running.vrrp == next.vrrp))
        keys.add("vrrp3 groups changed: needs a restart");
    else if (!running.vrrp.empty() && !(running.checks == next.checks))
        keys.add("checks changed while vrrp3 groups use them: needs a restart");
    // The listeners are opened once at start; moving one live is not worth its failure modes.
    keys.compare("metrics", running.metrics, next.metrics);
    keys.compare("status_page", running.status_page, next.status_page);
    return keys.take();
}

ReloadPlan plan_reload(const Config& running, Config next) {
    ReloadPlan plan;
    plan.refusals = restart_keys(running, next);
    if (!plan.refusals.empty()) return plan;
    plan.changes = describe_changes(running, next);
    // Lay the resources out (config_reload.h): slots[i] is what index i holds from now on.
    std::vector<std::optional<core::ResourceConfig>> slots(running.resources.size());
    std::vector<std::vector<std::size_t>> lists(next.groups.size());
    for (std::size_t g = 0; g < running.groups.size(); ++g) {
        const auto& old_list = running.groups[g].resources;
        const auto& new_list = next.groups[g].resources;
        std::size_t first = 0;
        while (first < old_list.size() && first < new_list.size() &&
               running.resources[old_list[first]] == next.resources[new_list[first]])
            ++first;
        for (std::size_t i = 0; i < old_list.size(); ++i) {
            VIGIL_ASSERT(!running.resources[old_list[i]].retired);
            slots[old_list[i]] = running.resources[old_list[i]];
            if (i >= first)
                slots[old_list[i]]->retired = true;
            else
                lists[g].push_back(old_list[i]);
        }
    }
    // Every index left empty held a retired entry of an earlier reload: free again.
    std::size_t free_from = 0;
    auto take_index = [&](const core::ResourceConfig& rc) {
        while (free_from < slots.size() && slots[free_from]) ++free_from;
        if (free_from == slots.size()) slots.emplace_back();
        slots[free_from] = rc;
        plan.fresh.push_back(free_from);
        return free_from;
    };
    for (std::size_t g = 0; g < next.groups.size(); ++g) {
        const auto& new_list = next.groups[g].resources;
        for (std::size_t i = lists[g].size(); i < new_list.size(); ++i)
            lists[g].push_back(take_index(next.resources[new_list[i]]));
        next.groups[g].resources = lists[g];
    }
    for (std::size_t i = 0; i < slots.size(); ++i)
        if (!slots[i]) {
            slots[i] = running.resources[i];
            slots[i]->retired = true;
        }
    next.resources.clear();
    for (auto& s : slots) next.resources.push_back(std::move(*s));
    plan.merged = std::move(next);
    return plan;
}

}  // namespace vigil::daemon
