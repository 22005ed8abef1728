// Goal: parse_config accepts the documented format (docs/config.md) and rejects everything
// else, each problem reported as FILE:LINE: KEY.PATH: what was expected, all at once.
// Method: one valid file (the shape of examples/vigil.toml without its comment lines, so
// that line numbers stay small), and tables of small edits to it, each with the exact
// problem line it must produce. Digest and summary: config_summary_test.cc.
#include "daemon/config_parse.h"
#include "tests/support/text_edit.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace vigil::daemon {
namespace {

constexpr std::string_view kValid = R"([cluster]
name = "controller"
auth_key_file = "auth.key"       # shared secret; relative paths are relative to this file
heartbeat_interval_ms = 50
dead_time_ms = 250               # a peer is dead after this much silence on every link
port = 7405
two_node = true                  # line 7, so that the lines below keep their numbers
[[node]]
name = "n1"
address = ["198.18.0.11", "198.18.1.11"]   # one address per heartbeat link; IPv6 allowed

[[node]]
name = "n2"
address = ["198.18.0.12", "198.18.1.12"]

[[group]]
name = "northbound"
priority = { n1 = 150, n2 = 100 }
preempt = true
vip = [ { address = "198.18.0.10/24", interface = "eth0" },
        { address = "fd00:18::10/64", interface = "eth0" } ]
notify = "/usr/local/bin/on-role-change"   # optional; run as: CMD GROUP ROLE EPOCH
)";

// kValid with the first occurrence of `from` replaced by `to`.
std::string edit(std::string_view from, std::string_view to,
                 std::string text = std::string(kValid)) {
    return edit_test_text(std::move(text), from, to);
}

std::vector<std::string> lines_of(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

TEST(ConfigParse, ExampleShapeParses) {
    auto config = parse_config(kValid, "/etc/vigil/vigil.toml");
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_EQ(config->path, "/etc/vigil/vigil.toml");
    const core::ClusterConfig& c = config->cluster;
    EXPECT_EQ(c.name, "controller");
    EXPECT_EQ(c.auth_key_file, "/etc/vigil/auth.key");
    EXPECT_EQ(c.auth_key_next_file, "");
    EXPECT_EQ(c.heartbeat_interval_ms, 50);
    EXPECT_EQ(c.dead_time_ms, 250);
    EXPECT_EQ(c.port, 7405);
    EXPECT_EQ(c.warn_time_ms, 0);
    EXPECT_EQ(c.init_dead_ms, 0);
    EXPECT_EQ(c.announce_count, 3);
    EXPECT_EQ(c.announce_interval_ms, 100);
    EXPECT_EQ(c.notify_timeout_ms, 10000);
    ASSERT_EQ(config->nodes.size(), 2u);
    EXPECT_EQ(config->nodes[0].name, "n1");
    EXPECT_EQ(config->nodes[0].addresses, (std::vector<std::string>{"198.18.0.11", "198.18.1.11"}));
    EXPECT_EQ(config->nodes[1].name, "n2");
    EXPECT_EQ(config->nodes[1].addresses, (std::vector<std::string>{"198.18.0.12", "198.18.1.12"}));
    ASSERT_EQ(config->groups.size(), 1u);
    const core::GroupConfig& g = config->groups[0];
    EXPECT_EQ(g.name, "northbound");
    EXPECT_EQ(g.priority, (std::vector<std::optional<int>>{150, 100}));
    EXPECT_TRUE(g.preempt);
    ASSERT_EQ(g.vips.size(), 2u);
    EXPECT_EQ(g.vips[0].address, "198.18.0.10");
    EXPECT_EQ(g.vips[0].prefix_length, 24);
    EXPECT_FALSE(g.vips[0].ipv6);
    EXPECT_EQ(g.vips[0].interface, "eth0");
    EXPECT_EQ(g.vips[1].cidr(), "fd00:18::10/64");
    EXPECT_TRUE(g.vips[1].ipv6);
    EXPECT_EQ(g.notify, "/usr/local/bin/on-role-change");
    EXPECT_NE(config->digest, (std::array<std::uint8_t, 32>{}));
    EXPECT_EQ(config->digest, compute_config_digest(*config));
}

TEST(ConfigParse, OptionalClusterKeysAreRead) {
    auto config = parse_config(edit("port = 7405", R"(port = 7406
auth_key_next_file = "/keys/next.key"
warn_time_ms = 120
init_dead_ms = 5000
announce_count = 0
announce_interval_ms = 20
notify_timeout_ms = 2500)"),
                               "/etc/vigil/vigil.toml");
    ASSERT_TRUE(config) << config.error().message;
    const core::ClusterConfig& c = config->cluster;
    EXPECT_EQ(c.port, 7406);
    EXPECT_EQ(c.auth_key_next_file, "/keys/next.key");
    EXPECT_EQ(c.warn_time_ms, 120);
    EXPECT_EQ(c.init_dead_ms, 5000);
    EXPECT_EQ(c.announce_count, 0);
    EXPECT_EQ(c.announce_interval_ms, 20);
    EXPECT_EQ(c.notify_timeout_ms, 2500);
}

// Small edits that must still parse, with a check of what they mean.
struct AcceptCase {
    const char* name;
    std::string text;
    std::function<void(const core::Config&)> check;
};

void PrintTo(const AcceptCase& c, std::ostream* os) {
    *os << c.name;
}

class ConfigAccepts : public testing::TestWithParam<AcceptCase> {};

TEST_P(ConfigAccepts, Parses) {
    auto config = parse_config(GetParam().text, "/etc/vigil/vigil.toml");
    ASSERT_TRUE(config) << config.error().message;
    GetParam().check(*config);
}

const std::string kTwoGroups = std::string(kValid) + R"(
[[group]]
name = "southbound"
priority = { n2 = 200 }
preempt = false
)";

