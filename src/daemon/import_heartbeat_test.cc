// Goal: `vigil import heartbeat` carries every ha.cf, haresources and authkeys rule it claims
// to (docs/import.md), lists everything it drops with a reason, refuses what is unusable
// (crc, no nodes, bad values) naming FILE:LINE, and its output passes the real config parser.
// Method: the pure importer on the sample files of tests/data/heartbeat/ (shaped like the
// field guides' two-node setup) and on small inline variants, its TOML fed to parse_config.
#include "daemon/import_heartbeat.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/prng.h"
#include "daemon/config_parse.h"

namespace vigil::daemon {
namespace {

using Kind = ImportNote::Kind;

std::string sample(const std::string& name) {
    std::ifstream in(std::string(VIGIL_SOURCE_DIR) + "/tests/data/heartbeat/" + name);
    std::ostringstream text;
    text << in.rdbuf();
    EXPECT_FALSE(text.str().empty()) << name;
    return text.str();
}

// The classic setup, with each node's own addresses given where ha.cf cannot hold them.
HeartbeatImportInput classic() {
    HeartbeatImportInput in;
    in.ha_cf = {"ha.cf", sample("ha.cf")};
    in.haresources = {"haresources", sample("haresources")};
    in.authkeys = {"authkeys", sample("authkeys")};
    in.node_addresses = {{"alpha", "eth0", "198.18.0.1"},
                         {"bravo", "eth0", "198.18.0.2"},
                         {"alpha", "eth1", "198.18.1.1"}};
    return in;
}

// A minimal complete setup for variants: replace one file's text.
HeartbeatImportInput minimal(
    const std::string& ha_cf, const std::string& haresources,
    const std::string& authkeys = "auth 1\n1 sha1 0123456789abcdef0123\n") {
    HeartbeatImportInput in;
    in.ha_cf = {"ha.cf", ha_cf};
    in.haresources = {"haresources", haresources};
    in.authkeys = {"authkeys", authkeys};
    in.node_addresses = {{"a", "eth1", "198.18.1.1"}};  // b's is the other ucast address
    return in;
}
const std::string kTwoNodes = "ucast eth1 198.18.1.2\nucast eth1 198.18.1.1\nnode a b\n";

core::Config parsed(const HeartbeatImport& result) {
    auto config = parse_config(result.toml, "/etc/vigil/vigil.toml");
    EXPECT_TRUE(config) << (config ? "" : config.error().message) << "\n" << result.toml;
    return config ? *config : core::Config{};
}

const ImportNote* find_note(const HeartbeatImport& r, const std::string& where,
                            const std::string& what_prefix) {
    for (const auto& n : r.notes)
        if (n.where == where && n.what.rfind(what_prefix, 0) == 0) return &n;
    return nullptr;
}

std::string error_of(const HeartbeatImportInput& in) {
    auto r = import_heartbeat(in);
    EXPECT_FALSE(r) << (r ? r->toml : "");
    return r ? "" : r.error().message;
}

TEST(ImportHeartbeat, ClassicSetupPassesTheConfigParser) {
    auto r = import_heartbeat(classic());
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->todo_count, 0u);
    const core::Config c = parsed(*r);
    EXPECT_EQ(c.cluster.heartbeat_interval_ms, 2000);  // keepalive 2
    EXPECT_EQ(c.cluster.dead_time_ms, 30000);          // deadtime 30
    EXPECT_EQ(c.cluster.warn_time_ms, 10000);          // warntime 10
    EXPECT_EQ(c.cluster.init_dead_ms, 120000);         // initdead 120
    EXPECT_EQ(c.cluster.port, 694);                    // udpport 694
    EXPECT_TRUE(c.cluster.two_node);
    EXPECT_EQ(c.cluster.auth_key_file, "/etc/vigil/auth.key");
    ASSERT_EQ(c.nodes.size(), 2u);
    EXPECT_EQ(c.nodes[0].name, "alpha");
    EXPECT_EQ(c.nodes[0].addresses, (std::vector<std::string>{"198.18.0.1", "198.18.1.1"}));
    // bravo's eth1 address is the ucast line's: the one address no other node has.
    EXPECT_EQ(c.nodes[1].addresses, (std::vector<std::string>{"198.18.0.2", "198.18.1.2"}));
    EXPECT_EQ(r->key, "6f1c0e8f3b2d4a5e9c7b1a0d2e3f4a5b\n");
    // The secrets stay out of the config and its notes (the config is often less protected).
    EXPECT_EQ(r->toml.find("6f1c0e8f"), std::string::npos);
    EXPECT_EQ(r->toml.find("an-older-md5-secret"), std::string::npos);
}

TEST(ImportHeartbeat, EachHaresourcesLineIsAGroupPreferringItsFirstNode) {
    auto r = import_heartbeat(classic());
    ASSERT_TRUE(r) << r.error().message;
    const core::Config c = parsed(*r);
    ASSERT_EQ(c.groups.size(), 2u);
    const auto& web = c.groups[0];
    EXPECT_EQ(web.priority, (std::vector<std::optional<int>>{200, 100}));  // alpha preferred
    EXPECT_TRUE(web.preempt);                                              // auto_failback on
    ASSERT_EQ(web.vips.size(), 1u);
    EXPECT_EQ(web.vips[0].cidr(), "198.18.0.10/24");
    EXPECT_EQ(web.vips[0].interface, "eth0");
    ASSERT_EQ(web.resources.size(), 3u);  // in the line's order
    EXPECT_EQ(c.resources[web.resources[0]].name, "drbddisk-r0");
    EXPECT_EQ(c.resources[web.resources[1]].start,
              "/etc/ha.d/resource.d/Filesystem /dev/drbd0 /var/www ext3 start");
    EXPECT_EQ(c.resources[web.resources[1]].monitor,
              "/etc/ha.d/resource.d/Filesystem /dev/drbd0 /var/www ext3 status");
    EXPECT_EQ(c.resources[web.resources[2]].stop, "/etc/init.d/apache2 stop");
    const auto& db = c.groups[1];
    EXPECT_EQ(db.priority, (std::vector<std::optional<int>>{100, 200}));  // bravo preferred
    ASSERT_EQ(db.vips.size(), 2u);
    EXPECT_EQ(db.vips[0].cidr(), "198.18.0.20/24");  // bare address: /24 on the bcast link
    EXPECT_EQ(db.vips[1].cidr(), "198.18.0.21/24");  // 255.255.255.0
    ASSERT_EQ(db.resources.size(), 1u);              // MailTo is not a resource
    EXPECT_EQ(c.resources[db.resources[0]].name, "mysql");
}

TEST(ImportHeartbeat, EveryDroppedDirectiveIsListedWithItsReasonAndLine) {
    auto r = import_heartbeat(classic());
    ASSERT_TRUE(r) << r.error().message;
    struct Expect {
        std::string where, what, why_has;
    };
    const Expect expected[] = {
        {"ha.cf:3", "logfacility", "journald"},
        {"ha.cf:4", "logfile", "journald"},
        {"ha.cf:5", "debugfile", "journald"},
        {"ha.cf:6", "use_logd", "journald"},
        {"ha.cf:14", "serial", "network link"},
        {"ha.cf:15", "baud", "serial"},
        {"ha.cf:17", "watchdog", "supervisor"},
        {"ha.cf:18", "compression", "compressed"},
        {"ha.cf:21", "ping", "[[check]]"},
        {"ha.cf:22", "respawn", "exec"},
        {"ha.cf:23", "apiauth", "control"},
        {"ha.cf:24", "crm", "resource manager"},
        {"haresources:6", "MailTo", "notify"},
        {"haresources:6", "IPaddr::", "broadcast"},
        {"authkeys:4", "2 md5", "auth_key_next_file"},
        {"authkeys:5", "3 crc", "only the key"},
    };
    for (const auto& e : expected) {
        const ImportNote* n = find_note(*r, e.where, e.what);
        ASSERT_NE(n, nullptr) << e.where << " " << e.what;
        EXPECT_EQ(n->kind, Kind::not_carried) << e.where;
        EXPECT_NE(n->why.find(e.why_has), std::string::npos) << n->why;
        // Each note is also a comment at the end of the config.
        EXPECT_NE(r->toml.find("# " + format_note(*n)), std::string::npos) << e.where;
    }
    // Carried over with a caveat: guesses and scripts that need checking.
    EXPECT_NE(find_note(*r, "haresources:6", "198.18.0.20"), nullptr);  // prefix, interface
    const ImportNote* drbd = find_note(*r, "haresources:3", "drbddisk");
    ASSERT_NE(drbd, nullptr);
    EXPECT_EQ(drbd->kind, Kind::warning);
    EXPECT_NE(find_note(*r, "haresources:3", "IPaddr2::"), nullptr);  // after a script
    const ImportNote* slow = find_note(*r, "ha.cf:8", "deadtime 30");
    ASSERT_NE(slow, nullptr);
    EXPECT_NE(slow->why.find("dead_time_ms = 250"), std::string::npos);
}

TEST(ImportHeartbeat, CrcIsRefusedNamingFileAndLine) {
    auto in = classic();
    in.authkeys = {"/etc/ha.d/authkeys", sample("authkeys.crc")};
    const std::string error = error_of(in);
    EXPECT_NE(error.find("/etc/ha.d/authkeys:3: key 3 uses crc"), std::string::npos) << error;
    EXPECT_NE(error.find("insecure"), std::string::npos) << error;
}

TEST(ImportHeartbeat, Md5KeyIsCarriedAsItsSecretBytes) {
    auto r = import_heartbeat(minimal(kTwoNodes, "", "auth 2\n2 md5 a secret with spaces 123\n"));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->key, "a secret with spaces 123\n");
}

