// Parses the TOML config file into core::Config and validates it (docs/config.md).
// Method: toml++ turns the text into a tree; one function per file section (cluster, node,
// group) reads it, reporting every problem into a Problems list instead of stopping at the
// first; cross-section checks (unique names and addresses, priority keys naming nodes) run
// after the sections are read. Nothing here reads files except load_config.
// Typed getters live in toml_reader.h; the digest and summary in config_summary.cc; the
// quorum, witness, lease, fencing and state-file keys and their rules in config_quorum.cc;
// [[resource]], [[check]] and the group keys that use them in config_resources.cc.
#include "daemon/config_parse.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>

#include "daemon/config_http.h"
#include "daemon/config_quorum.h"
#include "daemon/config_resources.h"
#include "daemon/config_store.h"
#include "daemon/config_vrrp.h"
#include "daemon/ip_literal.h"
#include "daemon/toml_reader.h"
#include "wire/heartbeat.h"
#include "wire/heartbeat_codec.h"

namespace vigil::daemon {

using namespace toml_reader;  // its helpers are this file's vocabulary

namespace {

namespace fs = std::filesystem;
using core::ClusterConfig;

const char* family_name(bool ipv6) {
    return ipv6 ? "IPv6" : "IPv4";
}

// ---- [cluster] ----

struct ClusterInt {
    std::string_view key;
    int ClusterConfig::*field;
    std::int64_t lo;
    std::int64_t hi;
};

constexpr ClusterInt kClusterInts[] = {
    {"heartbeat_interval_ms", &ClusterConfig::heartbeat_interval_ms, 5, 10000},
    {"dead_time_ms", &ClusterConfig::dead_time_ms, 10, 60000},
    {"warn_time_ms", &ClusterConfig::warn_time_ms, 0, 60000},
    {"init_dead_ms", &ClusterConfig::init_dead_ms, 0, 600000},
    {"port", &ClusterConfig::port, 1, 65535},
    {"announce_count", &ClusterConfig::announce_count, 0, 20},
    {"announce_interval_ms", &ClusterConfig::announce_interval_ms, 1, 10000},
    {"notify_timeout_ms", &ClusterConfig::notify_timeout_ms, 100, 600000},
};

std::string read_key_path(const toml::table& table, std::string_view key, bool required,
                          const fs::path& base_dir, Problems& problems) {
    const std::string path = member("cluster", key);
    const toml::node* n =
        required ? require(table, "cluster", key, "a file path", problems) : table.get(key);
    if (n == nullptr) return {};
    auto s = read_string(*n, path, problems);
    if (!s) return {};
    if (s->empty()) problems.add(*n, path, "empty path (expected a file path)");
    return resolve_path(base_dir, *s);
}

// The timing keys constrain each other; checked only when each one read cleanly, so that
// one bad value is not reported twice.
void check_cluster_timing(const toml::table& table, const ClusterConfig& c, Problems& problems) {
    const int hb = c.heartbeat_interval_ms;
    const toml::node* dead_at = table.get("dead_time_ms");
    if (c.dead_time_ms < 2 * hb)
        problems.add(dead_at ? *dead_at : static_cast<const toml::node&>(table),
                     "cluster.dead_time_ms",
                     std::to_string(c.dead_time_ms) + " is too short (expected at least 2 x " +
                         "heartbeat_interval_ms = " + std::to_string(2 * hb) + ")");
    if (c.warn_time_ms != 0 && (c.warn_time_ms < hb || c.warn_time_ms > c.dead_time_ms))
        problems.add(*table.get("warn_time_ms"), "cluster.warn_time_ms",
                     std::to_string(c.warn_time_ms) + " is out of range (expected 0 or " +
                         "heartbeat_interval_ms..dead_time_ms = " + std::to_string(hb) + ".." +
                         std::to_string(c.dead_time_ms) + ")");
    if (c.init_dead_ms != 0 && c.init_dead_ms < c.dead_time_ms)
        problems.add(*table.get("init_dead_ms"), "cluster.init_dead_ms",
                     std::to_string(c.init_dead_ms) + " is too short (expected 0 or at least " +
                         "dead_time_ms = " + std::to_string(c.dead_time_ms) + ")");
}

ClusterConfig parse_cluster(const toml::table& root, const fs::path& base_dir, Problems& problems) {
    ClusterConfig c;
    const toml::node* n = root.get("cluster");
    if (n == nullptr) {
        problems.add_at(1, "cluster", "missing required table (expected [cluster])");
        return c;
    }
    const auto* table = n->as_table();
    if (table == nullptr) {
        type_mismatch(*n, "cluster", "a table ([cluster])", problems);
        return c;
    }
    check_keys(*table, "cluster",
               {"name", "auth_key_file", "auth_key_next_file", "heartbeat_interval_ms",
                "dead_time_ms", "warn_time_ms", "init_dead_ms", "port", "announce_count",
                "announce_interval_ms", "notify_timeout_ms", "two_node", "tiebreaker",
                "tiebreaker_interval_ms", "clock_drift_max_ppm", "lease_margin_ms",
                "fence_timeout_ms", "fence_retry_ms", "state_dir"},
               problems);
    if (const auto* name = require(*table, "cluster", "name", "a name string", problems))
        c.name = read_name(*name, "cluster.name", problems).value_or("");
    c.auth_key_file = read_key_path(*table, "auth_key_file", true, base_dir, problems);
    c.auth_key_next_file = read_key_path(*table, "auth_key_next_file", false, base_dir, problems);

    bool timing_ok = true;
    for (const ClusterInt& spec : kClusterInts) {
        const toml::node* v = table->get(spec.key);
        if (v == nullptr) continue;
        auto i = read_int(*v, member("cluster", spec.key), spec.lo, spec.hi, problems);
        if (i) c.*spec.field = static_cast<int>(*i);
        timing_ok = timing_ok && i.has_value();
    }
    if (timing_ok) check_cluster_timing(*table, c, problems);
    read_cluster_quorum(*table, timing_ok, c, problems);
    return c;
}

// ---- [[node]] ----

// A node as read, with where each part came from, for the cross-node checks.
struct NodeDraft {
    std::string path;
    const toml::node* name_at = nullptr;
    const toml::node* address_at = nullptr;
    std::vector<const toml::node*> link_at;
    std::vector<bool> link_ipv6;
    bool addresses_ok = false;
};

void read_addresses(const toml::node& n, NodeDraft& draft, core::NodeConfig& node,
                    Problems& problems) {
    const std::string path = draft.path + ".address";
    std::vector<std::pair<const toml::node*, std::string>> items;  // (node, key path)
    if (n.is_string()) {
        items.emplace_back(&n, path);
    } else if (const auto* array = n.as_array()) {
        for (std::size_t i = 0; i < array->size(); ++i)
            items.emplace_back(array->get(i), element(path, i));
    } else {
        type_mismatch(n, path, "an address string or an array of them", problems);
        return;
    }
    if (items.empty() || items.size() > core::kLinksMax) {
        problems.add(n, path,
                     counted(items.size(), "address") + " (expected 1.." +
                         std::to_string(core::kLinksMax) + ", one per link)");
        return;
    }
    bool ok = true;
    for (const auto& [at, item_path] : items) {
        auto s = read_string(*at, item_path, problems);
        auto ip = s ? parse_ip(*s) : std::nullopt;
        if (s && !ip)
            problems.add(
                *at, item_path,
                quote(*s) + " is not an address (expected a unicast IPv4 or IPv6 literal)");
        ok = ok && ip.has_value();
        if (!ip) continue;
        node.addresses.push_back(ip->canonical);
        draft.link_at.push_back(at);
        draft.link_ipv6.push_back(ip->ipv6);
    }
    draft.addresses_ok = ok;
}

// Names unique; every node has the same links, each link one address family; no address
// used twice (two nodes claiming one address would make heartbeats ambiguous).
void check_nodes(const std::vector<core::NodeConfig>& nodes, const std::vector<NodeDraft>& drafts,
                 Problems& problems) {
    std::map<std::string, std::size_t> names;
    std::map<std::string, std::string> addresses;
    const NodeDraft* reference = nullptr;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const NodeDraft& d = drafts[i];
        if (d.name_at != nullptr && !nodes[i].name.empty()) {
            auto [it, fresh] = names.emplace(nodes[i].name, i);
            if (!fresh)
                problems.add(*d.name_at, d.path + ".name",
                             "duplicate node name " + quote(nodes[i].name) + " (also " +
                                 drafts[it->second].path + ".name)");
        }
        if (!d.addresses_ok) continue;
        for (std::size_t l = 0; l < nodes[i].addresses.size(); ++l) {
            const std::string path = element(d.path + ".address", l);
            auto [it, fresh] = addresses.emplace(nodes[i].addresses[l], path);
            if (!fresh)
                problems.add(*d.link_at[l], path,
                             "address " + nodes[i].addresses[l] + " is already used by " +
                                 it->second + " (expected every address once)");
        }
        if (reference == nullptr) {
            reference = &d;
            continue;
        }
        if (d.link_at.size() != reference->link_at.size()) {
            problems.add(*d.address_at, d.path + ".address",
                         counted(d.link_at.size(), "address") + ", but " + reference->path +
                             " has " + std::to_string(reference->link_at.size()) +
                             " (expected one address per link on every node)");
            continue;
        }
        for (std::size_t l = 0; l < d.link_at.size(); ++l) {
            if (d.link_ipv6[l] == reference->link_ipv6[l]) continue;
            problems.add(*d.link_at[l], element(d.path + ".address", l),
                         std::string(family_name(d.link_ipv6[l])) + " address, but link " +
                             std::to_string(l) + " is " + family_name(reference->link_ipv6[l]) +
                             " on " + reference->path + " (expected one family per link)");
        }
    }
}

// One node is a cluster only for a VRRP speaker whose peers are keepalived or routers
// (`one_allowed`: the file has vrrp3 groups); vigil's own protocol needs a peer.
std::vector<core::NodeConfig> parse_nodes(const toml::table& root, bool one_allowed,
                                          Problems& problems) {
    const std::size_t min = one_allowed ? 1 : 2;
    const std::string expected_count = std::to_string(min) + ".." +
                                       std::to_string(core::kNodesMax) + " [[node]] tables" +
                                       (one_allowed ? "" : "; 1 only in a file with vrrp3 groups");
    const toml::node* n = root.get("node");
    if (n == nullptr) {
        problems.add_at(1, "node", "missing (expected " + expected_count + ")");
        return {};
    }
    const toml::array* array = read_table_array(*n, "node", "[[node]]", problems);
    if (array == nullptr) return {};
    if (array->size() < min || array->size() > core::kNodesMax)
        problems.add(*n, "node",
                     counted(array->size(), "node") + " (expected " + expected_count + ")");

    std::vector<core::NodeConfig> nodes(array->size());
    std::vector<NodeDraft> drafts(array->size());
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::table& table = *array->get(i)->as_table();
        NodeDraft& d = drafts[i];
        d.path = element("node", i);
        check_keys(table, d.path, {"name", "address", "witness"}, problems);
        d.name_at = require(table, d.path, "name", "a name string", problems);
        if (d.name_at != nullptr)
            nodes[i].name = read_name(*d.name_at, d.path + ".name", problems).value_or("");
        d.address_at =
            require(table, d.path, "address", "an address or array of addresses", problems);
        if (d.address_at != nullptr) read_addresses(*d.address_at, d, nodes[i], problems);
        if (const auto* w = table.get("witness"))
            nodes[i].witness = read_bool(*w, d.path + ".witness", problems).value_or(false);
    }
    check_nodes(nodes, drafts, problems);
    return nodes;
}