INSTANTIATE_TEST_SUITE_P(
    Config, ConfigAccepts,
    testing::Values(
        AcceptCase{
            "SingleStringAddressIsOneLink",
            edit("address = [\"198.18.0.12\", \"198.18.1.12\"]", "address = \"198.18.0.12\"",
                 edit("address = [\"198.18.0.11\", \"198.18.1.11\"]", "address = \"198.18.0.11\"")),
            [](const core::Config& c) {
                EXPECT_EQ(c.nodes[0].addresses, std::vector<std::string>{"198.18.0.11"});
            }},
        AcceptCase{
            "Ipv6LinksAreCanonicalized",
            edit("\"198.18.1.12\"", "\"FD00:0:0::12\"", edit("\"198.18.1.11\"", "\"fd00::11\"")),
            [](const core::Config& c) {
                EXPECT_EQ(c.nodes[0].addresses[1], "fd00::11");
                EXPECT_EQ(c.nodes[1].addresses[1], "fd00::12");
            }},
        AcceptCase{"PreemptDefaultsToTrue", edit("preempt = true\n", ""),
                   [](const core::Config& c) { EXPECT_TRUE(c.groups[0].preempt); }},
        AcceptCase{"NoGroupsIsAllowed", std::string(kValid.substr(0, kValid.find("[[group]]"))),
                   [](const core::Config& c) { EXPECT_TRUE(c.groups.empty()); }},
        AcceptCase{"NodeWithoutPriorityMayNotBePrimary", kTwoGroups,
                   [](const core::Config& c) {
                       ASSERT_EQ(c.groups.size(), 2u);
                       EXPECT_EQ(c.groups[1].priority,
                                 (std::vector<std::optional<int>>{std::nullopt, 200}));
                       EXPECT_FALSE(c.groups[1].preempt);
                       EXPECT_TRUE(c.groups[1].vips.empty());
                       EXPECT_EQ(c.groups[1].notify, "");
                   }},
        AcceptCase{"StandardTablesForPriorityAndVip",
                   edit("priority = { n1 = 150, n2 = 100 }\npreempt = true\n"
                        "vip = [ { address = \"198.18.0.10/24\", interface = \"eth0\" },\n"
                        "        { address = \"fd00:18::10/64\", interface = \"eth0\" } ]\n",
                        "[group.priority]\nn1 = 150\nn2 = 100\n[[group.vip]]\n"
                        "address = \"198.18.0.10/24\"\ninterface = \"eth0\"\n",
                        edit("notify = \"/usr/local/bin/on-role-change\"", "")),
                   [](const core::Config& c) {
                       EXPECT_EQ(c.groups[0].priority, (std::vector<std::optional<int>>{150, 100}));
                       ASSERT_EQ(c.groups[0].vips.size(), 1u);
                       EXPECT_EQ(c.groups[0].vips[0].cidr(), "198.18.0.10/24");
                       EXPECT_EQ(c.groups[0].notify, "");
                   }},
        AcceptCase{"RelativeKeyPathsFollowTheConfigFile",
                   edit("\"auth.key\"", "\"../keys/a.key\"\nauth_key_next_file = \"b.key\""),
                   [](const core::Config& c) {
                       EXPECT_EQ(c.cluster.auth_key_file, "/etc/keys/a.key");
                       EXPECT_EQ(c.cluster.auth_key_next_file, "/etc/vigil/b.key");
                   }},
        AcceptCase{"DotSlashNotifyFollowsTheConfigFile",
                   edit("\"/usr/local/bin/on-role-change\"", "\"./hooks/notify.sh\""),
                   [](const core::Config& c) {
                       EXPECT_EQ(c.groups[0].notify, "/etc/vigil/hooks/notify.sh");
                   }},
        AcceptCase{
            "BareNotifyIsKeptAsWritten",
            edit("\"/usr/local/bin/on-role-change\"", "\"on-role-change --quiet\""),
            [](const core::Config& c) { EXPECT_EQ(c.groups[0].notify, "on-role-change --quiet"); }},
        AcceptCase{
            "LimitsAreInclusive",
            edit("= 50", "= 5",
                 edit("= 250", "= 10",
                      edit("= 7405",
                           "= 65535\n"
                           "announce_count = 20\nwarn_time_ms = 10\ninit_dead_ms = 10",
                           edit("n1 = 150, n2 = 100", "n1 = 255, n2 = 1",
                                edit("\"controller\"", "\"" + std::string(63, 'c') + "\""))))),
            [](const core::Config& c) {
                EXPECT_EQ(c.cluster.heartbeat_interval_ms, 5);
                EXPECT_EQ(c.cluster.name.size(), 63u);
                EXPECT_EQ(c.groups[0].priority[0], 255);
            }},
        AcceptCase{
            "VipPrefixBounds",
            edit("198.18.0.10/24", "198.18.0.10/32", edit("fd00:18::10/64", "fd00:18::10/128")),
            [](const core::Config& c) {
                EXPECT_EQ(c.groups[0].vips[0].prefix_length, 32);
                EXPECT_EQ(c.groups[0].vips[1].prefix_length, 128);
            }}),
    [](const testing::TestParamInfo<AcceptCase>& info) { return info.param.name; });