TEST(ImportHeartbeat, UnusableAuthkeysAreRefusedWithTheirLine) {
    struct Case {
        std::string text, expected;
    };
    const Case cases[] = {
        {"1 sha1 0123456789abcdef\n", "authkeys: no \"auth N\" line"},
        {"auth 2\n1 sha1 0123456789abcdef\n", "authkeys:1: auth 2: no key 2"},
        {"auth 1\n1 sha1 short\n", "authkeys:2: the sha1 secret is 5 bytes (expected at least 16"},
        {"auth 1\n1 sha256 0123456789abcdef\n", "authkeys:2: unknown method \"sha256\""},
        {"auth 1\n1 sha1\n", "authkeys:2: sha1: expected a secret"},
    };
    for (const auto& c : cases) {
        const std::string error = error_of(minimal(kTwoNodes, "", c.text));
        EXPECT_NE(error.find(c.expected), std::string::npos) << c.text << "=> " << error;
    }
}

TEST(ImportHeartbeat, AuthkeysReadableByOthersIsWarned) {
    auto in = minimal(kTwoNodes, "");
    in.authkeys_too_open = true;
    auto r = import_heartbeat(in);
    ASSERT_TRUE(r) << r.error().message;
    const ImportNote* n = find_note(*r, "authkeys", "file mode");
    ASSERT_NE(n, nullptr);
    EXPECT_NE(n->why.find("600"), std::string::npos);
}