// ---- [[group]] ----

// A VIP as read, kept with its key path for the cross-group uniqueness check.
struct VipSeen {
    std::string path;
    const toml::node* at;
};

void read_priority(const toml::node& n, const std::string& path,
                   const std::vector<core::NodeConfig>& nodes, core::GroupConfig& group,
                   Problems& problems) {
    const auto* table = n.as_table();
    if (table == nullptr) {
        type_mismatch(n, path, "a table of node = priority, e.g. { n1 = 150, n2 = 100 }", problems);
        return;
    }
    if (table->empty()) problems.add(n, path, "no nodes (expected at least one node = priority)");
    std::vector<std::string> known;
    for (const auto& node : nodes)
        if (!node.name.empty()) known.push_back(node.name);
    for (auto&& [key, value] : *table) {
        const std::string key_path = member(path, key.str());
        auto index = std::find_if(nodes.begin(), nodes.end(),
                                  [&](const auto& node) { return node.name == key.str(); });
        if (index == nodes.end()) {
            problems.add(value, key_path,
                         "unknown node " + quote(key.str()) +
                             (known.empty() ? " (no node is configured)"
                                            : " (expected one of: " + join(known) + ")"));
            continue;
        }
        auto p = read_int(value, key_path, core::kPriorityMin, core::kPriorityMax, problems);
        if (p)
            group.priority[static_cast<std::size_t>(index - nodes.begin())] = static_cast<int>(*p);
    }
}