TEST(ConfigParse, NotifyProgramInOddDirectoryIsShellQuoted) {
    auto config = parse_config(edit("\"/usr/local/bin/on-role-change\"", "\"./hook x\""),
                               "/etc/it's vigil/vigil.toml");
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_EQ(config->groups[0].notify, "'/etc/it'\\''s vigil/hook' x");
}

TEST(ConfigParse, PathWithoutDirectoryLeavesRelativePathsRelative) {
    auto config = parse_config(kValid, "vigil.toml");
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_EQ(config->cluster.auth_key_file, "auth.key");
}

// An edit that must be rejected, and one exact line the error must contain.
struct RejectCase {
    const char* name;
    std::string text;
    std::string problem;
};

void PrintTo(const RejectCase& c, std::ostream* os) {
    *os << c.name;
}

class ConfigRejects : public testing::TestWithParam<RejectCase> {};

TEST_P(ConfigRejects, NamesFileLineKeyAndExpectation) {
    auto config = parse_config(GetParam().text, "vigil.toml");
    ASSERT_FALSE(config) << "accepted:\n" << GetParam().text;
    EXPECT_EQ(config.error().code, Error::Code::invalid_argument);
    const auto lines = lines_of(config.error().message);
    EXPECT_NE(std::find(lines.begin(), lines.end(), GetParam().problem), lines.end())
        << "want: " << GetParam().problem << "\ngot:\n"
        << config.error().message;
}

std::string set_cluster(std::string_view key_line) {
    return edit("port = 7405", "port = 7405\n" + std::string(key_line));
}
constexpr const char* kClusterKeys =
    "name, auth_key_file, auth_key_next_file, heartbeat_interval_ms, dead_time_ms, "
    "warn_time_ms, init_dead_ms, port, announce_count, announce_interval_ms, notify_timeout_ms, "
    "two_node, tiebreaker, tiebreaker_interval_ms, clock_drift_max_ppm, lease_margin_ms, "
    "fence_timeout_ms, fence_retry_ms, state_dir";

