// Goal: parse_config reads vrrp3 groups (docs/config.md "VRRP groups") into core::VrrpConfig,
// refuses every malformed or inconsistent one with FILE:LINE: KEY.PATH: what was expected,
// leaves the vigil groups (and their limits) alone, and puts the routers in the digest.
// Method: one small valid file that mixes both kinds of group, and edits to it.
#include <gtest/gtest.h>

#include <string>

#include "daemon/config_parse.h"
#include "daemon/config_reload.h"
#include "tests/support/text_edit.h"

namespace vigil::daemon {
namespace {

// Line numbers matter: the expected messages below name them.
constexpr std::string_view kValid = R"([cluster]
name = "edge"
auth_key_file = "auth.key"
two_node = true
[[node]]
name = "n1"
address = "198.18.0.11"
[[node]]
name = "n2"
address = "198.18.0.12"
[[check]]
name = "uplink"
ping = "198.18.0.1"
weight = -20
[[group]]
name = "r1"
protocol = "vrrp3"
vrid = 51
interface = "eth0"
advert_interval_ms = 100
priority = { n1 = 150, n2 = 100 }
vip = [ { address = "198.18.0.51/24" }, { address = "198.18.2.51/24", interface = "eth1" } ]
checks = ["uplink"]
sync_group = "edge"
[[group]]
name = "northbound"
priority = { n1 = 150, n2 = 100 }
vip = [ { address = "198.18.0.10/24", interface = "eth0" } ]
[[group]]
name = "r2"
protocol = "vrrp3"
vrid = 52
interface = "eth0"
placement = "spread"
preempt = false
preempt_delay_ms = 5000
unicast_peers = ["fd00:18::12"]
vip = [ { address = "fd00:18::52/64" } ]
notify = "/usr/local/bin/hook"
require_quorum = true
[[group]]
name = "r3"
protocol = "vrrp3"
vrid = 53
interface = "eth0"
placement = "spread"
vip = [ { address = "198.18.0.53/24" } ]
)";

std::string edit(std::string_view from, std::string_view to,
                 std::string text = std::string(kValid)) {
    return edit_test_text(std::move(text), from, to);
}

Result<core::Config> parse(const std::string& text) {
    return parse_config(text, "/etc/vigil/vigil.toml");
}

std::string problems_of(const std::string& text) {
    auto c = parse(text);
    return c ? std::string("(valid)") : c.error().message;
}

TEST(ConfigVrrp, ReadsEveryKey) {
    auto c = parse(std::string(kValid));
    ASSERT_TRUE(c) << c.error().message;
    ASSERT_EQ(c->groups.size(), 1u);  // the vigil group only
    EXPECT_EQ(c->groups[0].name, "northbound");
    ASSERT_EQ(c->vrrp.size(), 3u);
    const auto& r1 = c->vrrp[0];
    EXPECT_EQ(r1.name, "r1");
    EXPECT_EQ(r1.vrid, 51);
    EXPECT_EQ(r1.interface, "eth0");
    EXPECT_FALSE(r1.ipv6);
    EXPECT_EQ(r1.advert_interval_cs, 10);
    EXPECT_EQ(r1.priority[0], 150);
    EXPECT_EQ(r1.priority[1], 100);
    EXPECT_TRUE(r1.preempt);
    EXPECT_TRUE(r1.accept_mode);
    ASSERT_EQ(r1.vips.size(), 2u);
    EXPECT_EQ(r1.vips[0].interface, "eth0");  // defaults to the group's interface
    EXPECT_EQ(r1.vips[1].interface, "eth1");
    EXPECT_EQ(r1.vips[0].cidr(), "198.18.0.51/24");
    ASSERT_EQ(r1.checks.size(), 1u);
    EXPECT_EQ(c->checks[r1.checks[0]].name, "uplink");
    EXPECT_EQ(r1.sync_group, "edge");
    EXPECT_FALSE(r1.require_quorum);
    const auto& r2 = c->vrrp[1];
    EXPECT_TRUE(r2.ipv6);
    EXPECT_EQ(r2.advert_interval_cs, 100);  // the default, 1 s
    EXPECT_FALSE(r2.preempt);
    EXPECT_EQ(r2.preempt_delay_ms, 5000);
    ASSERT_EQ(r2.unicast_peers.size(), 1u);
    EXPECT_EQ(r2.unicast_peers[0], "fd00:18::12");
    EXPECT_EQ(r2.notify, "/usr/local/bin/hook");
    EXPECT_TRUE(r2.require_quorum);
}

TEST(ConfigVrrp, SpreadAlternatesThePreferredNode) {
    auto c = parse(std::string(kValid));
    ASSERT_TRUE(c) << c.error().message;
    // r2 is the first spread router, r3 the second: n1 prefers r2, n2 prefers r3.
    EXPECT_TRUE(c->vrrp[1].placement_spread);
    EXPECT_EQ(c->vrrp[1].priority[0], 200);
    EXPECT_EQ(c->vrrp[1].priority[1], 100);
    EXPECT_EQ(c->vrrp[2].priority[0], 100);
    EXPECT_EQ(c->vrrp[2].priority[1], 200);
}

TEST(ConfigVrrp, SpreadSkipsWitnessesAndRotatesOverThreeNodes) {
    std::string text = edit("two_node = true\n", "");
    text = edit("[[check]]", "[[node]]\nname = \"n3\"\naddress = \"198.18.0.13\"\n"
                "[[node]]\nname = \"w\"\naddress = \"198.18.0.30\"\nwitness = true\n[[check]]",
                text);
    auto c = parse(text);
    ASSERT_TRUE(c) << c.error().message;
    // r2: n1 200, n2 100, n3 99; r3: n2 200, n3 100, n1 99; the witness never.
    EXPECT_EQ(c->vrrp[1].priority[0], 200);
    EXPECT_EQ(c->vrrp[1].priority[1], 100);
    EXPECT_EQ(c->vrrp[1].priority[2], 99);
    EXPECT_FALSE(c->vrrp[1].priority[3].has_value());
    EXPECT_EQ(c->vrrp[2].priority[1], 200);
    EXPECT_EQ(c->vrrp[2].priority[2], 100);
    EXPECT_EQ(c->vrrp[2].priority[0], 99);
}

TEST(ConfigVrrp, RefusesBadValuesWithLineAndPath) {
    struct Case {
        std::string_view from, to, expected;
    };
    const Case cases[] = {
        {"vrid = 51", "vrid = 0",
         "vigil.toml:18: group[0].vrid: 0 is out of range (expected 1..255)"},
        {"vrid = 51", "vrid = 256",
         "vigil.toml:18: group[0].vrid: 256 is out of range (expected 1..255)"},
        {"vrid = 52", "vrid = 51", ""},  // other family: allowed (checked below)
        {"advert_interval_ms = 100", "advert_interval_ms = 105",
         "vigil.toml:20: group[0].advert_interval_ms: 105 is not a multiple of 10"},
        {"advert_interval_ms = 100", "advert_interval_ms = 40960",
         "vigil.toml:20: group[0].advert_interval_ms: 40960 is out of range (expected 10..40950)"},
        {"advert_interval_ms = 100", "advert_interval_ms = 5",
         "vigil.toml:20: group[0].advert_interval_ms: 5 is out of range"},
        {"priority = { n1 = 150, n2 = 100 }\nvip = [ { address = \"198.18.0.51/24\" }",
         "priority = { n1 = 150, n9 = 100 }\nvip = [ { address = \"198.18.0.51/24\" }",
         "vigil.toml:21: group[0].priority.n9: unknown node \"n9\""},
        {"interface = \"eth0\"\nadvert", "interface = \"eth/0\"\nadvert",
         "vigil.toml:19: group[0].interface: \"eth/0\" is not an interface name"},
        {"vip = [ { address = \"198.18.0.51/24\" }, { address = \"198.18.2.51/24\", "
         "interface = \"eth1\" } ]",
         "vip = [ { address = \"198.18.0.51/24\" }, { address = \"fd00:18::99/64\" } ]",
         "vigil.toml:22: group[0].vip[1].address: fd00:18::99 is of the other family"},
        {"vip = [ { address = \"198.18.0.51/24\" }, { address = \"198.18.2.51/24\", "
         "interface = \"eth1\" } ]",
         "vip = []", "vigil.toml:22: group[0].vip: 0 vips (expected 1..85"},
        {"vip = [ { address = \"198.18.0.53/24\" } ]", "vip = [ { address = \"198.18.0.10/24\" } ]",
         "group[3].vip[0].address: address 198.18.0.10 is already used by group \"northbound\""},
        {"checks = [\"uplink\"]", "checks = [\"uplink\", \"nope\"]",
         "vigil.toml:23: group[0].checks[1]: unknown check \"nope\""},
        {"unicast_peers = [\"fd00:18::12\"]", "unicast_peers = [\"198.18.0.12\"]",
         "group[2].unicast_peers[0]: 198.18.0.12 is of the other family"},
        {"placement = \"spread\"\npreempt", "placement = \"round\"\npreempt",
         "group[2].placement: \"round\" is not a placement (expected \"spread\")"},
        {"placement = \"spread\"\npreempt",
         "placement = \"spread\"\npriority = { n1 = 1 }\npreempt",
         "group[2].priority: given together with placement"},
        {"sync_group = \"edge\"", "sync_group = \"edge\"\naccept_mode = false",
         "vigil.toml:25: group[0].accept_mode: false is not supported"},
        {"sync_group = \"edge\"", "sync_group = \"edge\"\nfence = \"/bin/true\"",
         "vigil.toml:25: group[0].fence: not supported with protocol = \"vrrp3\""},
        {"sync_group = \"edge\"", "sync_group = \"edge\"\nresources = []",
         "vigil.toml:25: group[0].resources: not supported with protocol = \"vrrp3\""},
        {"sync_group = \"edge\"", "sync_group = \"edge\"\nvirtual_mac = true",
         "vigil.toml:25: group[0].virtual_mac: unknown key"},
        {"name = \"r3\"", "name = \"northbound\"",
         "group[3].name: duplicate group name \"northbound\" (also a vigil group)"},
        {"protocol = \"vrrp3\"\nvrid = 51", "protocol = \"vrrp2\"\nvrid = 51",
         "group[0].protocol: \"vrrp2\" is not a protocol (expected \"vigil\" or \"vrrp3\")"},
        {"vrid = 53", "vrid = 51",
         "group[3].vrid: vrid 51 on eth0 (IPv4) is already used by group[0].vrid"},
        {"require_quorum = true", "require_quorum = true\nsync_group = \"edge\"",
         "group[2].priority: differs from group[0] in sync_group \"edge\""},
    };
    for (const Case& c : cases) {
        const std::string out = problems_of(edit(c.from, c.to));
        if (c.expected.empty())
            EXPECT_EQ(out, "(valid)") << c.to;
        else
            EXPECT_NE(out.find(c.expected), std::string::npos)
                << "edit: " << c.to << "\nexpected: " << c.expected << "\ngot: " << out;
    }
}

TEST(ConfigVrrp, OneNodeIsAClusterOnlyForAVrrpSpeaker) {
    // A lone vigil node in virtual routers with keepalived or routers.
    const std::string lone = R"([cluster]
name = "edge"
auth_key_file = "auth.key"
[[node]]
name = "n1"
address = "198.18.0.11"
[[group]]
name = "r1"
protocol = "vrrp3"
vrid = 51
interface = "eth0"
priority = { n1 = 150 }
vip = [ { address = "198.18.0.51/24" } ]
)";
    auto c = parse(lone);
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->nodes.size(), 1u);
    EXPECT_EQ(c->quorum_size(), 1u);
    const std::string vigil_group = edit_test_text(lone, "protocol = \"vrrp3\"\nvrid = 51\n"
                                                         "interface = \"eth0\"\n", "");
    EXPECT_NE(problems_of(edit_test_text(vigil_group, "address = \"198.18.0.51/24\"",
                                         "address = \"198.18.0.51/24\", interface = \"eth0\""))
                  .find("vigil.toml:4: node: 1 node (expected 2..16 [[node]] tables; 1 only in a "
                        "file with vrrp3 groups)"),
              std::string::npos);
}