core::GroupConfig parse_group(const toml::table& table, const std::string& path,
                              const std::vector<core::NodeConfig>& nodes, const fs::path& base_dir,
                              std::vector<VipSeen>& vips_seen, Problems& problems) {
    core::GroupConfig group;
    group.priority.resize(nodes.size());
    // resources, checks and failure_timeout_s: read_group_resources (config_resources.cc).
    check_keys(table, path,
               {"name", "protocol", "priority", "preempt", "vip", "notify", "fence", "resources",
                "checks", "failure_timeout_s", "store"},
               problems);
    if (const auto* n = table.get("protocol")) {
        auto s = read_string(*n, path + ".protocol", problems);
        if (s && *s != "vigil")
            problems.add(*n, path + ".protocol",
                         quote(*s) + " is not a protocol (expected \"vigil\" or \"vrrp3\")");
    }
    if (const auto* n = require(table, path, "name", "a name string", problems))
        group.name = read_name(*n, path + ".name", problems).value_or("");
    if (const auto* n = require(table, path, "priority", "{ node = priority, ... }", problems))
        read_priority(*n, path + ".priority", nodes, group, problems);
    if (const auto* n = table.get("preempt"))
        group.preempt = read_bool(*n, path + ".preempt", problems).value_or(true);
    if (const auto* n = table.get("notify"))
        group.notify = read_command(*n, path + ".notify", base_dir, problems);
    if (const auto* n = table.get("fence"))
        group.fence = read_command(*n, path + ".fence", base_dir, problems);
    const toml::node* n = table.get("vip");
    const toml::array* array =
        n ? read_table_array(*n, path + ".vip", "[[group.vip]]", problems) : nullptr;
    if (array == nullptr) return group;
    if (array->size() > core::kVipsPerGroupMax)
        problems.add(*n, path + ".vip",
                     std::to_string(array->size()) + " vips (expected 0.." +
                         std::to_string(core::kVipsPerGroupMax) + ")");
    for (std::size_t i = 0; i < array->size(); ++i) {
        const std::string vip_path = element(path + ".vip", i);
        auto vip = read_vip(*array->get(i)->as_table(), vip_path, "", problems);
        if (!vip) continue;
        group.vips.push_back(*vip);
        vips_seen.push_back({vip_path, array->get(i)->as_table()->get("address")});
    }
    return group;
}