INSTANTIATE_TEST_SUITE_P(
    Config, ConfigRejects,
    testing::Values(
        // Syntax: toml++'s own description, with the column.
        RejectCase{"SyntaxError", edit("port = 7405", "port = = 7405"),
                   "vigil.toml:6:8: Error while parsing value: could not determine value type"},
        // Unknown keys, anywhere.
        RejectCase{"UnknownTopLevelTable", std::string(kValid) + "[extra]\nx = 1\n",
                   "vigil.toml:23: extra: unknown key (expected one of: cluster, node, group, "
                   "resource, check, metrics, status_page)"},
        RejectCase{
            "UnknownClusterKey", set_cluster("heartbeat_ms = 50"),
            std::string("vigil.toml:7: cluster.heartbeat_ms: unknown key (expected one of: ") +
                kClusterKeys + ")"},
        RejectCase{
            "UnknownNodeKey", edit("name = \"n2\"", "name = \"n2\"\nweight = 3"),
            "vigil.toml:14: node[1].weight: unknown key (expected one of: name, address, witness)"},
        RejectCase{"UnknownGroupKey", edit("preempt = true", "preempt = true\npre_empt = true"),
                   "vigil.toml:20: group[0].pre_empt: unknown key (expected one of: name, "
                   "protocol, priority, preempt, vip, notify, fence, resources, checks, "
                   "failure_timeout_s, store)"},
        RejectCase{"UnknownVipKey",
                   edit("interface = \"eth0\" },", "interface = \"eth0\", dev = 1 },"),
                   "vigil.toml:20: group[0].vip[0].dev: unknown key (expected one of: address, "
                   "interface)"},
        RejectCase{"QuotedUnknownKeyIsEscaped", set_cluster("\"a\\nb\" = 1"),
                   "vigil.toml:7: cluster.\"a\\x0ab\": unknown key (expected one of: " +
                       std::string(kClusterKeys) + ")"},
        // Missing required keys.
        RejectCase{"MissingClusterTable", edit("[cluster]\n", "[other]\n"),
                   "vigil.toml:1: cluster: missing required table (expected [cluster])"},
        RejectCase{"MissingClusterName", edit("name = \"controller\"\n", ""),
                   "vigil.toml:1: cluster.name: missing required key (expected a name string)"},
        RejectCase{"MissingAuthKeyFile", edit("auth_key_file = \"auth.key\"", ""),
                   "vigil.toml:1: cluster.auth_key_file: missing required key (expected a file "
                   "path)"},
        RejectCase{"EmptyAuthKeyFile", edit("\"auth.key\"", "\"\""),
                   "vigil.toml:3: cluster.auth_key_file: empty path (expected a file path)"},
        RejectCase{"MissingNodeName", edit("name = \"n2\"\n", ""),
                   "vigil.toml:12: node[1].name: missing required key (expected a name string)"},
        RejectCase{"MissingNodeAddress", edit("address = [\"198.18.0.12\", \"198.18.1.12\"]\n", ""),
                   "vigil.toml:12: node[1].address: missing required key (expected an address or "
                   "array of addresses)"},
        RejectCase{"MissingGroupName", edit("name = \"northbound\"\n", ""),
                   "vigil.toml:16: group[0].name: missing required key (expected a name string)"},
        RejectCase{"MissingGroupPriority", edit("priority = { n1 = 150, n2 = 100 }\n", ""),
                   "vigil.toml:16: group[0].priority: missing required key (expected { node = "
                   "priority, ... })"},
        // Types.
        RejectCase{"ClusterNotATable", "cluster = 1\n" + edit("[cluster]\n", "[x]\n"),
                   "vigil.toml:1: cluster: expected a table ([cluster]), got an integer"},
        RejectCase{"IntegerAsString", edit("port = 7405", "port = \"7405\""),
                   "vigil.toml:6: cluster.port: expected an integer, got a string"},
        RejectCase{"IntegerAsFloat", edit("= 50", "= 50.0"),
                   "vigil.toml:4: cluster.heartbeat_interval_ms: expected an integer, got a float"},
        RejectCase{"PreemptAsString", edit("preempt = true", "preempt = \"yes\""),
                   "vigil.toml:19: group[0].preempt: expected a boolean (true or false), got a "
                   "string"},
        RejectCase{"AddressAsInteger",
                   edit("address = [\"198.18.0.12\", \"198.18.1.12\"]", "address = 7"),
                   "vigil.toml:14: node[1].address: expected an address string or an array of "
                   "them, got an integer"},
        RejectCase{"NodeNotAnArrayOfTables",
                   "node = 3\n" + std::string(kValid.substr(0, kValid.find("[[node]]"))) +
                       std::string(kValid.substr(kValid.find("[[group]]"))),
                   "vigil.toml:1: node: expected an array of tables ([[node]]), got an integer"},
        RejectCase{"PriorityNotATable", edit("{ n1 = 150, n2 = 100 }", "[150, 100]"),
                   "vigil.toml:18: group[0].priority: expected a table of node = priority, e.g. "
                   "{ n1 = 150, n2 = 100 }, got an array"},
        RejectCase{"NotifyNotAString", edit("\"/usr/local/bin/on-role-change\"", "[\"a\"]"),
                   "vigil.toml:22: group[0].notify: expected a string, got an array"},
        RejectCase{"NulInString", edit("\"auth.key\"", "\"auth\\u0000.key\""),
                   "vigil.toml:3: cluster.auth_key_file: \"auth\\x00.key\" contains a NUL byte "
                   "(expected text)"},
        RejectCase{"NotifyEmpty", edit("\"/usr/local/bin/on-role-change\"", "\"\""),
                   "vigil.toml:22: group[0].notify: empty (expected a command)"},
        // Ranges.
        RejectCase{"HeartbeatTooShort", edit("= 50", "= 4"),
                   "vigil.toml:4: cluster.heartbeat_interval_ms: 4 is out of range (expected "
                   "5..10000)"},
        RejectCase{"HeartbeatTooLong", edit("= 50", "= 10001"),
                   "vigil.toml:4: cluster.heartbeat_interval_ms: 10001 is out of range (expected "
                   "5..10000)"},
        RejectCase{"DeadTimeUnderTwoHeartbeats", edit("= 250", "= 99"),
                   "vigil.toml:5: cluster.dead_time_ms: 99 is too short (expected at least 2 x "
                   "heartbeat_interval_ms = 100)"},
        RejectCase{"DeadTimeTooLong", edit("= 250", "= 60001"),
                   "vigil.toml:5: cluster.dead_time_ms: 60001 is out of range (expected "
                   "10..60000)"},
        RejectCase{"PortZero", edit("= 7405", "= 0"),
                   "vigil.toml:6: cluster.port: 0 is out of range (expected 1..65535)"},
        RejectCase{"PortTooLarge", edit("= 7405", "= 65536"),
                   "vigil.toml:6: cluster.port: 65536 is out of range (expected 1..65535)"},
        RejectCase{"AnnounceCountTooLarge", set_cluster("announce_count = 21"),
                   "vigil.toml:7: cluster.announce_count: 21 is out of range (expected 0..20)"},
        RejectCase{"WarnTimeUnderHeartbeat", set_cluster("warn_time_ms = 49"),
                   "vigil.toml:7: cluster.warn_time_ms: 49 is out of range (expected 0 or "
                   "heartbeat_interval_ms..dead_time_ms = 50..250)"},
        RejectCase{"InitDeadUnderDeadTime", set_cluster("init_dead_ms = 249"),
                   "vigil.toml:7: cluster.init_dead_ms: 249 is too short (expected 0 or at least "
                   "dead_time_ms = 250)"},
        RejectCase{"NotifyTimeoutTooShort", set_cluster("notify_timeout_ms = 99"),
                   "vigil.toml:7: cluster.notify_timeout_ms: 99 is out of range (expected "
                   "100..600000)"},
        RejectCase{"HugeIntegerDoesNotWrap", edit("= 7405", "= 4294974701"),
                   "vigil.toml:6: cluster.port: 4294974701 is out of range (expected 1..65535)"},
        RejectCase{"PriorityZero", edit("n2 = 100", "n2 = 0"),
                   "vigil.toml:18: group[0].priority.n2: 0 is out of range (expected 1..255)"},
        RejectCase{"PriorityTooHigh", edit("n1 = 150", "n1 = 256"),
                   "vigil.toml:18: group[0].priority.n1: 256 is out of range (expected 1..255)"},
        // Names.
        RejectCase{"EmptyName", edit("\"controller\"", "\"\""),
                   "vigil.toml:2: cluster.name: \"\" is not a valid name (expected 1..63 "
                   "characters of A-Z a-z 0-9 _ . -)"},
        RejectCase{"NameTooLong", edit("\"n1\"", "\"" + std::string(64, 'n') + "\""),
                   "vigil.toml:9: node[0].name: \"" + std::string(64, 'n') +
                       "\" is not a valid name (expected 1..63 characters of A-Z a-z 0-9 _ . -)"},
        RejectCase{"NameWithSpace", edit("\"northbound\"", "\"north bound\""),
                   "vigil.toml:17: group[0].name: \"north bound\" is not a valid name (expected "
                   "1..63 characters of A-Z a-z 0-9 _ . -)"},
        RejectCase{"DuplicateNodeName", edit("name = \"n2\"", "name = \"n1\""),
                   "vigil.toml:13: node[1].name: duplicate node name \"n1\" (also node[0].name)"},
        RejectCase{"DuplicateGroupName", edit("\"southbound\"", "\"northbound\"", kTwoGroups),
                   "vigil.toml:25: group[1].name: duplicate group name \"northbound\" (also "
                   "group[0].name)"},
        // Nodes and links.
        RejectCase{"OneNode",
                   edit("[[node]]\nname = \"n2\"\naddress = [\"198.18.0.12\", "
                        "\"198.18.1.12\"]\n",
                        "", edit("n1 = 150, n2 = 100", "n1 = 150")),
                   "vigil.toml:8: node: 1 node (expected 2..16 [[node]] tables; 1 only in a "
                   "file with vrrp3 groups)"},
        RejectCase{"NoNodes", std::string(kValid.substr(0, kValid.find("[[node]]"))),
                   "vigil.toml:1: node: missing (expected 2..16 [[node]] tables; 1 only in a "
                   "file with vrrp3 groups)"},
        RejectCase{"LinkCountDiffers", edit(", \"198.18.1.12\"]", "]"),
                   "vigil.toml:14: node[1].address: 1 address, but node[0] has 2 (expected one "
                   "address per link on every node)"},
        RejectCase{"LinkFamilyDiffers", edit("\"198.18.1.12\"", "\"fd00::12\""),
                   "vigil.toml:14: node[1].address[1]: IPv6 address, but link 1 is IPv4 on "
                   "node[0] (expected one family per link)"},
        RejectCase{"AddressNotALiteral", edit("\"198.18.0.12\"", "\"n2.example.com\""),
                   "vigil.toml:14: node[1].address[0]: \"n2.example.com\" is not an address "
                   "(expected a unicast IPv4 or IPv6 literal)"},
        RejectCase{"AddressOctetTooLarge", edit("\"198.18.0.12\"", "\"198.18.0.256\""),
                   "vigil.toml:14: node[1].address[0]: \"198.18.0.256\" is not an address "
                   "(expected a unicast IPv4 or IPv6 literal)"},
        RejectCase{"AddressMulticast", edit("\"198.18.0.12\"", "\"224.0.0.18\""),
                   "vigil.toml:14: node[1].address[0]: \"224.0.0.18\" is not an address "
                   "(expected a unicast IPv4 or IPv6 literal)"},
        RejectCase{"AddressUnspecified", edit("\"198.18.1.12\"", "\"0.0.0.0\""),
                   "vigil.toml:14: node[1].address[1]: \"0.0.0.0\" is not an address "
                   "(expected a unicast IPv4 or IPv6 literal)"},
        RejectCase{"VipIpv6Multicast", edit("fd00:18::10/64", "ff02::12/64"),
                   "vigil.toml:21: group[0].vip[1].address: \"ff02::12/64\" is not a VIP "
                   "(expected ADDRESS/PREFIX with a unicast IPv4 literal and prefix 0..32 or IPv6 "
                   "literal and prefix 0..128)"},
        RejectCase{"AddressUsedTwice", edit("\"198.18.1.12\"", "\"198.18.1.11\""),
                   "vigil.toml:14: node[1].address[1]: address 198.18.1.11 is already used by "
                   "node[0].address[1] (expected every address once)"},
        RejectCase{"NoAddresses", edit("[\"198.18.0.12\", \"198.18.1.12\"]", "[]"),
                   "vigil.toml:14: node[1].address: 0 addresses (expected 1..4, one per link)"},
        RejectCase{"TooManyLinks",
                   edit("[\"198.18.0.12\", \"198.18.1.12\"]",
                        "[\"10.0.0.1\", \"10.0.0.2\", \"10.0.0.3\", \"10.0.0.4\", \"10.0.0.5\"]"),
                   "vigil.toml:14: node[1].address: 5 addresses (expected 1..4, one per link)"},
        // Groups and VIPs.
        RejectCase{"PriorityForUnknownNode", edit("n2 = 100", "n3 = 100"),
                   "vigil.toml:18: group[0].priority.n3: unknown node \"n3\" (expected one of: "
                   "n1, n2)"},
        RejectCase{"PriorityEmpty", edit("{ n1 = 150, n2 = 100 }", "{}"),
                   "vigil.toml:18: group[0].priority: no nodes (expected at least one node = "
                   "priority)"},
        RejectCase{"VipWithoutPrefix", edit("198.18.0.10/24", "198.18.0.10"),
                   "vigil.toml:20: group[0].vip[0].address: \"198.18.0.10\" is not a VIP "
                   "(expected ADDRESS/PREFIX with a unicast IPv4 literal and prefix 0..32 or IPv6 "
                   "literal and prefix 0..128)"},
        RejectCase{"VipIpv4PrefixTooLong", edit("198.18.0.10/24", "198.18.0.10/33"),
                   "vigil.toml:20: group[0].vip[0].address: \"198.18.0.10/33\" is not a VIP "
                   "(expected ADDRESS/PREFIX with a unicast IPv4 literal and prefix 0..32 or IPv6 "
                   "literal and prefix 0..128)"},
        RejectCase{"VipIpv6PrefixTooLong", edit("fd00:18::10/64", "fd00:18::10/129"),
                   "vigil.toml:21: group[0].vip[1].address: \"fd00:18::10/129\" is not a VIP "
                   "(expected ADDRESS/PREFIX with a unicast IPv4 literal and prefix 0..32 or IPv6 "
                   "literal and prefix 0..128)"},
        RejectCase{"VipPrefixNotANumber", edit("198.18.0.10/24", "198.18.0.10/-1"),
                   "vigil.toml:20: group[0].vip[0].address: \"198.18.0.10/-1\" is not a VIP "
                   "(expected ADDRESS/PREFIX with a unicast IPv4 literal and prefix 0..32 or IPv6 "
                   "literal and prefix 0..128)"},
        RejectCase{"VipMissingInterface", edit(", interface = \"eth0\" },", " },"),
                   "vigil.toml:20: group[0].vip[0].interface: missing required key (expected an "
                   "interface name)"},
        RejectCase{"VipInterfaceTooLong", edit("\"eth0\" },", "\"a-very-long-ifname\" },"),
                   "vigil.toml:20: group[0].vip[0].interface: \"a-very-long-ifname\" is not an "
                   "interface name (expected 1..15 characters, no '/' or whitespace)"},
        RejectCase{"VipInterfaceEmpty", edit("\"eth0\" },", "\"\" },"),
                   "vigil.toml:20: group[0].vip[0].interface: \"\" is not an interface name "
                   "(expected 1..15 characters, no '/' or whitespace)"},
        RejectCase{"VipUsedTwiceInAGroup", edit("fd00:18::10/64", "198.18.0.10/32"),
                   "vigil.toml:21: group[0].vip[1].address: address 198.18.0.10 is already used "
                   "by group[0].vip[0].address (expected every VIP once, and no VIP equal to a "
                   "node address)"},
        RejectCase{
            "VipUsedTwiceAcrossGroups",
            kTwoGroups + "vip = [ { address = \"FD00:18:0::10/48\", interface = \"eth1\" } ]\n",
            "vigil.toml:28: group[1].vip[0].address: address fd00:18::10 is already used "
            "by group[0].vip[1].address (expected every VIP once, and no VIP equal to a "
            "node address)"},
        RejectCase{"VipIsANodeAddress", edit("198.18.0.10/24", "198.18.0.12/24"),
                   "vigil.toml:20: group[0].vip[0].address: address 198.18.0.12 is already used "
                   "by node[1].address[0] (expected every VIP once, and no VIP equal to a node "
                   "address)"},
        RejectCase{"VipNotAnArrayOfTables", edit("vip = [ {", "vip = \"x\"\nvip2 = [ {"),
                   "vigil.toml:20: group[0].vip: expected an array of tables ([[group.vip]]), "
                   "got a string"}),
    [](const testing::TestParamInfo<RejectCase>& info) { return info.param.name; });

