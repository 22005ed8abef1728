// Goal: `vigil import keepalived` carries every keepalived.conf rule it claims to
// (docs/import.md), lists everything it drops with a reason and FILE:LINE, refuses what is
// unusable naming FILE:LINE, never crashes on hostile input, and writes a config of vigil's
// format (VRRP routers as [[group]] protocol = "vrrp3").
// Method: the pure importer on tests/data/keepalived/ (field-guide shaped: an HAProxy pair,
// an IPv6 router, a sync group, a neutron L3 HA router, an LVS balancer, includes, bad
// values) and small inline variants. Its TOML is read back with toml++ and checked against
// the format (structure(): types, ranges, references); the parts that today's parser knows
// ([cluster], [[node]], [[check]]) also go through parse_config on their own, and
// ImportKeepalived.OutputParses runs the whole output of every sample through it.
#include "daemon/import_keepalived.h"

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <fstream>
#include <set>
#include <sstream>

#include "common/prng.h"
#include "daemon/config_parse.h"

namespace vigil::daemon {
namespace {

using Kind = ImportNote::Kind;

std::string sample(const std::string& name) {
    std::ifstream in(std::string(VIGIL_SOURCE_DIR) + "/tests/data/keepalived/" + name);
    std::ostringstream text;
    text << in.rdbuf();
    EXPECT_FALSE(text.str().empty()) << name;
    return text.str();
}

KeepalivedImportInput input(std::vector<std::pair<std::string, std::string>> node_files,
                            std::vector<KeepalivedNodeAddress> addresses = {}) {
    KeepalivedImportInput in;
    for (const auto& [node, file] : node_files) in.confs.push_back({node, {file, sample(file)}});
    in.node_addresses = std::move(addresses);
    return in;
}

// One node, one inline file "k.conf".
KeepalivedImportInput inline_conf(const std::string& text) {
    KeepalivedImportInput in;
    in.confs.push_back({"n1", {"k.conf", text}});
    in.node_addresses = {{"n1", "198.18.0.1"}};
    return in;
}

const std::string kMinimal =
    "vrrp_instance V {\n"      // 1
    "  interface eth0\n"       // 2
    "  virtual_router_id 5\n"  // 3
    "  virtual_ipaddress {\n"  // 4
    "    198.18.0.5/24\n"      // 5
    "  }\n";                   // 6 (the caller adds lines and the closing brace)

KeepalivedImport imported(const KeepalivedImportInput& in) {
    auto r = import_keepalived(in);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? *r : KeepalivedImport{};
}

std::string error_of(const KeepalivedImportInput& in) {
    auto r = import_keepalived(in);
    EXPECT_FALSE(r) << (r ? r->toml : "");
    return r ? "" : r.error().message;
}

const ImportNote* find_note(const KeepalivedImport& r, const std::string& where,
                            const std::string& what_prefix) {
    for (const auto& n : r.notes)
        if (n.where == where && n.what.rfind(what_prefix, 0) == 0) return &n;
    return nullptr;
}

// The config format of docs/config.md plus the vrrp3 group keys (docs/import.md): every
// problem found, one line each; empty = the structure is right.
std::vector<std::string> structure(const std::string& text) {
    std::vector<std::string> bad;
    toml::table root;
    try {
        root = toml::parse(text);
    } catch (const toml::parse_error& e) {
        return {std::string("not TOML: ") + std::string(e.description())};
    }
    auto need = [&](bool ok, const std::string& what) {
        if (!ok) bad.push_back(what);
    };
    auto name_ok = [](const std::optional<std::string>& s) {
        return s && !s->empty() && s->size() <= 63 &&
               s->find_first_not_of(
                   "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                   "0123456789_.-") == std::string::npos;
    };
    const std::set<std::string> cluster_keys = {"name", "auth_key_file", "two_node"};
    for (const auto& [k, v] : *root["cluster"].as_table())
        need(cluster_keys.count(std::string(k.str())), "cluster key " + std::string(k.str()));
    need(root["cluster"]["name"].value<std::string>().has_value(), "cluster.name");
    need(root["cluster"]["auth_key_file"].value<std::string>().has_value(), "auth_key_file");
    std::set<std::string> nodes, checks;
    const auto* node_array = root["node"].as_array();
    need(node_array && !node_array->empty() && node_array->size() <= 16, "1..16 [[node]]");
    if (node_array)
        for (const auto& n : *node_array) {
            const auto& t = *n.as_table();
            need(name_ok(t["name"].value<std::string>()), "node name");
            nodes.insert(t["name"].value_or(std::string()));
            const auto* addr = t["address"].as_array();
            need(addr && addr->size() == 1 && (*addr)[0].is_string(), "node address");
        }
    if (const auto* check_array = root["check"].as_array())
        for (const auto& c : *check_array) {
            const auto& t = *c.as_table();
            const std::set<std::string> keys = {"name", "command", "interval_ms", "timeout_ms",
                                                "fall", "rise",    "weight"};
            for (const auto& [k, v] : t)
                need(keys.count(std::string(k.str())), "check key " + std::string(k.str()));
            need(name_ok(t["name"].value<std::string>()), "check name");
            need(!t["command"].value_or(std::string()).empty(), "check command");
            const auto ms = [&](const char* k) { return t[k].value_or(0L); };
            need(ms("interval_ms") >= 10 && ms("interval_ms") <= 3600000, "interval_ms");
            need(ms("timeout_ms") >= 10 && ms("timeout_ms") <= 3600000, "timeout_ms");
            need(ms("fall") >= 1 && ms("fall") <= 100 && ms("rise") >= 1 && ms("rise") <= 100,
                 "fall/rise");
            need(ms("weight") >= -254 && ms("weight") <= 254, "weight");
            need(checks.insert(t["name"].value_or(std::string())).second, "check name unique");
        }
    const auto* groups = root["group"].as_array();
    need(groups && !groups->empty(), "[[group]]");
    std::set<std::string> group_names;
    if (groups)
        for (const auto& g : *groups) {
            const auto& t = *g.as_table();
            const std::string name = t["name"].value_or(std::string());
            const std::set<std::string> keys = {"name",
                                                "protocol",
                                                "vrid",
                                                "interface",
                                                "advert_interval_ms",
                                                "priority",
                                                "preempt",
                                                "preempt_delay_ms",
                                                "accept_mode",
                                                "unicast_peers",
                                                "vip",
                                                "notify",
                                                "checks",
                                                "sync_group"};
            for (const auto& [k, v] : t)
                need(keys.count(std::string(k.str())), name + ": key " + std::string(k.str()));
            need(name_ok(t["name"].value<std::string>()), name + ": name");
            need(group_names.insert(name).second, name + ": name unique");
            need(t["protocol"].value_or(std::string()) == "vrrp3", name + ": protocol");
            const long vrid = t["vrid"].value_or(0L);
            need(vrid >= 1 && vrid <= 255, name + ": vrid");
            need(!t["interface"].value_or(std::string()).empty(), name + ": interface");
            const long advert = t["advert_interval_ms"].value_or(1000L);
            need(advert >= 10 && advert <= 40950 && advert % 10 == 0, name + ": advert");
            const auto* priority = t["priority"].as_table();
            need(priority && !priority->empty(), name + ": priority");
            if (priority)
                for (const auto& [node, p] : *priority) {
                    need(nodes.count(std::string(node.str())), name + ": priority node");
                    const long v = p.value_or(0L);
                    need(v >= 1 && v <= 255, name + ": priority value");
                }
            const long delay = t["preempt_delay_ms"].value_or(0L);
            need(delay >= 0 && delay <= 3600000, name + ": preempt_delay_ms");
            const auto* vips = t["vip"].as_array();
            need(vips && !vips->empty() && vips->size() <= 85, name + ": vip count");
            std::set<bool> families;
            if (vips)
                for (const auto& v : *vips) {
                    const std::string a = (*v.as_table())["address"].value_or(std::string());
                    need(a.find('/') != std::string::npos, name + ": vip prefix " + a);
                    families.insert(a.find(':') != std::string::npos);
                }
            need(families.size() == 1, name + ": vips of one family");
            if (const auto* peers = t["unicast_peers"].as_array())
                for (const auto& p : *peers)
                    need((p.value_or(std::string()).find(':') != std::string::npos) ==
                             *families.begin(),
                         name + ": peer family");
            if (const auto* cs = t["checks"].as_array())
                for (const auto& c : *cs)
                    need(checks.count(c.value_or(std::string())), name + ": check reference");
            if (t.contains("notify")) need(!t["notify"].value_or(std::string()).empty(), "notify");
        }
    return bad;
}

toml::table read_back(const KeepalivedImport& r) {
    EXPECT_EQ(structure(r.toml), std::vector<std::string>{}) << r.toml;
    try {
        return toml::parse(r.toml);
    } catch (const toml::parse_error&) {
        return {};
    }
}

const toml::table& group(const toml::table& root, std::size_t i) {
    static const toml::table empty;
    const auto* g = root["group"].as_array();
    return g && i < g->size() ? *(*g)[i].as_table() : empty;
}

TEST(ImportKeepalived, PairConvertsIntoOneRouterWithEachNodesPriority) {
    auto r = imported(input({{"lb1", "pair-a.conf"}, {"lb2", "pair-b.conf"}}));
    const auto root = read_back(r);
    EXPECT_EQ(root["cluster"]["name"].value_or(std::string()), "keepalived");
    EXPECT_EQ(root["cluster"]["auth_key_file"].value_or(std::string()), "auth.key");
    EXPECT_TRUE(root["cluster"]["two_node"].value_or(false));
    // Heartbeat addresses: each node's unicast_src_ip.
    EXPECT_EQ(root["node"][0]["name"].value_or(std::string()), "lb1");
    EXPECT_EQ(root["node"][0]["address"][0].value_or(std::string()), "198.18.0.11");
    EXPECT_EQ(root["node"][1]["address"][0].value_or(std::string()), "198.18.0.12");
    ASSERT_EQ(root["group"].as_array()->size(), 1u);
    const auto& g = group(root, 0);
    EXPECT_EQ(g["name"].value_or(std::string()), "VI_1");
    EXPECT_EQ(g["protocol"].value_or(std::string()), "vrrp3");
    EXPECT_EQ(g["vrid"].value_or(0), 51);
    EXPECT_EQ(g["interface"].value_or(std::string()), "eth0");
    EXPECT_EQ(g["advert_interval_ms"].value_or(0), 1000);
    EXPECT_EQ(g["priority"]["lb1"].value_or(0), 150);
    EXPECT_EQ(g["priority"]["lb2"].value_or(0), 100);
    EXPECT_FALSE(g.contains("preempt"));      // keepalived's default: preempt
    EXPECT_FALSE(g.contains("accept_mode"));  // no vrrp_strict: vigil's default, accept
    const auto* peers = g["unicast_peers"].as_array();
    ASSERT_NE(peers, nullptr);
    ASSERT_EQ(peers->size(), 2u);
    EXPECT_EQ((*peers)[0].value_or(std::string()), "198.18.0.11");
    EXPECT_EQ((*peers)[1].value_or(std::string()), "198.18.0.12");
    EXPECT_EQ(g["vip"][0]["address"].value_or(std::string()), "198.18.0.10/24");
    EXPECT_FALSE(g["vip"][0].as_table()->contains("interface"));  // dev eth0 = the interface
    EXPECT_EQ(g["notify"].value_or(std::string()), "/etc/keepalived/notify.sh");
    EXPECT_EQ(g["checks"][0].value_or(std::string()), "chk_haproxy");
    EXPECT_EQ(g["checks"][1].value_or(std::string()), "link_eth1.weight-30");
    // vrrp_script -> [[check]] command, its timing in ms, keepalived's fall/rise/weight.
    const auto& chk = *root["check"][0].as_table();
    EXPECT_EQ(chk["name"].value_or(std::string()), "chk_haproxy");
    EXPECT_EQ(chk["command"].value_or(std::string()), "/usr/bin/killall -0 haproxy");
    EXPECT_EQ(chk["interval_ms"].value_or(0), 2000);
    EXPECT_EQ(chk["timeout_ms"].value_or(0), 1000);
    EXPECT_EQ(chk["fall"].value_or(0), 2);
    EXPECT_EQ(chk["rise"].value_or(0), 3);
    EXPECT_EQ(chk["weight"].value_or(0), -20);
    // track_interface eth1 weight -30 -> a carrier check with that weight.
    const auto& link = *root["check"][1].as_table();
    EXPECT_EQ(link["command"].value_or(std::string()),
              "test \"$(cat /sys/class/net/eth1/carrier 2>/dev/null)\" = 1");
    EXPECT_EQ(link["weight"].value_or(0), -30);
    EXPECT_EQ(link["fall"].value_or(0), 1);
    // The VRRP password stays out of the config and the notes.
    EXPECT_EQ(r.toml.find("s3cret99"), std::string::npos);
    for (const auto& n : r.notes) EXPECT_EQ(format_note(n).find("s3cret99"), std::string::npos);
}

TEST(ImportKeepalived, PairListsEveryDroppedKeywordWithItsLine) {
    auto r = imported(input({{"lb1", "pair-a.conf"}, {"lb2", "pair-b.conf"}}));
    struct Expect {
        std::string where, what;
        Kind kind;
        std::string why_has;
    };
    const Expect expected[] = {
        {"pair-a.conf:3", "router_id lb1", Kind::not_carried, "[[node]] name"},
        {"pair-a.conf:4", "enable_script_security", Kind::not_carried, "root"},
        {"pair-a.conf:5", "script_user", Kind::not_carried, "root"},
        {"pair-a.conf:19", "state MASTER", Kind::not_carried, "priority"},
        {"pair-b.conf:19", "state BACKUP", Kind::not_carried, "priority"},
        {"pair-a.conf:28", "authentication", Kind::not_carried, "RFC 9568 removed authentication"},
        {"pair-a.conf:33", "label eth0:1", Kind::not_carried, "prefix only"},
        {"pair-a.conf:42", "garp_master_delay 5", Kind::not_carried, "announce_count"},
        {"pair-a.conf:39", "track_interface eth1", Kind::warning, "carrier"},
        {"pair-a.conf:41", "notify /etc/keepalived/notify.sh", Kind::warning,
         "CMD GROUP STATE PRIORITY"},
        {"[cluster] auth_key_file", "auth.key", Kind::warning, "head -c 32 /dev/urandom"},
    };
    for (const auto& e : expected) {
        const ImportNote* n = find_note(r, e.where, e.what);
        ASSERT_NE(n, nullptr) << e.where << " " << e.what << "\n" << r.toml;
        EXPECT_EQ(n->kind, e.kind) << e.what;
        EXPECT_NE(n->why.find(e.why_has), std::string::npos) << n->why;
        // ... and each note is a comment at the end of the config.
        EXPECT_NE(r.toml.find("# " + format_note(*n) + "\n"), std::string::npos) << e.what;
    }
    // Both nodes track chk_haproxy: no "tracked by no vrrp_instance" for either.
    EXPECT_EQ(find_note(r, "pair-b.conf:9", "vrrp_script"), nullptr);
    // vrrp_version 3 in global_defs: no VRRPv2 warning.
    EXPECT_EQ(find_note(r, "pair-a.conf:18", "vrrp_instance VI_1"), nullptr);
}

TEST(ImportKeepalived, TheNonVrrpPartsPassTodaysConfigParser) {
    auto r = imported(input({{"lb1", "pair-a.conf"}, {"lb2", "pair-b.conf"}}));
    auto root = toml::parse(r.toml);
    root.erase("group");  // vrrp3 groups: OutputParses below
    std::ostringstream rest;
    rest << root;
    auto config = parse_config(rest.str(), "/etc/vigil/vigil.toml");
    ASSERT_TRUE(config) << config.error().message << "\n" << rest.str();
    ASSERT_EQ(config->nodes.size(), 2u);
    EXPECT_EQ(config->nodes[1].addresses, std::vector<std::string>{"198.18.0.12"});
    ASSERT_EQ(config->checks.size(), 2u);
    EXPECT_EQ(config->checks[0].weight, -20);
    EXPECT_EQ(config->checks[1].name, "link_eth1.weight-30");
}

// The whole output of every sample passes the real parser, with the values carried.
TEST(ImportKeepalived, OutputParses) {
    auto r = imported(input({{"lb1", "pair-a.conf"}, {"lb2", "pair-b.conf"}}));
    auto config = parse_config(r.toml, "/etc/vigil/vigil.toml");
    ASSERT_TRUE(config) << config.error().message << "\n" << r.toml;
    ASSERT_EQ(config->vrrp.size(), 1u);
    const auto& v = config->vrrp[0];
    EXPECT_EQ(v.name, "VI_1");
    EXPECT_EQ(v.vrid, 51);
    EXPECT_EQ(v.advert_interval_cs, 100);
    EXPECT_EQ(v.priority, (std::vector<std::optional<int>>{150, 100}));
    EXPECT_EQ(v.unicast_peers, (std::vector<std::string>{"198.18.0.11", "198.18.0.12"}));
    ASSERT_EQ(v.checks.size(), 2u);
    for (const char* file : {"ipv6.conf", "sync.conf", "neutron.conf", "lvs.conf"}) {
        auto one = imported(input({{"n1", file}}, {{"n1", "198.18.0.1"}}));
        auto c = parse_config(one.toml, "/etc/vigil/vigil.toml");
        EXPECT_TRUE(c) << file << ": " << (c ? "" : c.error().message) << "\n" << one.toml;
    }
}

TEST(ImportKeepalived, Ipv6RouterTimingPreemptAndDefaultPrefix) {
    auto r = imported(input({{"gw", "ipv6.conf"}}, {{"gw", "fd00::1"}}));
    const auto root = read_back(r);
    const auto& g = group(root, 0);
    EXPECT_EQ(g["advert_interval_ms"].value_or(0), 250);  // advert_int 0.25
    EXPECT_FALSE(g["preempt"].value_or(true));            // nopreempt
    EXPECT_EQ(g["preempt_delay_ms"].value_or(0), 30000);  // preempt_delay 30
    EXPECT_EQ(g["vip"][0]["address"].value_or(std::string()), "fe80::60/128");
    EXPECT_EQ(g["vip"][1]["address"].value_or(std::string()), "fd00:18::1/64");
    EXPECT_FALSE(g.contains("unicast_peers"));  // multicast ff02::12
    EXPECT_EQ(root["node"][0]["address"][0].value_or(std::string()), "fd00::1");
    ASSERT_NE(find_note(r, "ipv6.conf:17", "fe80::60"), nullptr);
    EXPECT_NE(find_note(r, "ipv6.conf:17", "fe80::60")->why.find("/128"), std::string::npos);
    ASSERT_NE(find_note(r, "ipv6.conf:12", "native_ipv6"), nullptr);
    EXPECT_EQ(find_note(r, "ipv6.conf:6", "vrrp_instance GW6"), nullptr);  // version 3
}

TEST(ImportKeepalived, NodeWithoutUnicastSrcIpNeedsNodeAddress) {
    EXPECT_EQ(error_of(input({{"gw", "ipv6.conf"}})),
              "ipv6.conf: node gw: no heartbeat address (no unicast_src_ip in the file): give "
              "--node-address gw=ADDRESS");
    // --node-address wins over unicast_src_ip.
    auto r =
        imported(input({{"lb1", "pair-a.conf"}, {"lb2", "pair-b.conf"}}, {{"lb1", "198.18.5.1"}}));
    EXPECT_EQ(read_back(r)["node"][0]["address"][0].value_or(std::string()), "198.18.5.1");
    EXPECT_EQ(error_of(input({{"gw", "ipv6.conf"}}, {{"nope", "198.18.0.1"}, {"gw", "x"}})),
              "--node-address nope=198.18.0.1: \"nope\" is not a node given with --conf\n"
              "--node-address gw=x: \"x\" is not a unicast IP address\n"
              "ipv6.conf: node gw: no heartbeat address (no unicast_src_ip in the file): give "
              "--node-address gw=ADDRESS");
}

TEST(ImportKeepalived, SyncGroupStrictModeAndPerStateNotify) {
    auto r = imported(input({{"fw1", "sync.conf"}}, {{"fw1", "198.18.0.1"}}));
    const auto root = read_back(r);
    const auto& out = group(root, 0);
    const auto& in = group(root, 1);
    EXPECT_EQ(out["name"].value_or(std::string()), "FW_OUT");
    EXPECT_EQ(out["sync_group"].value_or(std::string()), "FW");
    EXPECT_EQ(in["sync_group"].value_or(std::string()), "FW");
    EXPECT_EQ(out["advert_interval_ms"].value_or(0), 500);
    EXPECT_FALSE(out.contains("accept_mode"));  // vrrp_strict: noted, vigil's master accepts
    EXPECT_FALSE(in.contains("accept_mode"));         // accept: vigil's default
    // notify_master/backup/fault -> one notify dispatching on vigil's STATE ($2).
    EXPECT_EQ(out["notify"].value_or(std::string()),
              "vigil_notify() { case \"$2\" in master) /etc/keepalived/conntrackd.sh primary ;; "
              "backup) /etc/keepalived/conntrackd.sh backup ;; fault) "
              "/etc/keepalived/conntrackd.sh fault ;; esac; }; vigil_notify");
    EXPECT_FALSE(in.contains("notify"));
    ASSERT_NE(find_note(r, "sync.conf:23", "notify_master/notify_backup/notify_fault"), nullptr);
    ASSERT_NE(find_note(r, "sync.conf:12", "notify_master"), nullptr);  // the sync group's
    EXPECT_EQ(find_note(r, "sync.conf:12", "notify_master")->kind, Kind::not_carried);
    ASSERT_NE(find_note(r, "sync.conf:4", "vrrp_strict"), nullptr);
}

TEST(ImportKeepalived, PerStateNotifyRunsItsCommandUnderVigilsArguments) {
    // The generated notify, run as vigil runs notify (docs/config.md), picks the command of
    // the state in $2.
    auto r = imported(
        inline_conf(kMinimal + "  notify_master \"echo M\"\n  notify_fault \"echo F\"\n}\n"));
    const std::string notify = group(read_back(r), 0)["notify"].value_or(std::string());
    for (const auto& [state, want] : std::vector<std::pair<std::string, std::string>>{
             {"master", "M\n"}, {"fault", "F\n"}, {"backup", ""}}) {
        const std::string cmd =
            "/bin/sh -c '" + notify + " \"$@\"' vigil-notify V " + state + " 100";
        std::string out;
        if (FILE* p = ::popen(cmd.c_str(), "r")) {
            char buf[64];
            while (std::fgets(buf, sizeof buf, p)) out += buf;
            EXPECT_EQ(::pclose(p), 0) << cmd;
        }
        EXPECT_EQ(out, want) << state;
    }
}

TEST(ImportKeepalived, NotifyAndPerStateNotifyKeepsNotify) {
    auto r = imported(inline_conf(kMinimal + "  notify /bin/n\n  notify_backup /bin/b root\n}\n"));
    EXPECT_EQ(group(read_back(r), 0)["notify"].value_or(std::string()), "/bin/n");
    ASSERT_NE(find_note(r, "k.conf:8", "notify_backup"), nullptr);
    EXPECT_NE(find_note(r, "k.conf:8", "notify_backup ... root"), nullptr);  // the user
}

TEST(ImportKeepalived, NeutronRouterExcludedAddressesRoutesAndV2) {
    auto r = imported(input({{"net1", "neutron.conf"}}, {{"net1", "198.18.0.1"}}));
    const auto root = read_back(r);
    const auto& g = group(root, 0);
    EXPECT_EQ(g["name"].value_or(std::string()), "VR_1");
    EXPECT_EQ(g["interface"].value_or(std::string()), "ha-5a3c8e2b-1f");
    EXPECT_EQ(g["advert_interval_ms"].value_or(0), 2000);
    EXPECT_EQ(g["priority"]["net1"].value_or(0), 50);
    const auto& vips = *g["vip"].as_array();
    ASSERT_EQ(vips.size(), 3u);  // the IPv6 one is left out: one family per router
    EXPECT_EQ(vips[0].as_table()->at("address").value_or(std::string()), "169.254.0.1/24");
    EXPECT_EQ(vips[1].as_table()->at("address").value_or(std::string()), "198.18.20.1/24");
    EXPECT_EQ(vips[1].as_table()->at("interface").value_or(std::string()), "qr-7d1e2f3a-4b");
    EXPECT_EQ(vips[2].as_table()->at("interface").value_or(std::string()), "qg-9c8b7a6d-5e");
    EXPECT_EQ(g["checks"][0].value_or(std::string()), "link_ha-5a3c8e2b-1f");
    EXPECT_EQ(root["check"][0]["weight"].value_or(1), 0);  // no weight: failing = fault
    ASSERT_NE(find_note(r, "neutron.conf:19", "virtual_ipaddress_excluded"), nullptr);
    ASSERT_NE(find_note(r, "neutron.conf:22", "fd00:20::1/64"), nullptr);
    EXPECT_EQ(find_note(r, "neutron.conf:22", "fd00:20::1/64")->kind, Kind::not_carried);
    ASSERT_NE(find_note(r, "neutron.conf:24", "virtual_routes"), nullptr);
    EXPECT_NE(find_note(r, "neutron.conf:24", "virtual_routes")->why.find("notify"),
              std::string::npos);
    ASSERT_NE(find_note(r, "neutron.conf:2", "notification_email_from"), nullptr);
    const ImportNote* v2 = find_note(r, "neutron.conf:5", "vrrp_instance VR_1");
    ASSERT_NE(v2, nullptr);  // no vrrp_version: keepalived's default, VRRPv2
    EXPECT_NE(v2->why.find("VRRPv3 only"), std::string::npos);
    ASSERT_NE(find_note(r, "neutron.conf:5", "interface ha-5a3c8e2b-1f"), nullptr);
    EXPECT_NE(find_note(r, "neutron.conf:5", "interface ha-")->why.find("qrouter"),
              std::string::npos);
}

TEST(ImportKeepalived, InstancesThatDisagreeOnInterfaceAreRefusedNamingBothLines) {
    // Two neutron L3 agents: each has its own ha- port, so the interface names differ.
    const std::string e = error_of(input({{"a", "neutron.conf"}, {"b", "neutron-b.conf"}},
                                         {{"a", "198.18.0.1"}, {"b", "198.18.0.2"}}));
    EXPECT_EQ(e.rfind("neutron-b.conf:5: vrrp_instance VR_1: interface ha-0b1d2e3f-4a differs "
                      "from neutron.conf:5 (ha-5a3c8e2b-1f): the nodes must agree",
                      0),
              0u)
        << e;
    EXPECT_NE(e.find("neutron-b.conf:5: vrrp_instance VR_1: virtual addresses"), std::string::npos);
}

TEST(ImportKeepalived, VridMismatchIsAnErrorOtherDifferencesAreWarnings) {
    auto in = inline_conf(kMinimal + "}\n");
    in.confs.push_back({"n2", {"k2.conf", kMinimal + "  advert_int 2\n  nopreempt\n}\n"}});
    in.node_addresses.push_back({"n2", "198.18.0.2"});
    auto r = imported(in);
    ASSERT_NE(find_note(r, "k2.conf:1", "vrrp_instance V"), nullptr);
    EXPECT_EQ(group(read_back(r), 0)["advert_interval_ms"].value_or(0), 1000);  // k.conf's
    std::size_t differing = 0;
    for (const auto& n : r.notes)
        differing +=
            n.where == "k2.conf:1" && n.why.find("differs from k.conf:1") != std::string::npos;
    EXPECT_EQ(differing, 2u);  // advert_int and preempt

    std::string other = kMinimal + "}\n";
    other.replace(other.find("_id 5"), 5, "_id 6");
    in.confs[1].file.text = other;
    EXPECT_EQ(error_of(in),
              "k2.conf:1: vrrp_instance V: virtual_router_id 6 differs from k.conf:1 (5): the "
              "nodes must agree (the config is one for all nodes)");
}

TEST(ImportKeepalived, TwoAddressOwnersAreAWarning) {
    auto owners_note = [](const KeepalivedImport& r) {
        std::size_t n = 0;
        for (const auto& note : r.notes)
            n += note.where == "k.conf:1" && note.why.find("priority 255") != std::string::npos;
        return n;
    };
    auto in = inline_conf(kMinimal + "  priority 255\n}\n");
    EXPECT_EQ(owners_note(imported(in)), 0u);  // one owner is fine
    in.confs.push_back({"n2", in.confs[0].file});
    in.node_addresses.push_back({"n2", "198.18.0.2"});
    auto r = imported(in);
    EXPECT_EQ(owners_note(r), 1u);
    EXPECT_NE(r.toml.find("several nodes: n1, n2"), std::string::npos);
}

TEST(ImportKeepalived, AdvertIntervalRoundsTo10MsAndIsClampedToVrrp3sRange) {
    auto advert = [](const std::string& value) {
        auto r = imported(inline_conf(kMinimal + "  advert_int " + value + "\n}\n"));
        return std::make_pair(group(read_back(r), 0)["advert_interval_ms"].value_or(0L),
                              find_note(r, "k.conf:1", "advert_int") != nullptr);
    };
    EXPECT_EQ(advert("0.123"), std::make_pair(120L, false));
    EXPECT_EQ(advert("0.125"), std::make_pair(130L, false));
    EXPECT_EQ(advert(".5"), std::make_pair(500L, false));
    EXPECT_EQ(advert("0.001"), std::make_pair(10L, true));     // raised to 10 ms
    EXPECT_EQ(advert("40.99"), std::make_pair(40950L, true));  // lowered to 40950 ms
    EXPECT_EQ(error_of(inline_conf(kMinimal + "  advert_int 41\n}\n")),
              "k.conf:7: advert_int 41: expected seconds 0..40 (such as 1 or 0.5)");
    EXPECT_EQ(error_of(inline_conf(kMinimal + "  advert_int 1.\n}\n")),
              "k.conf:7: advert_int 1.: expected seconds 0..40 (such as 1 or 0.5)");
}

TEST(ImportKeepalived, TrackScriptWeightOverrideBecomesASecondCheck) {
    auto r = imported(
        inline_conf("vrrp_script chk { script \"/bin/true\"\n interval 0.5\n weight 10\n }\n" +
                    kMinimal + "  track_script {\n    chk weight -50\n  }\n}\n"));
    const auto root = read_back(r);
    EXPECT_EQ(root["check"][0]["name"].value_or(std::string()), "chk.weight-50");
    EXPECT_EQ(root["check"][0]["weight"].value_or(0), -50);
    EXPECT_EQ(root["check"][0]["interval_ms"].value_or(0), 500);
    EXPECT_EQ(root["check"][0]["timeout_ms"].value_or(0), 500);  // keepalived: the interval
    EXPECT_EQ(root["check"][0]["fall"].value_or(0), 1);          // keepalived's default
    ASSERT_NE(find_note(r, "k.conf:12", "chk weight -50"), nullptr);
}

TEST(ImportKeepalived, LvsAndUnknownKeywordsAreListedNotConverted) {
    auto r = imported(input({{"lb", "lvs.conf"}}, {{"lb", "198.18.0.1"}}));
    const auto root = read_back(r);
    const auto& g = group(root, 0);
    EXPECT_EQ(g["priority"]["lb"].value_or(0), 255);  // the address owner
    EXPECT_EQ(g["vip"][0]["address"].value_or(std::string()), "198.18.0.80/32");
    EXPECT_EQ(g["vip"][1]["address"].value_or(std::string()), "198.18.0.81/24");
    EXPECT_FALSE(g.contains("unicast_peers"));  // unicast_src_ip without peers: multicast
    EXPECT_FALSE(g.contains("checks"));         // chk_missing is not defined
    EXPECT_FALSE(root.contains("check"));       // chk_unused is tracked by nothing
    struct Expect {
        std::string where, what, why_has;
    };
    const Expect expected[] = {
        {"lvs.conf:3", "notification_email", "mail"},
        {"lvs.conf:6", "smtp_server", "mail"},
        {"lvs.conf:7", "lvs_id", "load balancer"},
        {"lvs.conf:8", "vrrp_garp_interval", "announce"},
        {"lvs.conf:9", "frobnicate_everything yes", "unknown keyword in global_defs"},
        {"lvs.conf:23", "198.18.0.80", "/32"},
        {"lvs.conf:24", "brd 198.18.0.255", "prefix only"},
        {"lvs.conf:24", "scope global", "prefix only"},
        {"lvs.conf:26", "smtp_alert", "mail"},
        {"lvs.conf:27", "use_vmac", "virtual MAC"},
        {"lvs.conf:29", "chk_missing", "no vrrp_script"},
        {"lvs.conf:31", "wobble 3", "unknown keyword in vrrp_instance VI_WEB"},
        {"lvs.conf:34", "virtual_server 198.18.0.80 80", "not a load balancer"},
        {"lvs.conf:12", "vrrp_script chk_unused", "tracked by no vrrp_instance"},
    };
    for (const auto& e : expected) {
        const ImportNote* n = find_note(r, e.where, e.what);
        ASSERT_NE(n, nullptr) << e.where << " " << e.what;
        EXPECT_NE(n->why.find(e.why_has), std::string::npos) << n->why;
    }
    // real_server and its checker are inside virtual_server: one note, not one per line.
    for (const auto& n : r.notes) EXPECT_EQ(n.what.find("real_server"), std::string::npos);
}

TEST(ImportKeepalived, IncludeFollowsTheResolverWithBoundedDepth) {
    auto in = input({{"db1", "include-main.conf"}});
    std::vector<std::pair<std::string, std::string>> asked;
    in.resolve_include = [&](const std::string& pattern,
                             const std::string& from) -> Result<std::vector<KeepalivedFile>> {
        asked.emplace_back(pattern, from);
        if (pattern == "conf.d/*.conf")
            return std::vector<KeepalivedFile>{{"conf.d/vi_db.conf", sample("conf.d/vi_db.conf")}};
        return std::vector<KeepalivedFile>{};
    };
    auto r = imported(in);
    EXPECT_EQ(asked, (std::vector<std::pair<std::string, std::string>>{
                         {"conf.d/*.conf", "include-main.conf"},
                         {"missing/*.conf", "include-main.conf"}}));
    const auto root = read_back(r);
    EXPECT_EQ(group(root, 0)["name"].value_or(std::string()), "VI_DB");
    EXPECT_EQ(root["node"][0]["address"][0].value_or(std::string()), "198.18.0.41");
    EXPECT_NE(r.toml.find("# conf.d/vi_db.conf:1"),
              std::string::npos);  // lines of the included file
    ASSERT_NE(find_note(r, "include-main.conf:6", "include missing/*.conf"), nullptr);

    // Without a resolver: a note, nothing read (and here nothing left to convert).
    in.resolve_include = nullptr;
    EXPECT_EQ(error_of(in), "include-main.conf: no vrrp_instance in any file (nothing to convert)");

    // A file that includes itself stops at the depth bound.
    in.resolve_include = [&](const std::string&,
                             const std::string& from) -> Result<std::vector<KeepalivedFile>> {
        return std::vector<KeepalivedFile>{{from, "include self.conf\n"}};
    };
    EXPECT_NE(error_of(in).find("include self.conf: includes nested deeper than 8 levels"),
              std::string::npos);
    // A resolver error names the include line.
    in.resolve_include = [&](const std::string& p,
                             const std::string&) -> Result<std::vector<KeepalivedFile>> {
        return Error::invalid(p + ": cannot read");
    };
    EXPECT_EQ(error_of(in).rfind("include-main.conf:5: include conf.d/*.conf: conf.d/*.conf: "
                                 "cannot read",
                                 0),
              0u);
}

TEST(ImportKeepalived, BadValuesAreErrorsNamingTheirLines) {
    EXPECT_EQ(error_of(input({{"n1", "bad.conf"}}, {{"n1", "198.18.0.1"}})),
              "bad.conf:4: virtual_router_id 300: expected an integer 1..255\n"
              "bad.conf:5: priority high: expected an integer 1..255\n"
              "bad.conf:6: advert_int fast: expected seconds 0..40 (such as 1 or 0.5)\n"
              "bad.conf:8: \"198.18.0.999/24\": expected a unicast IP address, optionally /PREFIX\n"
              "bad.conf:9: \"198.18.0.7/40\": expected a prefix 0..32\n"
              "bad.conf:13: unicast_peer not-an-address: expected a unicast IP address\n"
              "bad.conf:16: chk weight heavy: expected an integer -254..254\n"
              "bad.conf:19: vrrp_instance NO_VIPS: no virtual_ipaddress\n"
              "bad.conf:23: vrrp_instance NO_IFACE: no interface");
}

TEST(ImportKeepalived, SyntaxErrorsNameTheirLines) {
    const std::string e = error_of(input({{"n1", "unclosed.conf"}}, {{"n1", "198.18.0.1"}}));
    EXPECT_EQ(e.rfind("unclosed.conf:3: a quoted word is not closed on its line (expected \")\n"
                      "unclosed.conf:8: a } that closes no block\n"
                      "unclosed.conf:9: vrrp_instance: the { opened here is not closed "
                      "(expected })\n",
                      0),
              0u)
        << e;
    EXPECT_EQ(error_of(inline_conf("{ x }\n" + kMinimal + "}\n")),
              "k.conf:1: a { without a keyword before it");
    std::string deep;
    for (int i = 0; i < 40; ++i) deep += "x {\n";
    EXPECT_NE(error_of(inline_conf(deep)).find("blocks nested deeper than 16 levels"),
              std::string::npos);
}

TEST(ImportKeepalived, SyntaxCommentsQuotesAndBracesAnywhere) {
    // `!` and `#` comments, a brace on the next line or glued to a word, one-line blocks.
    auto r = imported(inline_conf(
        "! comment\nvrrp_instance V\n{ # brace below the keyword\n interface eth0 ! trailing\n"
        " virtual_router_id 7\n virtual_ipaddress{198.18.0.7/24}\n"
        " notify \"/usr/bin/logger -t vrrp # not a comment\"\n}\n"));
    const auto root = read_back(r);
    const auto& g = group(root, 0);
    EXPECT_EQ(g["vrid"].value_or(0), 7);
    EXPECT_EQ(g["vip"][0]["address"].value_or(std::string()), "198.18.0.7/24");
    EXPECT_EQ(g["notify"].value_or(std::string()), "/usr/bin/logger -t vrrp # not a comment");
}

TEST(ImportKeepalived, RoutersAndNodesMustBeUsable) {
    EXPECT_EQ(error_of(KeepalivedImportInput{}), "--conf: no keepalived.conf given");
    auto in = inline_conf(kMinimal +
                          "}\nvrrp_instance W {\n interface eth0\n"
                          " virtual_router_id 5\n virtual_ipaddress { 198.18.0.9 }\n}\n");
    EXPECT_EQ(error_of(in),
              "k.conf:8: vrrp_instance W: virtual_router_id 5 on eth0 is also used at k.conf:1 "
              "(unique per interface and family)");
    in = inline_conf(kMinimal + "}\n" + kMinimal + "}\n");
    EXPECT_EQ(error_of(in), "k.conf:8: vrrp_instance V: defined twice (k.conf:1)");
    in = inline_conf(kMinimal + "}\n");
    in.confs[0].node = "bad name";
    in.node_addresses.clear();
    in.node_addresses.push_back({"bad name", "198.18.0.1"});
    EXPECT_EQ(
        error_of(in).rfind("--conf bad name=k.conf: \"bad name\" is not a vigil node name", 0), 0u);
    in = inline_conf(kMinimal + "}\n");
    in.confs.push_back(in.confs[0]);
    EXPECT_NE(error_of(in).find("node \"n1\" given twice"), std::string::npos);
    in = inline_conf(kMinimal + "}\n");
    for (int i = 2; i <= 17; ++i) in.confs.push_back({"n" + std::to_string(i), in.confs[0].file});
    EXPECT_NE(error_of(in).find("17 nodes (vigil has at most 16)"), std::string::npos);
}

TEST(ImportKeepalived, OtherFamilyVipsAndPeersAreLeftOutOrRefused) {
    auto r =
        imported(inline_conf(kMinimal.substr(0, kMinimal.size() - 4) + "    fd00::5/64\n  }\n}\n"));
    const auto root = read_back(r);
    const auto& g = group(root, 0);
    EXPECT_EQ(g["vip"].as_array()->size(), 1u);
    ASSERT_NE(find_note(r, "k.conf:6", "fd00::5/64"), nullptr);
    EXPECT_EQ(error_of(inline_conf(kMinimal + "  unicast_peer {\n    fd00::2\n  }\n}\n")),
              "k.conf:1: vrrp_instance V: unicast address fd00::2 is not of the VIPs' family");
}

TEST(ImportKeepalived, HostileMutationsNeverCrash) {
    // Seeded: a failure repeats with the same seed. Each mutant either is refused with
    // FILE:LINE problems or yields TOML of the right structure.
    const char* files[] = {"pair-a.conf", "ipv6.conf", "sync.conf", "neutron.conf", "lvs.conf"};
    const std::string alphabet = "{}\"#!\n \tab019./:-_";
    Prng prng(0x6b65'6570'616c);
    int refused = 0, converted = 0;
    for (int i = 0; i < 300; ++i) {
        std::string text = sample(files[i % 5]);
        const int edits = 1 + static_cast<int>(prng.below(8));
        for (int e = 0; e < edits && !text.empty(); ++e) {
            const std::size_t at = prng.below(text.size());
            switch (prng.below(4)) {
                case 0: text.erase(at, 1 + prng.below(20)); break;
                case 1: text.insert(at, 1, alphabet[prng.below(alphabet.size())]); break;
                case 2: text[at] = static_cast<char>(prng.below(256)); break;
                default: text.insert(at, text.substr(prng.below(text.size()), prng.below(40)));
            }
        }
        KeepalivedImportInput in;
        in.confs.push_back({"n1", {"m.conf", text}});
        in.node_addresses.push_back({"n1", "198.18.0.1"});
        in.resolve_include = [&](const std::string&,
                                 const std::string& from) -> Result<std::vector<KeepalivedFile>> {
            return std::vector<KeepalivedFile>{{from, text}};  // includes itself
        };
        auto r = import_keepalived(in);
        if (r) {
            ++converted;
            EXPECT_EQ(structure(r->toml), std::vector<std::string>{}) << "mutant " << i << "\n"
                                                                      << text;
        } else {
            ++refused;
            EXPECT_FALSE(r.error().message.empty());
        }
    }
    EXPECT_GT(refused, 0);
    EXPECT_GT(converted, 0);
}

}  // namespace
}  // namespace vigil::daemon