TEST(ConfigVrrp, ManyRoutersDoNotCountAgainstTheHeartbeatLimit) {
    std::string text(kValid);
    for (int i = 0; i < 1000; ++i) {
        const int iface = i / 250, vrid = i % 250 + 1;
        text += "[[group]]\nname = \"x" + std::to_string(i) +
                "\"\nprotocol = \"vrrp3\"\nvrid = " + std::to_string(vrid) +
                "\ninterface = \"v" + std::to_string(iface) +
                "\"\nplacement = \"spread\"\nvip = [ { address = \"198.19." +
                std::to_string(i / 200) + "." + std::to_string(i % 200 + 1) + "/16\" } ]\n";
    }
    auto c = parse(text);
    ASSERT_TRUE(c) << c.error().message.substr(0, 500);
    EXPECT_EQ(c->vrrp.size(), 1003u);
    int preferred_n1 = 0;
    for (const auto& r : c->vrrp)
        if (r.placement_spread && r.priority[0] == 200) ++preferred_n1;
    EXPECT_EQ(preferred_n1, 501);  // r2 + every other x: half each
}

TEST(ConfigVrrp, RoutersAreInTheDigest) {
    auto a = parse(std::string(kValid));
    auto b = parse(edit("advert_interval_ms = 100", "advert_interval_ms = 200"));
    ASSERT_TRUE(a && b);
    EXPECT_NE(a->digest, b->digest);
}

TEST(ConfigVrrp, ReloadRefusesRouterAndCheckChanges) {
    auto a = parse(std::string(kValid));
    auto b = parse(edit("advert_interval_ms = 100", "advert_interval_ms = 200"));
    auto c = parse(edit("weight = -20", "weight = -30"));
    ASSERT_TRUE(a && b && c);
    auto plan_b = plan_reload(*a, *b);
    ASSERT_EQ(plan_b.refusals.size(), 1u);
    EXPECT_EQ(plan_b.refusals[0], "vrrp3 groups changed: needs a restart");
    auto plan_c = plan_reload(*a, *c);
    ASSERT_EQ(plan_c.refusals.size(), 1u);
    EXPECT_EQ(plan_c.refusals[0], "checks changed while vrrp3 groups use them: needs a restart");
}

}  // namespace
}  // namespace vigil::daemon