// A VIP held by two groups would be added and removed by both; a VIP equal to a node's
// heartbeat address would take that node's own address away on failover.
void check_groups(const std::vector<core::NodeConfig>& nodes,
                  const std::vector<core::GroupConfig>& groups,
                  const std::vector<const toml::node*>& name_at,
                  const std::vector<VipSeen>& vips_seen, Problems& problems) {
    std::map<std::string, std::size_t> names;
    for (std::size_t g = 0; g < groups.size(); ++g) {
        const std::string& name = groups[g].name;
        if (name.empty() || name_at[g] == nullptr) continue;
        auto [it, fresh] = names.emplace(name, g);
        if (!fresh)
            problems.add(*name_at[g], element("group", g) + ".name",
                         "duplicate group name " + quote(name) + " (also " +
                             element("group", it->second) + ".name)");
    }
    std::map<std::string, std::string> used;
    for (std::size_t i = 0; i < nodes.size(); ++i)
        for (std::size_t l = 0; l < nodes[i].addresses.size(); ++l)
            used.emplace(nodes[i].addresses[l], element(element("node", i) + ".address", l));
    std::size_t seen = 0;
    for (const auto& group : groups) {
        for (const auto& vip : group.vips) {
            const VipSeen& at = vips_seen[seen++];
            auto [it, fresh] = used.emplace(vip.address, at.path + ".address");
            if (!fresh)
                problems.add(*at.at, at.path + ".address",
                             "address " + vip.address + " is already used by " + it->second +
                                 " (expected every VIP once, and no VIP equal to a node address)");
        }
    }
}