TEST(ImportHeartbeat, TimeUnitsAreSecondsOrMilliseconds) {
    auto r = import_heartbeat(
        minimal(kTwoNodes + "keepalive 500ms\ndeadtime 1.5\nwarntime 1s\ninitdead 3\n", ""));
    ASSERT_TRUE(r) << r.error().message;
    const core::Config c = parsed(*r);
    EXPECT_EQ(c.cluster.heartbeat_interval_ms, 500);
    EXPECT_EQ(c.cluster.dead_time_ms, 1500);
    EXPECT_EQ(c.cluster.warn_time_ms, 1000);
    EXPECT_EQ(c.cluster.init_dead_ms, 3000);
}

TEST(ImportHeartbeat, BadValuesAreAllReportedWithTheirLines) {
    const std::string error = error_of(
        minimal("keepalive fast\nudpport 70000\nucast eth1\nauto_failback maybe\nnode a b\n"
                "bcast eth0\n",
                ""));
    EXPECT_NE(error.find("ha.cf:1: keepalive: \"fast\" is not a time"), std::string::npos) << error;
    EXPECT_NE(error.find("ha.cf:2: udpport: expected a port"), std::string::npos) << error;
    EXPECT_NE(error.find("ha.cf:3: ucast: expected IFACE ADDRESS"), std::string::npos) << error;
    EXPECT_NE(error.find("ha.cf:4: auto_failback: expected on, off or legacy"), std::string::npos)
        << error;
}