TEST(ConfigParse, ReportsEveryProblemInFileOrder) {
    std::string text = edit("= 7405", "= 0");
    text = edit("\"198.18.1.12\"", "\"198.18.1.11\"", text);
    text = edit("n2 = 100", "n3 = 100", text);
    text = edit("name = \"controller\"", "name = \"a b\"", text);
    auto config = parse_config(text, "/etc/vigil/vigil.toml");
    ASSERT_FALSE(config);
    EXPECT_EQ(config.error().message,
              "/etc/vigil/vigil.toml:2: cluster.name: \"a b\" is not a valid name (expected 1..63 "
              "characters of A-Z a-z 0-9 _ . -)\n"
              "/etc/vigil/vigil.toml:6: cluster.port: 0 is out of range (expected 1..65535)\n"
              "/etc/vigil/vigil.toml:14: node[1].address[1]: address 198.18.1.11 is already used "
              "by node[0].address[1] (expected every address once)\n"
              "/etc/vigil/vigil.toml:18: group[0].priority.n3: unknown node \"n3\" (expected one "
              "of: n1, n2)");
}

TEST(ConfigParse, EmptyFileReportsEveryMissingSection) {
    auto config = parse_config("", "vigil.toml");
    ASSERT_FALSE(config);
    EXPECT_EQ(config.error().message,
              "vigil.toml:1: cluster: missing required table (expected [cluster])\n"
              "vigil.toml:1: node: missing (expected 2..16 [[node]] tables; 1 only in a file "
              "with vrrp3 groups)");
}