// docs/wire.md "Limits": every group travels in one heartbeat, so the worst case (the
// longest node name as sender and in every optional name field) must fit in one datagram.
void check_heartbeat_fits(const std::vector<core::NodeConfig>& nodes,
                          const std::vector<core::GroupConfig>& groups, const toml::node& at,
                          Problems& problems) {
    std::size_t longest = 1;
    for (const auto& node : nodes) longest = std::max(longest, node.name.size());
    wire::Heartbeat worst;
    worst.sender = std::string(longest, 'n');
    for (const auto& group : groups) {
        wire::GroupState state;
        state.group = group.name;
        state.primary = state.handoff_to = state.switchover_to = state.vote_for = worst.sender;
        state.store = group.store.enabled;  // the store block (docs/wire.md)
        worst.groups.push_back(std::move(state));
    }
    const std::size_t bytes = wire::encoded_bytes(worst);
    if (bytes > wire::kMessageBytesMax)
        problems.add(at, "group",
                     "with these names a heartbeat can take " + std::to_string(bytes) +
                         " bytes (expected at most " + std::to_string(wire::kMessageBytesMax) +
                         "; use shorter node or group names, or fewer groups)");
}

std::vector<core::GroupConfig> parse_groups(const toml::table& root,
                                            const std::vector<core::NodeConfig>& nodes,
                                            const fs::path& base_dir, Problems& problems) {
    const toml::node* n = root.get("group");
    const toml::array* array = n ? read_table_array(*n, "group", "[[group]]", problems) : nullptr;
    if (array == nullptr) return {};
    if (array->size() > core::kGroupsMax)
        problems.add(*n, "group",
                     std::to_string(array->size()) + " groups (expected 0.." +
                         std::to_string(core::kGroupsMax) + ")");
    std::vector<core::GroupConfig> groups;
    std::vector<const toml::node*> name_at;
    std::vector<VipSeen> vips_seen;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::table& table = *array->get(i)->as_table();
        groups.push_back(
            parse_group(table, element("group", i), nodes, base_dir, vips_seen, problems));
        name_at.push_back(table.get("name"));
    }
    check_groups(nodes, groups, name_at, vips_seen, problems);
    check_heartbeat_fits(nodes, groups, *n, problems);
    return groups;
}

}  // namespace

std::optional<core::VipConfig> read_vip(const toml::table& table, const std::string& path,
                                        const std::string& default_interface, Problems& problems) {
    check_keys(table, path, {"address", "interface"}, problems);
    core::VipConfig vip;
    bool ok = true;
    if (const auto* n = require(table, path, "address", "ADDRESS/PREFIX", problems)) {
        const std::string address_path = path + ".address";
        auto s = read_string(*n, address_path, problems);
        const std::size_t slash = s ? s->rfind('/') : std::string::npos;
        auto ip = slash != std::string::npos ? parse_ip(s->substr(0, slash)) : std::nullopt;
        const std::string digits = slash != std::string::npos ? s->substr(slash + 1) : "";
        const int prefix_max = ip && ip->ipv6 ? 128 : 32;
        const bool digits_ok = !digits.empty() && digits.size() <= 3 &&
                               std::all_of(digits.begin(), digits.end(), [](char c) {
                                   return std::isdigit(static_cast<unsigned char>(c));
                               });
        if (s && (!ip || !digits_ok || std::stoi(digits) > prefix_max)) {
            problems.add(*n, address_path,
                         quote(*s) + " is not a VIP (expected ADDRESS/PREFIX with a unicast " +
                             "IPv4 literal and prefix 0..32 or IPv6 literal and prefix 0..128)");
        } else if (s) {
            vip.address = ip->canonical;
            vip.ipv6 = ip->ipv6;
            vip.prefix_length = std::stoi(digits);
        }
        ok = ok && !vip.address.empty();
    } else {
        ok = false;
    }
    const toml::node* interface = default_interface.empty()
                                      ? require(table, path, "interface", "an interface name", problems)
                                      : table.get("interface");
    if (interface == nullptr && !default_interface.empty()) {
        vip.interface = default_interface;
    } else if (const auto* n = interface) {
        auto s = read_string(*n, path + ".interface", problems);
        // IFNAMSIZ is 16 with the terminator; the kernel also forbids '/' and whitespace.
        const bool chars_ok = s && std::none_of(s->begin(), s->end(), [](char c) {
                                  return c == '/' || std::isspace(static_cast<unsigned char>(c));
                              });
        if (s && (s->empty() || s->size() > 15 || !chars_ok))
            problems.add(*n, path + ".interface",
                         quote(*s) + " is not an interface name (expected 1..15 characters, " +
                             "no '/' or whitespace)");
        else if (s)
            vip.interface = *s;
        ok = ok && !vip.interface.empty();
    } else {
        ok = false;
    }
    if (!ok) return std::nullopt;
    return vip;
}

