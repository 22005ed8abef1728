// Quorum, witness, leases, fencing and state-file keys of the config file. Method as in
// config_parse.cc: typed reads that record every problem with its line and key path, then
// cross-section checks with messages that say what to write instead.
#include "daemon/config_quorum.h"

#include <filesystem>
#include <map>
#include <string>

#include "daemon/ip_literal.h"

namespace vigil::daemon {

using namespace toml_reader;  // its helpers are this file's vocabulary

namespace {

using core::ClusterConfig;

struct QuorumInt {
    std::string_view key;
    int ClusterConfig::*field;
    std::int64_t lo;
    std::int64_t hi;
};

constexpr QuorumInt kQuorumInts[] = {
    {"tiebreaker_interval_ms", &ClusterConfig::tiebreaker_interval_ms, 100, 60000},
    {"clock_drift_max_ppm", &ClusterConfig::clock_drift_max_ppm, 1, 100000},
    {"lease_margin_ms", &ClusterConfig::lease_margin_ms, 0, 60000},
    {"fence_timeout_ms", &ClusterConfig::fence_timeout_ms, 100, 600000},
    {"fence_retry_ms", &ClusterConfig::fence_retry_ms, 100, 600000},
};

// The state directory is per node (like key file paths) and must not depend on the
// working directory the daemon was started from, so only absolute paths are accepted.
void read_state_dir(const toml::node& n, ClusterConfig& c, Problems& problems) {
    auto s = read_string(n, "cluster.state_dir", problems);
    if (!s) return;
    if (!std::filesystem::path(*s).is_absolute()) {
        problems.add(n, "cluster.state_dir",
                     quote(*s) + " is not an absolute path (expected a directory such as " +
                         "/var/lib/vigil)");
        return;
    }
    std::string dir = std::filesystem::path(*s).lexically_normal().string();
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    c.state_dir = dir;
}

void read_tiebreaker(const toml::node& n, ClusterConfig& c, Problems& problems) {
    auto s = read_string(n, "cluster.tiebreaker", problems);
    if (!s) return;
    auto ip = parse_ip(*s);
    if (!ip) {
        problems.add(n, "cluster.tiebreaker",
                     quote(*s) + " is not an address (expected a unicast IPv4 or IPv6 literal, " +
                         "e.g. the default gateway)");
        return;
    }
    c.tiebreaker = ip->canonical;
}

const toml::node* at_or(const toml::node* n, const toml::node& fallback) {
    return n != nullptr ? n : &fallback;
}

// The addresses the cluster itself uses, with the key path of each: a tie-breaker among
// them would always answer the node that holds it.
std::map<std::string, std::string> cluster_addresses(const core::Config& config) {
    std::map<std::string, std::string> used;
    for (std::size_t i = 0; i < config.nodes.size(); ++i)
        for (std::size_t l = 0; l < config.nodes[i].addresses.size(); ++l)
            used.emplace(config.nodes[i].addresses[l], element(element("node", i) + ".address", l));
    for (std::size_t g = 0; g < config.groups.size(); ++g)
        for (std::size_t v = 0; v < config.groups[g].vips.size(); ++v)
            used.emplace(config.groups[g].vips[v].address,
                         element(element("group", g) + ".vip", v) + ".address");
    return used;
}

void check_witness_priorities(const toml::table& root, const core::Config& config,
                              Problems& problems) {
    for (std::size_t g = 0; g < config.groups.size(); ++g) {
        const auto& priority = config.groups[g].priority;
        for (std::size_t i = 0; i < priority.size() && i < config.nodes.size(); ++i) {
            if (!priority[i] || !config.nodes[i].witness) continue;
            const std::string& name = config.nodes[i].name;
            const toml::node* at = root["group"][g]["priority"][name].node();
            const std::string path = member(element("group", g) + ".priority", name);
            problems.add(*at_or(at, root), path,
                         "node " + quote(name) + " is a witness (expected only full nodes: a " +
                             "witness votes but never holds a group)");
        }
    }
}

void check_two_node(const toml::table& root, const core::Config& config, std::size_t full,
                    Problems& problems) {
    const toml::node* cluster = root.get("cluster");
    const toml::node* nodes_at = root.get("node");
    const toml::node* two_node_at = cluster ? root["cluster"]["two_node"].node() : nullptr;
    std::optional<std::size_t> witness;
    for (std::size_t i = 0; i < config.nodes.size() && !witness; ++i)
        if (config.nodes[i].witness) witness = i;
    if (config.cluster.two_node && witness) {
        problems.add(*at_or(two_node_at, root), "cluster.two_node",
                     "true, but " + element("node", *witness) + " (" +
                         quote(config.nodes[*witness].name) + ") is a witness (expected " +
                         "two_node = false: the witness is the third voter)");
    } else if (config.cluster.two_node && full != 2) {
        problems.add(*at_or(two_node_at, root), "cluster.two_node",
                     "true with " + counted(full, "full node") +
                         " (expected exactly 2 full nodes and no witness)");
    } else if (!config.cluster.two_node && full == 2 && !witness && nodes_at != nullptr) {
        problems.add(*nodes_at, "node",
                     "a two-node cluster needs a witness node ([[node]] witness = true) or an "
                     "explicit two_node = true (split brain possible, see docs/design.md)");
    }
    const toml::node* tiebreaker_at = cluster ? root["cluster"]["tiebreaker"].node() : nullptr;
    if (config.cluster.tiebreaker.empty() || tiebreaker_at == nullptr) return;
    if (!config.cluster.two_node) {
        problems.add(*tiebreaker_at, "cluster.tiebreaker",
                     "only allowed with two_node = true (expected no tiebreaker: with a witness "
                     "or three or more voters, a majority decides)");
        return;
    }
    const auto used = cluster_addresses(config);
    if (auto it = used.find(config.cluster.tiebreaker); it != used.end())
        problems.add(*tiebreaker_at, "cluster.tiebreaker",
                     "address " + config.cluster.tiebreaker + " is already used by " + it->second +
                         " (expected an address outside the cluster, e.g. the " +
                         "default gateway)");
}

}  // namespace

void read_cluster_quorum(const toml::table& cluster, bool timing_ok, core::ClusterConfig& c,
                         Problems& problems) {
    if (const auto* n = cluster.get("two_node"))
        c.two_node = read_bool(*n, "cluster.two_node", problems).value_or(false);
    if (const auto* n = cluster.get("tiebreaker")) read_tiebreaker(*n, c, problems);
    if (const auto* n = cluster.get("state_dir")) read_state_dir(*n, c, problems);
    for (const QuorumInt& spec : kQuorumInts) {
        const toml::node* v = cluster.get(spec.key);
        if (v == nullptr) continue;
        auto i = read_int(*v, member("cluster", spec.key), spec.lo, spec.hi, problems);
        if (i) c.*spec.field = static_cast<int>(*i);
        // A margin as long as the dead time would leave no lease at all.
        if (i && spec.key == "lease_margin_ms" && timing_ok && *i >= c.dead_time_ms)
            problems.add(*v, "cluster.lease_margin_ms",
                         std::to_string(*i) + " is too long (expected 0 or less than " +
                             "dead_time_ms = " + std::to_string(c.dead_time_ms) + ")");
    }
}

void check_quorum(const toml::table& root, const core::Config& config, Problems& problems) {
    std::size_t full = 0;
    for (const auto& node : config.nodes) full += node.witness ? 0 : 1;
    if (!config.nodes.empty() && full == 0) {
        problems.add(*at_or(root.get("node"), root), "node",
                     "every node is a witness (expected at least one [[node]] without "
                     "witness = true)");
        return;
    }
    check_witness_priorities(root, config, problems);
    check_two_node(root, config, full, problems);
}

}  // namespace vigil::daemon