// heartbeat's values outside vigil's ranges are moved into them, with a note each, so that
// the output still passes the parser.
TEST(ImportHeartbeat, TimingsOutsideVigilsRangesAreClampedWithANote) {
    auto r = import_heartbeat(
        minimal(kTwoNodes + "keepalive 20\ndeadtime 120\nwarntime 200\ninitdead 1000\n", ""));
    ASSERT_TRUE(r) << r.error().message;
    const core::Config c = parsed(*r);
    EXPECT_EQ(c.cluster.heartbeat_interval_ms, 10000);
    EXPECT_EQ(c.cluster.dead_time_ms, 60000);
    EXPECT_EQ(c.cluster.warn_time_ms, 60000);
    EXPECT_EQ(c.cluster.init_dead_ms, 600000);
    for (const char* line : {"ha.cf:4", "ha.cf:5", "ha.cf:6", "ha.cf:7"}) {
        bool found = false;
        for (const auto& n : r->notes) found |= n.where == line && n.kind == Kind::warning;
        EXPECT_TRUE(found) << line;
    }

    r = import_heartbeat(minimal(kTwoNodes + "keepalive 2\ndeadtime 3\ninitdead 1\n", ""));
    ASSERT_TRUE(r) << r.error().message;
    const core::Config d = parsed(*r);
    EXPECT_EQ(d.cluster.dead_time_ms, 4000);  // at least 2 heartbeat intervals
    EXPECT_EQ(d.cluster.init_dead_ms, 4000);  // at least the dead time

    r = import_heartbeat(minimal(kTwoNodes + "keepalive 2\n", ""));  // no deadtime
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(parsed(*r).cluster.dead_time_ms, 4000);
}

TEST(ImportHeartbeat, FailbackDirectivesSetPreempt) {
    struct Case {
        std::string line;
        bool preempt;
    };
    const Case cases[] = {{"auto_failback on", true},     {"auto_failback off", false},
                          {"auto_failback legacy", true}, {"nice_failback on", false},
                          {"nice_failback off", true},    {"", true}};
    for (const auto& c : cases) {
        auto r = import_heartbeat(minimal(kTwoNodes + c.line + "\n", "a 198.18.0.10/24/eth1\n"));
        ASSERT_TRUE(r) << r.error().message;
        const core::Config config = parsed(*r);
        ASSERT_EQ(config.groups.size(), 1u);
        EXPECT_EQ(config.groups[0].preempt, c.preempt) << c.line;
    }
}

