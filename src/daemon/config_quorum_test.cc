// Goal: the quorum, witness, lease, fencing and state-file keys (docs/config.md "Quorum,
// witness and fencing") are read as documented, and every rule between them is enforced
// with a FILE:LINE: KEY.PATH: message that says what to write instead.
// Method: as config_parse_test.cc, small edits to one valid file (here two full nodes and a
// witness, line numbers noted below), each rejected edit with the exact line it must produce.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/config_parse.h"
#include "tests/support/text_edit.h"

namespace vigil::daemon {
namespace {

constexpr std::string_view kWitnessValid = R"([cluster]
name = "controller"
auth_key_file = "auth.key"
dead_time_ms = 250

[[node]]
name = "n1"
address = "198.18.0.11"

[[node]]
name = "n2"
address = "198.18.0.12"

[[node]]
name = "w"
address = "198.18.0.13"
witness = true

[[group]]
name = "northbound"
priority = { n1 = 150, n2 = 100 }
vip = [ { address = "198.18.0.10/24", interface = "eth0" } ]
)";
// Lines: 4 dead_time_ms, 5 (free for one more [cluster] key), 6 [[node]] n1, 14 [[node]] w,
// 17 witness = true, 19 [[group]], 21 priority.

std::string edit(std::string_view from, std::string_view to,
                 std::string text = std::string(kWitnessValid)) {
    return edit_test_text(std::move(text), from, to);
}

// The witness turned back into nothing: two full nodes, line numbers up to 13 unchanged.
std::string without_witness(std::string text = std::string(kWitnessValid)) {
    return edit("[[node]]\nname = \"w\"\naddress = \"198.18.0.13\"\nwitness = true\n\n", "",
                std::move(text));
}
// Puts `line` on line 5 of the [cluster] table.
std::string set_cluster(std::string_view line, std::string text = std::string(kWitnessValid)) {
    return edit("dead_time_ms = 250\n", "dead_time_ms = 250\n" + std::string(line),
                std::move(text));
}

TEST(ConfigQuorum, WitnessIsTheThirdVoter) {
    auto config = parse_config(kWitnessValid, "/etc/vigil/vigil.toml");
    ASSERT_TRUE(config) << config.error().message;
    ASSERT_EQ(config->nodes.size(), 3u);
    EXPECT_FALSE(config->nodes[0].witness);
    EXPECT_TRUE(config->nodes[2].witness);
    EXPECT_FALSE(config->cluster.two_node);
    EXPECT_EQ(config->voter_count(), 3u);
    EXPECT_EQ(config->quorum_size(), 2u);
    EXPECT_EQ(config->groups[0].priority,
              (std::vector<std::optional<int>>{150, 100, std::nullopt}));
}

TEST(ConfigQuorum, DefaultsMatchTheDocs) {
    auto config = parse_config(kWitnessValid, "/etc/vigil/vigil.toml");
    ASSERT_TRUE(config) << config.error().message;
    const core::ClusterConfig& c = config->cluster;
    EXPECT_EQ(c.tiebreaker, "");
    EXPECT_EQ(c.tiebreaker_interval_ms, 1000);
    EXPECT_EQ(c.clock_drift_max_ppm, 10000);
    EXPECT_EQ(c.lease_margin_ms, 0);
    EXPECT_EQ(config->effective_lease_margin_ms(), 25);
    EXPECT_EQ(c.fence_timeout_ms, 30000);
    EXPECT_EQ(c.fence_retry_ms, 1000);
    EXPECT_EQ(c.state_dir, "/var/lib/vigil");
    EXPECT_EQ(config->groups[0].fence, "");
}

TEST(ConfigQuorum, TwoNodeKeysAreRead) {
    auto config = parse_config(
        set_cluster("two_node = true\n"
                    "tiebreaker = \"FD00:0::1\"\n"
                    "tiebreaker_interval_ms = 500\n"
                    "clock_drift_max_ppm = 500\n"
                    "lease_margin_ms = 40\n"
                    "fence_timeout_ms = 5000\n"
                    "fence_retry_ms = 2000\n"
                    "state_dir = \"/srv//vigil/state/\"\n",
                    edit("vip = ", "fence = \"./fence-ipmi --hard\"\nvip = ", without_witness())),
        "/etc/vigil/vigil.toml");
    ASSERT_TRUE(config) << config.error().message;
    const core::ClusterConfig& c = config->cluster;
    EXPECT_TRUE(c.two_node);
    EXPECT_EQ(config->quorum_size(), 1u);
    EXPECT_EQ(c.tiebreaker, "fd00::1");
    EXPECT_EQ(c.tiebreaker_interval_ms, 500);
    EXPECT_EQ(c.clock_drift_max_ppm, 500);
    EXPECT_EQ(c.lease_margin_ms, 40);
    EXPECT_EQ(config->effective_lease_margin_ms(), 40);
    EXPECT_EQ(c.fence_timeout_ms, 5000);
    EXPECT_EQ(c.fence_retry_ms, 2000);
    EXPECT_EQ(c.state_dir, "/srv/vigil/state");
    // Resolved like notify: an explicitly relative program follows the config file.
    EXPECT_EQ(config->groups[0].fence, "/etc/vigil/fence-ipmi --hard");
}

TEST(ConfigQuorum, ThreeFullNodesNeedNoWitness) {
    auto config = parse_config(edit("witness = true\n", ""), "v.toml");
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_EQ(config->quorum_size(), 2u);
}

TEST(ConfigQuorum, OneFullNodeWithAWitnessIsAllowed) {
    // Odd but valid: the full node is primary only while it hears the witness.
    auto config = parse_config(
        edit("[[node]]\nname = \"n2\"\naddress = \"198.18.0.12\"\n\n", "", edit(", n2 = 100", "")),
        "v.toml");
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_EQ(config->quorum_size(), 2u);
}

TEST(ConfigQuorum, EvenVoterCountsNeedAStrictMajority) {
    auto config = parse_config(edit("witness = true\n",
                                    "\n[[node]]\nname = \"w2\"\naddress = \"198.18.0.14\"\n"
                                    "witness = true\n"),
                               "v.toml");
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_EQ(config->voter_count(), 4u);
    EXPECT_EQ(config->quorum_size(), 3u);
}

struct RejectCase {
    const char* name;
    std::string text;
    std::string problem;
};

void PrintTo(const RejectCase& c, std::ostream* os) {
    *os << c.name;
}

class ConfigQuorumRejects : public testing::TestWithParam<RejectCase> {};

TEST_P(ConfigQuorumRejects, NamesFileLineKeyAndExpectation) {
    auto config = parse_config(GetParam().text, "vigil.toml");
    ASSERT_FALSE(config) << "accepted:\n" << GetParam().text;
    std::vector<std::string> lines;
    std::istringstream in(config.error().message);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    EXPECT_NE(std::find(lines.begin(), lines.end(), GetParam().problem), lines.end())
        << "want: " << GetParam().problem << "\ngot:\n"
        << config.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Config, ConfigQuorumRejects,
    testing::Values(
        // Who votes and who may hold a group.
        RejectCase{"TwoFullNodesNeedAWitnessOrTwoNode", without_witness(),
                   "vigil.toml:6: node: a two-node cluster needs a witness node ([[node]] witness "
                   "= true) or an explicit two_node = true (split brain possible, see "
                   "docs/design.md)"},
        RejectCase{"TwoNodeWithAWitness", set_cluster("two_node = true\n"),
                   "vigil.toml:5: cluster.two_node: true, but node[2] (\"w\") is a witness "
                   "(expected two_node = false: the witness is the third voter)"},
        RejectCase{"TwoNodeWithThreeFullNodes",
                   set_cluster("two_node = true\n", edit("witness = true\n", "")),
                   "vigil.toml:5: cluster.two_node: true with 3 full nodes (expected exactly 2 "
                   "full nodes and no witness)"},
        RejectCase{"EveryNodeAWitness",
                   edit("name = \"n1\"\naddress = \"198.18.0.11\"\n",
                        "name = \"n1\"\naddress = \"198.18.0.11\"\nwitness = true\n",
                        edit("name = \"n2\"\naddress = \"198.18.0.12\"\n",
                             "name = \"n2\"\naddress = \"198.18.0.12\"\nwitness = true\n")),
                   "vigil.toml:6: node: every node is a witness (expected at least one [[node]] "
                   "without witness = true)"},
        RejectCase{"WitnessInAPriorityTable", edit("n2 = 100", "n2 = 100, w = 50"),
                   "vigil.toml:21: group[0].priority.w: node \"w\" is a witness (expected only "
                   "full nodes: a witness votes but never holds a group)"},
        RejectCase{"WitnessNotABoolean", edit("witness = true", "witness = \"yes\""),
                   "vigil.toml:17: node[2].witness: expected a boolean (true or false), got a "
                   "string"},
        RejectCase{"TwoNodeNotABoolean", set_cluster("two_node = 1\n", without_witness()),
                   "vigil.toml:5: cluster.two_node: expected a boolean (true or false), got an "
                   "integer"},
        // The tie-breaker.
        RejectCase{"TiebreakerWithoutTwoNode", set_cluster("tiebreaker = \"198.18.0.1\"\n"),
                   "vigil.toml:5: cluster.tiebreaker: only allowed with two_node = true "
                   "(expected no tiebreaker: with a witness or three or more voters, a majority "
                   "decides)"},
        RejectCase{"TiebreakerNotAnAddress",
                   set_cluster("two_node = true\ntiebreaker = \"gw.example\"\n", without_witness()),
                   "vigil.toml:6: cluster.tiebreaker: \"gw.example\" is not an address (expected "
                   "a unicast IPv4 or IPv6 literal, e.g. the default gateway)"},
        RejectCase{
            "TiebreakerIsANodeAddress",
            set_cluster("two_node = true\ntiebreaker = \"198.18.0.12\"\n", without_witness()),
            "vigil.toml:6: cluster.tiebreaker: address 198.18.0.12 is already used by "
            "node[1].address[0] (expected an address outside the cluster, e.g. the default "
            "gateway)"},
        RejectCase{
            "TiebreakerIsAVip",
            set_cluster("two_node = true\ntiebreaker = \"198.18.0.10\"\n", without_witness()),
            "vigil.toml:6: cluster.tiebreaker: address 198.18.0.10 is already used by "
            "group[0].vip[0].address (expected an address outside the cluster, e.g. the "
            "default gateway)"},
        RejectCase{"TiebreakerIntervalTooShort", set_cluster("tiebreaker_interval_ms = 99\n"),
                   "vigil.toml:5: cluster.tiebreaker_interval_ms: 99 is out of range (expected "
                   "100..60000)"},
        // Leases.
        RejectCase{"ClockDriftZero", set_cluster("clock_drift_max_ppm = 0\n"),
                   "vigil.toml:5: cluster.clock_drift_max_ppm: 0 is out of range (expected "
                   "1..100000)"},
        RejectCase{"ClockDriftTooLarge", set_cluster("clock_drift_max_ppm = 100001\n"),
                   "vigil.toml:5: cluster.clock_drift_max_ppm: 100001 is out of range (expected "
                   "1..100000)"},
        RejectCase{"LeaseMarginNegative", set_cluster("lease_margin_ms = -1\n"),
                   "vigil.toml:5: cluster.lease_margin_ms: -1 is out of range (expected "
                   "0..60000)"},
        RejectCase{"LeaseMarginAsLongAsTheDeadTime", set_cluster("lease_margin_ms = 250\n"),
                   "vigil.toml:5: cluster.lease_margin_ms: 250 is too long (expected 0 or less "
                   "than dead_time_ms = 250)"},
        // Fencing.
        RejectCase{"FenceTimeoutTooShort", set_cluster("fence_timeout_ms = 99\n"),
                   "vigil.toml:5: cluster.fence_timeout_ms: 99 is out of range (expected "
                   "100..600000)"},
        RejectCase{"FenceRetryTooLong", set_cluster("fence_retry_ms = 600001\n"),
                   "vigil.toml:5: cluster.fence_retry_ms: 600001 is out of range (expected "
                   "100..600000)"},
        RejectCase{"FenceEmpty", edit("vip = ", "fence = \"\"\nvip = "),
                   "vigil.toml:22: group[0].fence: empty (expected a command)"},
        RejectCase{"FenceNotAString", edit("vip = ", "fence = true\nvip = "),
                   "vigil.toml:22: group[0].fence: expected a string, got a boolean"},
        // The state file.
        RejectCase{"StateDirRelative", set_cluster("state_dir = \"var/lib/vigil\"\n"),
                   "vigil.toml:5: cluster.state_dir: \"var/lib/vigil\" is not an absolute path "
                   "(expected a directory such as /var/lib/vigil)"},
        RejectCase{"StateDirEmpty", set_cluster("state_dir = \"\"\n"),
                   "vigil.toml:5: cluster.state_dir: \"\" is not an absolute path (expected a "
                   "directory such as /var/lib/vigil)"},
        RejectCase{"StateDirNotAString", set_cluster("state_dir = 7\n"),
                   "vigil.toml:5: cluster.state_dir: expected a string, got an integer"}),
    [](const testing::TestParamInfo<RejectCase>& info) { return info.param.name; });

}  // namespace
}  // namespace vigil::daemon
