// Reading vrrp3 groups (docs/config.md "VRRP groups"). The rules that are VRRP's own: a
// VRID is unique per interface and family (RFC 9568 §5.2.3), the interval has centisecond
// resolution and 12 bits (§5.2.7), a router is one family, and an advert lists at most
// wire::kVrrpAddressesMax addresses.
#include "daemon/config_vrrp.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "daemon/ip_literal.h"
#include "wire/vrrp.h"

namespace vigil::daemon {

using namespace toml_reader;

bool is_vrrp_table(const toml::table& table) {
    const auto* p = table.get("protocol");
    return p != nullptr && p->value<std::string>() == "vrrp3";
}

namespace {

constexpr int kSpreadPreferred = 200;  // placement = "spread": the node a router prefers
constexpr int kSpreadOthers = 100;     // ... and the others, 100, 99, ... in rotation order

void read_priorities(const toml::node& n, const std::string& path, const core::Config& config,
                     core::VrrpConfig& router, Problems& problems) {
    const auto* table = n.as_table();
    if (table == nullptr) {
        type_mismatch(n, path, "a table of node = priority, e.g. { n1 = 150, n2 = 100 }", problems);
        return;
    }
    if (table->empty()) problems.add(n, path, "no nodes (expected at least one node = priority)");
    for (auto&& [key, value] : *table) {
        const std::string key_path = member(path, key.str());
        auto index = config.node_index(key.str());
        if (!index) {
            std::vector<std::string> known;
            for (const auto& node : config.nodes) known.push_back(node.name);
            problems.add(value, key_path,
                         "unknown node " + quote(key.str()) + " (expected one of: " + join(known) +
                             ")");
            continue;
        }
        if (config.nodes[*index].witness) {
            problems.add(value, key_path,
                         "node " + quote(key.str()) +
                             " is a witness (expected only full nodes: a witness holds no group)");
            continue;
        }
        if (auto p = read_int(value, key_path, core::kPriorityMin, core::kPriorityMax, problems))
            router.priority[*index] = static_cast<int>(*p);
    }
}

// placement = "spread": the k-th spread router (in file order) prefers full node k mod F,
// the others follow in rotation, so that each of F nodes is master of about 1/F of them
// while all are up. Every node derives the same table from the same file.
void spread_priorities(const core::Config& config, std::size_t k, core::VrrpConfig& router) {
    std::vector<std::size_t> full;
    for (std::size_t i = 0; i < config.nodes.size(); ++i)
        if (!config.nodes[i].witness) full.push_back(i);
    if (full.empty()) return;
    for (std::size_t d = 0; d < full.size(); ++d) {
        const std::size_t node = full[(k + d) % full.size()];
        router.priority[node] = d == 0 ? kSpreadPreferred : kSpreadOthers - static_cast<int>(d - 1);
    }
}

std::vector<std::string> read_string_array(const toml::node& n, const std::string& path,
                                           std::string_view expected, Problems& problems) {
    std::vector<std::string> out;
    const toml::array* array = n.as_array();
    if (array == nullptr) {
        type_mismatch(n, path, expected, problems);
        return out;
    }
    for (std::size_t i = 0; i < array->size(); ++i)
        if (auto s = read_string(*array->get(i), element(path, i), problems))
            out.push_back(*s);
    return out;
}

// What is parsed of one table besides the VrrpConfig, for the checks across tables.
struct Seen {
    const toml::node* name_at = nullptr;
    const toml::node* vrid_at = nullptr;
    std::vector<std::pair<std::string, const toml::node*>> vips;  // key path, address node
};

core::VrrpConfig parse_router(const toml::table& table, const std::string& path,
                              const core::Config& config, const std::filesystem::path& base_dir,
                              std::size_t& spread_count, Seen& seen, Problems& problems) {
    core::VrrpConfig r;
    r.priority.resize(config.nodes.size());
    check_keys(table, path,
               {"name", "protocol", "vrid", "interface", "advert_interval_ms", "priority",
                "placement", "preempt", "preempt_delay_ms", "accept_mode", "unicast_peers", "vip",
                "notify", "checks", "sync_group", "require_quorum", "fence", "resources",
                "failure_timeout_s"},
               problems);
    for (const char* key : {"fence", "resources", "failure_timeout_s"})
        if (const auto* n = table.get(key))
            problems.add(*n, member(path, key),
                         "not supported with protocol = \"vrrp3\" (expected it only in vigil "
                         "groups; see docs/vrrp.md \"What VRRP mode cannot do\")");
    if (const auto* n = require(table, path, "name", "a name string", problems)) {
        r.name = read_name(*n, path + ".name", problems).value_or("");
        seen.name_at = n;
    }
    if (const auto* n = require(table, path, "vrid", "an integer 1..255", problems)) {
        r.vrid = static_cast<int>(read_int(*n, path + ".vrid", 1, 255, problems).value_or(0));
        seen.vrid_at = n;
    }
    if (const auto* n = require(table, path, "interface", "an interface name", problems)) {
        auto s = read_string(*n, path + ".interface", problems);
        const bool ok = s && !s->empty() && s->size() <= 15 &&
                        std::none_of(s->begin(), s->end(), [](char c) {
                            return c == '/' || std::isspace(static_cast<unsigned char>(c));
                        });
        if (s && !ok)
            problems.add(*n, path + ".interface",
                         quote(*s) + " is not an interface name (expected 1..15 characters, "
                                     "no '/' or whitespace)");
        else if (s)
            r.interface = *s;
    }
    if (const auto* n = table.get("advert_interval_ms")) {
        auto ms = read_int(*n, path + ".advert_interval_ms", 10,
                           10 * static_cast<std::int64_t>(wire::kVrrpIntervalCsMax), problems);
        if (ms && *ms % 10 != 0)
            problems.add(*n, path + ".advert_interval_ms",
                         std::to_string(*ms) + " is not a multiple of 10 (VRRPv3 counts the "
                                               "interval in centiseconds)");
        else if (ms)
            r.advert_interval_cs = static_cast<int>(*ms / 10);
    }
    const toml::node* placement = table.get("placement");
    if (placement != nullptr) {
        auto s = read_string(*placement, path + ".placement", problems);
        if (s && *s != "spread")
            problems.add(*placement, path + ".placement",
                         quote(*s) + " is not a placement (expected \"spread\")");
        r.placement_spread = s && *s == "spread";
    }
    if (const auto* n = table.get("priority")) {
        if (placement != nullptr)
            problems.add(*n, path + ".priority",
                         "given together with placement (expected one of priority and "
                         "placement = \"spread\")");
        else
            read_priorities(*n, path + ".priority", config, r, problems);
    } else if (placement == nullptr) {
        problems.add(table, path + ".priority",
                     "missing required key (expected { node = priority, ... } or "
                     "placement = \"spread\")");
    }
    if (r.placement_spread) spread_priorities(config, spread_count++, r);
    if (const auto* n = table.get("preempt"))
        r.preempt = read_bool(*n, path + ".preempt", problems).value_or(true);
    if (const auto* n = table.get("preempt_delay_ms"))
        r.preempt_delay_ms = static_cast<int>(
            read_int(*n, path + ".preempt_delay_ms", 0, 3600000, problems).value_or(0));
    if (const auto* n = table.get("accept_mode")) {
        r.accept_mode = read_bool(*n, path + ".accept_mode", problems).value_or(true);
        if (!r.accept_mode)
            problems.add(*n, path + ".accept_mode",
                         "false is not supported (expected true: vigil's VIPs are ordinary "
                         "addresses that the master's services listen on; docs/vrrp.md "
                         "\"Accept mode\")");
    }
    if (const auto* n = table.get("require_quorum"))
        r.require_quorum = read_bool(*n, path + ".require_quorum", problems).value_or(false);
    if (const auto* n = table.get("notify"))
        r.notify = read_command(*n, path + ".notify", base_dir, problems);
    if (const auto* n = table.get("sync_group"))
        r.sync_group = read_name(*n, path + ".sync_group", problems).value_or("");

    // VIPs: one family, at most what one advert can list.
    const toml::node* vip_node = table.get("vip");
    if (vip_node == nullptr) {
        problems.add(table, path + ".vip", "missing required key (expected at least one VIP)");
    } else if (const toml::array* array =
                   read_table_array(*vip_node, path + ".vip", "[[group.vip]]", problems)) {
        if (array->empty() || array->size() > wire::kVrrpAddressesMax)
            problems.add(*vip_node, path + ".vip",
                         std::to_string(array->size()) + " vips (expected 1.." +
                             std::to_string(wire::kVrrpAddressesMax) +
                             ", what one VRRP advertisement can list)");
        for (std::size_t i = 0; i < array->size(); ++i) {
            const std::string vip_path = element(path + ".vip", i);
            const toml::table& vt = *array->get(i)->as_table();
            auto vip = read_vip(vt, vip_path, r.interface, problems);
            if (!vip) continue;
            if (!r.vips.empty() && vip->ipv6 != r.vips.front().ipv6) {
                problems.add(*vt.get("address"), vip_path + ".address",
                             vip->address + " is of the other family (expected every VIP of a "
                                            "VRRP router to be " +
                                 std::string(r.vips.front().ipv6 ? "IPv6" : "IPv4") +
                                 "; use one router per family)");
                continue;
            }
            r.vips.push_back(*vip);
            seen.vips.emplace_back(vip_path + ".address", vt.get("address"));
        }
        if (!r.vips.empty()) r.ipv6 = r.vips.front().ipv6;
    }
    if (const auto* n = table.get("unicast_peers")) {
        auto peers = read_string_array(*n, path + ".unicast_peers", "an array of IP literals",
                                       problems);
        for (std::size_t i = 0; i < peers.size(); ++i) {
            auto ip = parse_ip(peers[i]);
            const std::string p = element(path + ".unicast_peers", i);
            if (!ip) {
                problems.add(*n, p, quote(peers[i]) + " is not a unicast IP literal");
                continue;
            }
            if (!r.vips.empty() && ip->ipv6 != r.ipv6) {
                problems.add(*n, p,
                             ip->canonical + " is of the other family (expected the VIPs' family)");
                continue;
            }
            r.unicast_peers.push_back(ip->canonical);
        }
    }
    if (const auto* n = table.get("checks")) {
        auto names = read_string_array(*n, path + ".checks", "an array of [[check]] names",
                                       problems);
        for (std::size_t i = 0; i < names.size(); ++i) {
            std::optional<std::size_t> found;
            for (std::size_t c = 0; c < config.checks.size(); ++c)
                if (config.checks[c].name == names[i]) found = c;
            if (!found) {
                problems.add(*n, element(path + ".checks", i),
                             "unknown check " + quote(names[i]));
                continue;
            }
            if (std::find(r.checks.begin(), r.checks.end(), *found) != r.checks.end()) {
                problems.add(*n, element(path + ".checks", i),
                             "check " + quote(names[i]) + " is listed twice");
                continue;
            }
            r.checks.push_back(*found);
        }
    }
    return r;
}

}  // namespace

void parse_vrrp_groups(const std::vector<VrrpTable>& tables, core::Config& config,
                       const std::filesystem::path& base_dir, Problems& problems) {
    if (tables.size() > core::kVrrpRoutersMax)
        problems.add(tables[core::kVrrpRoutersMax].table, "group",
                     std::to_string(tables.size()) + " vrrp3 groups (expected at most " +
                         std::to_string(core::kVrrpRoutersMax) + ")");
    // Names are unique across vigil and VRRP groups; VIPs across the whole file.
    std::map<std::string, std::string> names;
    for (std::size_t g = 0; g < config.groups.size(); ++g)
        names.emplace(config.groups[g].name, "a vigil group");
    std::map<std::string, std::string> addresses;
    for (std::size_t i = 0; i < config.nodes.size(); ++i)
        for (const auto& a : config.nodes[i].addresses)
            addresses.emplace(a, element("node", i) + ".address");
    for (const auto& g : config.groups)
        for (const auto& v : g.vips) addresses.emplace(v.address, "group " + quote(g.name));
    std::map<std::tuple<std::string, bool, int>, std::string> vrids;

    // Members of a sync group with different priorities would each pull the group to
    // another node, and the group would flap between them (each member's master demotes the
    // whole group on the other node). So every member has the first member's priorities.
    std::map<std::string, std::pair<std::size_t, std::string>> sync_first;  // -> router, path

    std::size_t spread_count = 0;
    for (const VrrpTable& t : tables) {
        const std::string path = element("group", t.file_index);
        Seen seen;
        core::VrrpConfig r =
            parse_router(t.table, path, config, base_dir, spread_count, seen, problems);
        if (!r.name.empty() && seen.name_at != nullptr) {
            auto [it, fresh] = names.emplace(r.name, path + ".name");
            if (!fresh)
                problems.add(*seen.name_at, path + ".name",
                             "duplicate group name " + quote(r.name) + " (also " + it->second +
                                 ")");
        }
        for (std::size_t v = 0; v < r.vips.size() && v < seen.vips.size(); ++v) {
            auto [it, fresh] = addresses.emplace(r.vips[v].address, seen.vips[v].first);
            if (!fresh)
                problems.add(*seen.vips[v].second, seen.vips[v].first,
                             "address " + r.vips[v].address + " is already used by " + it->second +
                                 " (expected every VIP once, and no VIP equal to a node address)");
        }
        if (r.vrid != 0 && !r.interface.empty() && !r.vips.empty() && seen.vrid_at != nullptr) {
            auto [it, fresh] =
                vrids.emplace(std::make_tuple(r.interface, r.ipv6, r.vrid), path + ".vrid");
            if (!fresh)
                problems.add(*seen.vrid_at, path + ".vrid",
                             "vrid " + std::to_string(r.vrid) + " on " + r.interface + " (" +
                                 (r.ipv6 ? "IPv6" : "IPv4") + ") is already used by " +
                                 it->second + " (expected one router per VRID, interface and family)");
        }
        if (!r.sync_group.empty()) {
            auto [it, fresh] = sync_first.emplace(
                r.sync_group, std::make_pair(config.vrrp.size(), path));
            const auto& first = config.vrrp[it->second.first];
            if (!fresh && first.priority != r.priority) {
                const toml::node* at = t.table.get("priority");
                if (at == nullptr) at = t.table.get("placement");
                problems.add(at ? *at : static_cast<const toml::node&>(t.table), path + ".priority",
                             "differs from " + it->second.second + " in sync_group " +
                                 quote(r.sync_group) +
                                 " (expected the same priorities for every member, or the "
                                 "members would pull the group to different nodes)");
            }
        }
        config.vrrp.push_back(std::move(r));
    }
}

}  // namespace vigil::daemon