TEST(ImportHeartbeat, NodeAddressesComeFromOptionsOrTheUnclaimedUcast) {
    // Only the peer's address in ha.cf (as on alpha): alpha's own is given, bravo gets it.
    auto in = minimal("ucast eth1 198.18.1.2\nnode alpha bravo\n", "");
    in.node_addresses = {{"alpha", "eth1", "198.18.1.1"}};
    auto r = import_heartbeat(in);
    ASSERT_TRUE(r) << r.error().message;
    const core::Config c = parsed(*r);
    EXPECT_EQ(c.nodes[1].addresses, std::vector<std::string>{"198.18.1.2"});

    // Without it, ha.cf cannot say whose address it is: a TODO each, and the parser refuses.
    in.node_addresses.clear();
    r = import_heartbeat(in);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->todo_count, 2u);
    const ImportNote* todo = find_note(*r, "ha.cf:1", "node alpha, link eth1");
    ASSERT_NE(todo, nullptr);
    EXPECT_EQ(todo->kind, Kind::todo);
    EXPECT_NE(todo->why.find("--node-address alpha:eth1="), std::string::npos);
    EXPECT_FALSE(parse_config(r->toml, "/etc/vigil/vigil.toml"));

    // An option naming an unknown node or link is an error.
    in.node_addresses = {{"charlie", "eth1", "198.18.1.3"}, {"alpha", "eth9", "198.18.1.3"}};
    const std::string error = error_of(in);
    EXPECT_NE(error.find("\"charlie\" is not a node"), std::string::npos) << error;
    EXPECT_NE(error.find("no heartbeat link on \"eth9\""), std::string::npos) << error;
}

TEST(ImportHeartbeat, McastAndBcastBecomeUnicastLinks) {
    auto in = minimal("mcast eth2 239.0.0.1 694 1 0\nbcast eth0 eth1\nnode a b c\n", "");
    for (const char* n : {"a", "b", "c"})
        for (const char* i : {"eth2", "eth0", "eth1"})
            in.node_addresses.push_back({n, i,
                                         std::string("198.18.") +
                                             (i[3] == '2'   ? "2."
                                              : i[3] == '0' ? "0."
                                                            : "1.") +
                                             std::to_string(n[0] - 'a' + 1)});
    auto r = import_heartbeat(in);
    ASSERT_TRUE(r) << r.error().message;
    const core::Config c = parsed(*r);
    EXPECT_FALSE(c.cluster.two_node);  // three nodes: a quorum of 2
    EXPECT_EQ(c.nodes[2].addresses,
              (std::vector<std::string>{"198.18.2.3", "198.18.0.3", "198.18.1.3"}));
    const ImportNote* mcast = find_note(*r, "ha.cf:1", "mcast");
    ASSERT_NE(mcast, nullptr);
    EXPECT_EQ(mcast->kind, Kind::not_carried);
    EXPECT_NE(mcast->why.find("multicast"), std::string::npos);
}

TEST(ImportHeartbeat, UnusableHaCfIsRefused) {
    EXPECT_NE(error_of(minimal("bcast eth0\n", "")).find("ha.cf: no node lines"),
              std::string::npos);
    EXPECT_NE(error_of(minimal("bcast eth0\nnode a\n", "")).find("ha.cf:2: only one node"),
              std::string::npos);
    EXPECT_NE(error_of(minimal("node a b\n", "")).find("ha.cf: no ucast, bcast or mcast"),
              std::string::npos);
}

TEST(ImportHeartbeat, UnknownPreferredNodeIsRefusedWithItsLine) {
    const std::string error = error_of(minimal(kTwoNodes, "# web\n\nc 198.18.0.10\n"));
    EXPECT_NE(error.find("haresources:3: preferred node \"c\" is not a node of ha.cf "
                         "(expected one of: a, b)"),
              std::string::npos)
        << error;
}

TEST(ImportHeartbeat, PreferredNodeMatchesWithoutCaseAndScriptsAreNotPaths) {
    auto r = import_heartbeat(minimal(kTwoNodes, "B 198.18.0.10/24/eth1\n"));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(parsed(*r).groups[0].priority, (std::vector<std::optional<int>>{100, 200}));
    const std::string error = error_of(minimal(kTwoNodes, "a /usr/sbin/apachectl\n"));
    EXPECT_NE(error.find("haresources:1: \"/usr/sbin/apachectl\": expected a script name"),
              std::string::npos)
        << error;
}