Result<core::Config> parse_config(std::string_view text, std::string_view path) {
    toml::table root;
    try {
        root = toml::parse(text, path);
    } catch (const toml::parse_error& e) {
        return Error::invalid(std::string(path) + ":" + std::to_string(e.source().begin.line) +
                              ":" + std::to_string(e.source().begin.column) + ": " +
                              std::string(e.description()));
    }
    Problems problems;
    core::Config config;
    config.path = std::string(path);
    const fs::path base_dir = fs::path(path).parent_path();
    check_keys(root, "", {"cluster", "node", "group", "resource", "check", "metrics", "status_page"},
               problems);
    // vrrp3 groups leave the [[group]] array first (moved, so they keep their lines): the
    // vigil groups' rules and limits do not apply to them. In a file that mixes both kinds,
    // a vigil group's key path counts vigil groups only; its line number is exact.
    std::vector<VrrpTable> vrrp_tables;
    if (auto* groups = root["group"].as_array()) {
        std::size_t file_index = 0;
        for (auto it = groups->begin(); it != groups->end(); ++file_index) {
            auto* table = it->as_table();
            if (table == nullptr || !is_vrrp_table(*table)) {
                ++it;
                continue;
            }
            vrrp_tables.push_back({std::move(*table), file_index});
            it = groups->erase(it);
        }
    }
    config.cluster = parse_cluster(root, base_dir, problems);
    config.nodes = parse_nodes(root, !vrrp_tables.empty(), problems);
    config.groups = parse_groups(root, config.nodes, base_dir, problems);
    // One node is for a VRRP speaker only (parse_nodes): a vigil group needs a peer.
    if (config.nodes.size() == 1 && !config.groups.empty())
        problems.add(*root.get("group"), "group",
                     "a vigil group with a single node (expected 2 or more [[node]] tables, or "
                     "only protocol = \"vrrp3\" groups)");
    config.resources = parse_resources(root, base_dir, problems);
    config.checks = parse_checks(root, base_dir, problems);
    read_group_resources(root, config, problems);
    read_group_stores(root, config, base_dir, problems);
    parse_vrrp_groups(vrrp_tables, config, base_dir, problems);
    check_quorum(root, config, problems);
    read_http_listeners(root, config, problems);
    if (!problems.empty()) return Error::invalid(problems.render(path));
    config.digest = compute_config_digest(config);
    return config;
}

Result<core::Config> load_config(const std::string& path) {
    std::error_code ec;
    const fs::path absolute = fs::absolute(path, ec).lexically_normal();
    if (ec) return Error::io(path + ": cannot make the path absolute: " + ec.message());
    const std::string name = absolute.string();
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(name.c_str(), "rb"),
                                                         &std::fclose);
    if (!file) {
        const int err = errno;
        std::string message = name + ": cannot open config file: " + std::strerror(err);
        return err == ENOENT ? Error::not_found(message) : Error::io(message);
    }
    std::string text(kConfigFileBytesMax + 1, '\0');
    const std::size_t size = std::fread(text.data(), 1, text.size(), file.get());
    if (std::ferror(file.get()))
        return Error::io(name + ": cannot read config file: " + std::strerror(errno));
    if (size > kConfigFileBytesMax)
        return Error::invalid(name + ": config file is larger than " +
                              std::to_string(kConfigFileBytesMax) + " bytes");
    text.resize(size);
    return parse_config(text, name);
}

}  // namespace vigil::daemon
