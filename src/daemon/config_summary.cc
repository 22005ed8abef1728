// The two things said about a Config once it is valid: its digest, which nodes compare to
// notice that they run different configs, and the one-line summary of `vigil check-config`.
#include <openssl/evp.h>

#include <set>

#include "daemon/config_parse.h"
#include "daemon/toml_reader.h"

namespace vigil::daemon {

using toml_reader::counted;
using toml_reader::join;

namespace {

// Length-prefixed fields, so that no two different configs serialize alike.
class Canonical {
public:
    void field(std::string_view tag, std::string_view value) {
        out_ += std::string(tag) + "=" + std::to_string(value.size()) + ":";
        out_ += value;
        out_ += '\n';
    }
    void field(std::string_view tag, std::int64_t value) { field(tag, std::to_string(value)); }
    const std::string& bytes() const { return out_; }

private:
    std::string out_;
};

const char* kind_name(core::ResourceConfig::Kind kind) {
    switch (kind) {
        case core::ResourceConfig::Kind::command: return "command";
        case core::ResourceConfig::Kind::exec: return "exec";
        case core::ResourceConfig::Kind::systemd_unit: return "systemd_unit";
    }
    return "unknown";
}

const char* kind_name(core::CheckConfig::Kind kind) {
    switch (kind) {
        case core::CheckConfig::Kind::command: return "command";
        case core::CheckConfig::Kind::tcp: return "tcp";
        case core::CheckConfig::Kind::http: return "http";
        case core::CheckConfig::Kind::ping: return "ping";
    }
    return "unknown";
}

}  // namespace

std::array<std::uint8_t, 32> compute_config_digest(const core::Config& config) {
    Canonical c;
    // 2: quorum, witness, fencing keys; 3: resources, checks, failure_timeout_s.
    c.field("format", "vigil-config-digest-3");
    const core::ClusterConfig& k = config.cluster;
    c.field("cluster.name", k.name);
    c.field("cluster.heartbeat_interval_ms", k.heartbeat_interval_ms);
    c.field("cluster.dead_time_ms", k.dead_time_ms);
    // Effective values: leaving a key at its default and spelling the default out mean
    // the same thing and must not look like a config mismatch.
    c.field("cluster.warn_time_ms", config.effective_warn_time_ms());
    c.field("cluster.init_dead_ms", config.effective_init_dead_ms());
    c.field("cluster.port", k.port);
    c.field("cluster.announce_count", k.announce_count);
    c.field("cluster.announce_interval_ms", k.announce_interval_ms);
    c.field("cluster.notify_timeout_ms", k.notify_timeout_ms);
    // state_dir is left out, like the key file paths: each node may keep its state
    // elsewhere. The lease margin by its effective value, as above.
    c.field("cluster.two_node", k.two_node ? 1 : 0);
    c.field("cluster.tiebreaker", k.tiebreaker);
    c.field("cluster.tiebreaker_interval_ms", k.tiebreaker_interval_ms);
    c.field("cluster.clock_drift_max_ppm", k.clock_drift_max_ppm);
    c.field("cluster.lease_margin_ms", config.effective_lease_margin_ms());
    c.field("cluster.fence_timeout_ms", k.fence_timeout_ms);
    c.field("cluster.fence_retry_ms", k.fence_retry_ms);
    c.field("node.count", static_cast<std::int64_t>(config.nodes.size()));
    for (const auto& node : config.nodes) {
        c.field("node.name", node.name);
        c.field("node.witness", node.witness ? 1 : 0);
        c.field("node.address.count", static_cast<std::int64_t>(node.addresses.size()));
        for (const auto& address : node.addresses) c.field("node.address", address);
    }
    c.field("group.count", static_cast<std::int64_t>(config.groups.size()));
    for (const auto& group : config.groups) {
        c.field("group.name", group.name);
        for (const auto& p : group.priority) c.field("group.priority", p ? *p : 0);
        c.field("group.preempt", group.preempt ? 1 : 0);
        c.field("group.notify", group.notify);
        c.field("group.fence", group.fence);
        c.field("group.vip.count", static_cast<std::int64_t>(group.vips.size()));
        for (const auto& vip : group.vips) {
            c.field("group.vip.address", vip.cidr());
            c.field("group.vip.interface", vip.interface);
        }
        // By name: the resources and checks themselves follow, in file order.
        c.field("group.resource.count", static_cast<std::int64_t>(group.resources.size()));
        for (std::size_t r : group.resources)
            c.field("group.resource", config.resources.at(r).name);
        c.field("group.check.count", static_cast<std::int64_t>(group.checks.size()));
        for (std::size_t k : group.checks) c.field("group.check", config.checks.at(k).name);
        c.field("group.failure_timeout_s", group.failure_timeout_s);
        // Only when enabled, so that a file without stores keeps its digest (rolling
        // upgrade). data_dir is left out: each node may keep its data elsewhere.
        if (group.store.enabled) {
            c.field("group.store.port", group.store.port);
            c.field("group.store.replication_port", group.store.replication_port);
            c.field("group.store.snapshot_entries", group.store.snapshot_entries);
            c.field("group.store.request_timeout_ms", group.store.request_timeout_ms);
        }
    }
    c.field("resource.count", static_cast<std::int64_t>(config.resources.size()));
    for (const auto& r : config.resources) {
        c.field("resource.name", r.name);
        c.field("resource.kind", kind_name(r.kind));
        c.field("resource.start", r.start);  // the exec command line for kind exec
        c.field("resource.stop", r.stop);
        c.field("resource.monitor", r.monitor);
        c.field("resource.unit", r.unit);
        c.field("resource.monitor_interval_ms", r.monitor_interval_ms);
        c.field("resource.timeout_ms", r.timeout_ms);
        c.field("resource.max_restarts", r.max_restarts);
        c.field("resource.restart_window_s", r.restart_window_s);
    }
    c.field("check.count", static_cast<std::int64_t>(config.checks.size()));
    for (const auto& k : config.checks) {
        c.field("check.name", k.name);
        c.field("check.kind", kind_name(k.kind));
        c.field("check.target", k.target);
        c.field("check.interval_ms", k.interval_ms);
        c.field("check.timeout_ms", k.timeout_ms);
        c.field("check.fall", k.fall);
        c.field("check.rise", k.rise);
        c.field("check.weight", k.weight);
    }
    // VRRP routers: appended only when present, so that a file without them keeps the
    // digest it had before they existed (a rolling upgrade sees no mismatch).
    if (!config.vrrp.empty()) c.field("vrrp.count", static_cast<std::int64_t>(config.vrrp.size()));
    for (const auto& r : config.vrrp) {
        c.field("vrrp.name", r.name);
        c.field("vrrp.vrid", r.vrid);
        c.field("vrrp.interface", r.interface);
        c.field("vrrp.ipv6", r.ipv6 ? 1 : 0);
        c.field("vrrp.advert_interval_cs", r.advert_interval_cs);
        for (const auto& p : r.priority) c.field("vrrp.priority", p ? *p : 0);
        c.field("vrrp.placement_spread", r.placement_spread ? 1 : 0);
        c.field("vrrp.preempt", r.preempt ? 1 : 0);
        c.field("vrrp.preempt_delay_ms", r.preempt_delay_ms);
        c.field("vrrp.accept_mode", r.accept_mode ? 1 : 0);
        c.field("vrrp.unicast_peer.count", static_cast<std::int64_t>(r.unicast_peers.size()));
        for (const auto& peer : r.unicast_peers) c.field("vrrp.unicast_peer", peer);
        c.field("vrrp.vip.count", static_cast<std::int64_t>(r.vips.size()));
        for (const auto& vip : r.vips) {
            c.field("vrrp.vip.address", vip.cidr());
            c.field("vrrp.vip.interface", vip.interface);
        }
        c.field("vrrp.notify", r.notify);
        c.field("vrrp.check.count", static_cast<std::int64_t>(r.checks.size()));
        for (std::size_t k : r.checks) c.field("vrrp.check", config.checks.at(k).name);
        c.field("vrrp.sync_group", r.sync_group);
        c.field("vrrp.require_quorum", r.require_quorum ? 1 : 0);
    }
    std::array<std::uint8_t, 32> digest{};
    unsigned int size = 0;
    const int ok =
        EVP_Digest(c.bytes().data(), c.bytes().size(), digest.data(), &size, EVP_sha256(), nullptr);
    VIGIL_ASSERT(ok == 1);  // SHA-256 over memory cannot fail short of a broken libcrypto
    VIGIL_ASSERT(size == digest.size());
    return digest;
}

std::string describe_config(const core::Config& config) {
    std::vector<std::string> node_names;
    for (const auto& node : config.nodes)
        node_names.push_back(node.witness ? node.name + " [witness]" : node.name);
    const std::size_t links = config.nodes.empty() ? 0 : config.nodes[0].addresses.size();
    std::string quorum = "quorum " + std::to_string(config.quorum_size()) + " of " +
                         std::to_string(config.voter_count());
    if (config.cluster.two_node)
        quorum = config.cluster.tiebreaker.empty()
                     ? "two_node (no quorum)"
                     : "two_node (no quorum, tiebreaker " + config.cluster.tiebreaker + ")";
    std::string out = "config ok: cluster " + config.cluster.name + ", " +
                      counted(config.nodes.size(), "node") + " (" + join(node_names) + "), " +
                      counted(links, "link") + ", " + quorum + ", " +
                      counted(config.groups.size(), "group");
    constexpr std::size_t kGroupsListed = 8;  // a summary line, not a listing
    std::vector<std::string> listed;
    for (std::size_t g = 0; g < config.groups.size() && g < kGroupsListed; ++g) {
        const core::GroupConfig& group = config.groups[g];
        listed.push_back(group.name + ": " + counted(group.vips.size(), "vip"));
    }
    if (config.groups.size() > kGroupsListed)
        listed.push_back(std::to_string(config.groups.size() - kGroupsListed) + " more");
    if (!listed.empty()) out += " (" + join(listed) + ")";
    if (!config.vrrp.empty()) {
        std::set<std::string> interfaces;
        for (const auto& r : config.vrrp) interfaces.insert(r.interface);
        out += ", " + counted(config.vrrp.size(), "vrrp router") + " on " +
               counted(interfaces.size(), "interface");
    }
    if (!config.resources.empty()) out += ", " + counted(config.resources.size(), "resource");
    if (!config.checks.empty()) out += ", " + counted(config.checks.size(), "check");
    return out;
}

}  // namespace vigil::daemon