// Whatever the files hold, the importer answers with a result or an error, never a crash,
// and a result is TOML that the config parser reads (valid or not). Method: the sample files
// with a few random edits each (a word replaced, a line dropped, doubled or added), seeded,
// so that most runs stay close enough to valid to reach the later stages.
TEST(ImportHeartbeat, RandomEditsOfTheSamplesNeverCrash) {
    const std::vector<std::string> words = {"node",
                                            "a",
                                            "alpha",
                                            "bravo",
                                            "ucast",
                                            "bcast",
                                            "mcast",
                                            "eth0",
                                            "eth1",
                                            "198.18.0.1",
                                            "fd00::1",
                                            "keepalive",
                                            "deadtime",
                                            "warntime",
                                            "initdead",
                                            "2",
                                            "500ms",
                                            "1.5",
                                            "0",
                                            "auto_failback",
                                            "on",
                                            "off",
                                            "legacy",
                                            "udpport",
                                            "694",
                                            "#",
                                            "\\",
                                            "IPaddr::",
                                            "IPaddr2::198.18.0.9/24/eth0",
                                            "IPv6addr::fd00::9/64",
                                            "::",
                                            "/",
                                            "drbddisk::r0",
                                            "MailTo::x",
                                            "auth",
                                            "1",
                                            "sha1",
                                            "0123456789abcdef0",
                                            "crc",
                                            "md5",
                                            "\"",
                                            "=",
                                            "x::y::z",
                                            "198.18.0.10/255.255.255.0",
                                            "198.18.0.10/33",
                                            "-1",
                                            "99999999999",
                                            "ms"};
    auto edit = [&](Prng& prng, std::string text) {
        std::vector<std::string> lines;
        for (std::size_t start = 0, end; start < text.size(); start = end + 1) {
            end = text.find('\n', start);
            if (end == std::string::npos) end = text.size();
            lines.push_back(text.substr(start, end - start));
        }
        for (auto edits = prng.below(4); edits > 0 && !lines.empty(); --edits) {
            std::string& line = lines[prng.below(lines.size())];
            const std::string word = words[prng.below(words.size())];
            switch (prng.below(4)) {
                case 0: line = line.substr(0, line.rfind(' ') + 1) + word; break;
                case 1: line.clear(); break;
                case 2: lines.push_back(line); break;
                default: lines.push_back(word + " " + words[prng.below(words.size())]); break;
            }
        }
        std::string out;
        for (const auto& l : lines) out += l + "\n";
        return out;
    };
    int imported = 0, parsed_ok = 0;
    for (std::uint64_t seed = 1; seed <= 300; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        Prng prng(seed);
        HeartbeatImportInput in = classic();
        in.ha_cf.text = edit(prng, in.ha_cf.text);
        in.haresources.text = edit(prng, in.haresources.text);
        in.authkeys.text = edit(prng, in.authkeys.text);
        auto r = import_heartbeat(in);
        if (!r) {
            EXPECT_FALSE(r.error().message.empty());
            continue;
        }
        ++imported;
        parsed_ok += parse_config(r->toml, "/etc/vigil/vigil.toml").has_value();
    }
    // Both outcomes are reached: some edits are refused, some import, some still parse.
    EXPECT_GT(imported, 30);
    EXPECT_LT(imported, 290);
    EXPECT_GT(parsed_ok, 10);
}