// Builds a file with `node_count` nodes, `group_count` groups and `vip_count` VIPs in the
// first group, names padded to `name_bytes`, to test the limits without spelling files out.
std::string generated(std::size_t node_count, std::size_t group_count, std::size_t vip_count,
                      std::size_t name_bytes = 2) {
    auto name = [&](char kind, std::size_t i) {
        std::string s = kind + std::to_string(i);
        return "\"" + s + std::string(name_bytes - std::min(name_bytes, s.size()), '_') + "\"";
    };
    std::string text = "[cluster]\nname = \"c\"\nauth_key_file = \"k\"\n";
    if (node_count == 2) text += "two_node = true\n";
    for (std::size_t i = 0; i < node_count; ++i)
        text += "[[node]]\nname = " + name('n', i) + "\naddress = \"10.0.0." +
                std::to_string(i + 1) + "\"\n";
    for (std::size_t g = 0; g < group_count; ++g) {
        text += "[[group]]\nname = " + name('g', g) + "\npriority = { " + name('n', 0) + " = 1 }\n";
        for (std::size_t v = 0; g == 0 && v < vip_count; ++v)
            text += "[[group.vip]]\naddress = \"10.1." + std::to_string(v) +
                    ".1/24\"\ninterface = \"eth0\"\n";
    }
    return text;
}

TEST(ConfigParse, CountLimitsAreEnforced) {
    EXPECT_TRUE(parse_config(generated(core::kNodesMax, core::kGroupsMax, core::kVipsPerGroupMax),
                             "v.toml"));
    auto nodes = parse_config(generated(core::kNodesMax + 1, 1, 1), "v.toml");
    ASSERT_FALSE(nodes);
    EXPECT_EQ(nodes.error().message,
              "v.toml:4: node: 17 nodes (expected 2..16 [[node]] tables; 1 only in a file with "
              "vrrp3 groups)");
    auto groups = parse_config(generated(2, core::kGroupsMax + 1, 0), "v.toml");
    ASSERT_FALSE(groups);
    EXPECT_EQ(groups.error().message, "v.toml:11: group: 129 groups (expected 0..128)");
    auto vips = parse_config(generated(2, 1, core::kVipsPerGroupMax + 1), "v.toml");
    ASSERT_FALSE(vips);
    EXPECT_EQ(vips.error().message, "v.toml:14: group[0].vip: 33 vips (expected 0..32)");
}

// docs/wire.md "Limits", docs/config.md "Limits": 128 groups fit with 16-byte names; with
// 63-byte names, 45 fit and 46 do not (wire v2: a group record has four optional names).
TEST(ConfigParse, HeartbeatMustFitOneDatagram) {
    const std::size_t name_max = core::kNameBytesMax;
    EXPECT_TRUE(parse_config(generated(2, core::kGroupsMax, 0, 16), "v.toml"));
    EXPECT_TRUE(parse_config(generated(2, 45, 0, name_max), "v.toml"));
    auto config = parse_config(generated(2, 46, 0, name_max), "v.toml");
    ASSERT_FALSE(config);
    EXPECT_EQ(config.error().message,
              "v.toml:11: group: with these names a heartbeat can take 16701 bytes (expected at "
              "most 16384; use shorter node or group names, or fewer groups)");
}