TEST(ImportHeartbeat, AddressFormsAndContinuationLines) {
    auto r = import_heartbeat(
        minimal(kTwoNodes,
                "a IPv6addr::fd00:18::10/64/eth1 \\\n  fd00:18::11 \\\n"
                "  IPaddr::198.18.0.30/255.255.255.128/eth1\nb IPaddr2::198.18.0.31/32\n"));
    ASSERT_TRUE(r) << r.error().message;
    const core::Config c = parsed(*r);
    ASSERT_EQ(c.groups.size(), 2u);
    ASSERT_EQ(c.groups[0].vips.size(), 3u);
    EXPECT_EQ(c.groups[0].vips[0].cidr(), "fd00:18::10/64");
    EXPECT_EQ(c.groups[0].vips[1].cidr(), "fd00:18::11/64");
    EXPECT_EQ(c.groups[0].vips[2].cidr(), "198.18.0.30/25");
    EXPECT_EQ(c.groups[1].vips[0].cidr(), "198.18.0.31/32");
    EXPECT_EQ(c.groups[1].vips[0].interface, "eth1");  // the only link
    EXPECT_NE(find_note(*r, "haresources:4", "IPaddr2::198.18.0.31/32"), nullptr);
    EXPECT_NE(r->toml.find("# haresources:4"), std::string::npos);  // the second group's line

    const std::string error = error_of(minimal(kTwoNodes,
                                               "a IPaddr::198.18.0.30/255.0.255.0\n"
                                               "b IPaddr::host.example\n"));
    EXPECT_NE(error.find("haresources:1: IPaddr::198.18.0.30/255.0.255.0: \"255.0.255.0\" is "
                         "not a prefix"),
              std::string::npos)
        << error;
    EXPECT_NE(error.find("haresources:2: IPaddr::host.example: \"host.example\" is not a "
                         "unicast IP address"),
              std::string::npos)
        << error;
}

TEST(ImportHeartbeat, ScriptsAreFoundAndNamedUniquely) {
    auto in = minimal(kTwoNodes, "a Filesystem::/dev/sdb1::/srv lsbsvc::x;y\nb lsbsvc\n");
    in.script_path = [](const std::string& s) -> std::optional<std::string> {
        if (s == "lsbsvc") return "/etc/init.d/lsbsvc";
        return std::nullopt;
    };
    auto r = import_heartbeat(in);
    ASSERT_TRUE(r) << r.error().message;
    const core::Config c = parsed(*r);
    ASSERT_EQ(c.resources.size(), 3u);
    EXPECT_EQ(c.resources[0].name, "Filesystem-sdb1");
    EXPECT_EQ(c.resources[1].name, "lsbsvc-x-y");
    EXPECT_EQ(c.resources[1].start, "/etc/init.d/lsbsvc 'x;y' start");
    EXPECT_EQ(c.resources[2].name, "lsbsvc");
    const ImportNote* missing = find_note(*r, "haresources:1", "Filesystem");
    ASSERT_NE(missing, nullptr);
    EXPECT_NE(missing->why.find("not found"), std::string::npos);
}

// Names and values from the inputs are quoted, so that no input can add TOML keys or lines.
TEST(ImportHeartbeat, InputTextCannotInjectTomlOrComments) {
    auto in = minimal("ucast eth1 198.18.1.2\nnode a\"b c\nfoo x\"\ny = 1\n", "");
    in.cluster_name = "x\"\n[evil]";
    in.node_addresses.clear();
    auto r = import_heartbeat(in);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->toml.find("\n[evil]"), std::string::npos) << r->toml;
    EXPECT_EQ(r->toml.find("\ny = 1"), std::string::npos) << r->toml;
    auto config = parse_config(r->toml, "/etc/vigil/vigil.toml");
    ASSERT_FALSE(config);
    EXPECT_NE(config.error().message.find("cluster.name"), std::string::npos)
        << config.error().message;
}

// Notes are repeated as comments: control characters or bytes that are not UTF-8 in the
// input must not make the written file invalid TOML.
TEST(ImportHeartbeat, ControlAndNonUtf8BytesInNotesKeepTheOutputValid) {
    auto in = minimal(kTwoNodes + "logfile /var/log/ha\x01\x7f\xff\xfe.log\n",
                      "a 198.18.1.10/24/eth1\n");
    auto r = import_heartbeat(in);
    ASSERT_TRUE(r) << r.error().message;
    parsed(*r);
    EXPECT_EQ(r->toml.find('\x01'), std::string::npos);
    EXPECT_EQ(r->toml.find('\xff'), std::string::npos);
}

}  // namespace
}  // namespace vigil::daemon