// load_config: the only part that touches the file system.
class ConfigLoad : public testing::Test {
protected:
    void SetUp() override {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "vigil-cfg-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::filesystem::path dir_;
};

TEST_F(ConfigLoad, ReadsFileAndResolvesNextToIt) {
    std::ofstream(dir_ / "vigil.toml") << kValid;
    auto config = load_config((dir_ / "sub" / ".." / "vigil.toml").string());
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_EQ(config->path, (dir_ / "vigil.toml").string());
    EXPECT_EQ(config->cluster.auth_key_file, (dir_ / "auth.key").string());
}

TEST_F(ConfigLoad, MissingFileIsNotFound) {
    auto config = load_config((dir_ / "absent.toml").string());
    ASSERT_FALSE(config);
    EXPECT_EQ(config.error().code, Error::Code::not_found);
    EXPECT_NE(config.error().message.find((dir_ / "absent.toml").string()), std::string::npos);
}

TEST_F(ConfigLoad, ErrorsNameTheAbsolutePath) {
    std::ofstream(dir_ / "vigil.toml") << edit("= 7405", "= 0");
    auto config = load_config((dir_ / "vigil.toml").string());
    ASSERT_FALSE(config);
    EXPECT_EQ(
        config.error().message,
        (dir_ / "vigil.toml").string() + ":6: cluster.port: 0 is out of range (expected 1..65535)");
}

TEST_F(ConfigLoad, OversizedFileIsRefused) {
    std::ofstream(dir_ / "big.toml") << std::string(kConfigFileBytesMax + 1, '#');
    auto config = load_config((dir_ / "big.toml").string());
    ASSERT_FALSE(config);
    EXPECT_NE(config.error().message.find("larger than"), std::string::npos);
}

}  // namespace
}  // namespace vigil::daemon
