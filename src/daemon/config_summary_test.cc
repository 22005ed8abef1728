// Goal: the digest ignores presentation (key order, spacing, comments, table syntax,
// defaults spelled out, address spelling) and per-node key paths, and changes with every
// semantic change; the check-config summary reads as documented; the shipped example parses.
// Method: examples/vigil.toml, and edits to it.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/config_parse.h"
#include "tests/support/text_edit.h"

namespace vigil::daemon {
namespace {

std::string read_example(const char* name) {
    std::ifstream in(std::string(VIGIL_SOURCE_DIR "/examples/") + name);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

const std::string& example() {
    static const std::string text = read_example("vigil.toml");
    return text;
}

// `text` with the first occurrence of `from` replaced by `to`.
std::string edit(std::string_view from, std::string_view to, std::string text = example()) {
    return edit_test_text(std::move(text), from, to);
}

TEST(ConfigExample, ShippedExampleParses) {
    ASSERT_FALSE(example().empty());
    auto config = parse_config(example(), VIGIL_SOURCE_DIR "/examples/vigil.toml");
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_EQ(config->cluster.auth_key_file, VIGIL_SOURCE_DIR "/examples/auth.key");
    EXPECT_TRUE(config->cluster.two_node);
}

TEST(ConfigExample, ShippedWitnessExampleParses) {
    const std::string text = read_example("vigil-witness.toml");
    ASSERT_FALSE(text.empty());
    auto config = parse_config(text, VIGIL_SOURCE_DIR "/examples/vigil-witness.toml");
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_FALSE(config->cluster.two_node);
    ASSERT_EQ(config->nodes.size(), 3u);
    EXPECT_TRUE(config->nodes[2].witness);
    EXPECT_EQ(config->quorum_size(), 2u);
    EXPECT_EQ(describe_config(*config),
              "config ok: cluster controller, 3 nodes (n1, n2, w [witness]), 2 links, quorum 2 of "
              "3, 1 group (northbound: 2 vips)");
}

TEST(ConfigExample, ShippedVrrpExampleParses) {
    const std::string text = read_example("vigil-vrrp.toml");
    ASSERT_FALSE(text.empty());
    auto config = parse_config(text, VIGIL_SOURCE_DIR "/examples/vigil-vrrp.toml");
    ASSERT_TRUE(config) << config.error().message;
    ASSERT_EQ(config->groups.size(), 1u);
    ASSERT_EQ(config->vrrp.size(), 4u);
    EXPECT_EQ(config->vrrp[2].priority[0], 200);  // tenant-1 prefers n1
    EXPECT_EQ(config->vrrp[3].priority[1], 200);  // tenant-2 prefers n2
    EXPECT_EQ(describe_config(*config),
              "config ok: cluster edge, 3 nodes (n1, n2, w [witness]), 1 link, quorum 2 of 3, "
              "1 group (api: 1 vip), 4 vrrp routers on 2 interfaces, 1 check");
}

// The digest must ignore presentation and per-node details, and see every semantic change.
TEST(ConfigDigest, PresentationDoesNotChangeTheDigest) {
    const auto base = parse_config(example(), "/etc/vigil/vigil.toml");
    ASSERT_TRUE(base) << base.error().message;
    const std::string reordered = R"(
# Same cluster, written differently: keys reordered, standard tables, other spacing.
[[node]]
address = [ "198.18.0.11","198.18.1.11" ]
name    = "n1"
[[node]]
address = ["198.18.0.12", "198.18.1.12"]
name = "n2"
[cluster]
port = 7405
dead_time_ms = 250
warn_time_ms = 100        # the default, 2 x heartbeat_interval_ms, spelled out
init_dead_ms = 250        # the default, dead_time_ms
heartbeat_interval_ms = 50
auth_key_file = "/somewhere/else/auth.key"   # key paths are per node
auth_key_next_file = "next.key"
state_dir = "/elsewhere"  # per node, like key paths
lease_margin_ms = 25      # the default, heartbeat_interval_ms / 2, spelled out
two_node = true
name = "controller"
[[group]]
notify = "/usr/local/bin/on-role-change"
name = "northbound"
[group.priority]
n2 = 100
n1 = 150
[[group.vip]]
interface = "eth0"
address = "198.18.0.10/24"
[[group.vip]]
address = "FD00:18:0:0::10/64"
interface = "eth0"
)";
    const auto same = parse_config(reordered, "/opt/other/vigil.toml");
    ASSERT_TRUE(same) << same.error().message;
    EXPECT_EQ(same->digest, base->digest);
}

TEST(ConfigDigest, EverySemanticChangeChangesTheDigest) {
    const std::string n1 = "name = \"n1\"\naddress = [\"198.18.0.11\", \"198.18.1.11\"]";
    const std::string n2 = "name = \"n2\"\naddress = [\"198.18.0.12\", \"198.18.1.12\"]";
    const std::vector<std::string> changed = {
        edit("\"controller\"", "\"controller2\""),
        edit("heartbeat_interval_ms = 50", "heartbeat_interval_ms = 51"),
        edit("dead_time_ms = 250", "dead_time_ms = 251"),
        edit("port = 7405", "port = 7406"),
        edit("port = 7405", "port = 7405\nwarn_time_ms = 101"),
        edit("port = 7405", "port = 7405\ninit_dead_ms = 251"),
        edit("port = 7405", "port = 7405\nannounce_count = 4"),
        edit("port = 7405", "port = 7405\nannounce_interval_ms = 101"),
        edit("port = 7405", "port = 7405\nnotify_timeout_ms = 10001"),
        edit("port = 7405", "port = 7405\ntiebreaker = \"198.18.0.1\""),
        edit("port = 7405", "port = 7405\ntiebreaker_interval_ms = 999"),
        edit("port = 7405", "port = 7405\nclock_drift_max_ppm = 9999"),
        edit("port = 7405", "port = 7405\nlease_margin_ms = 24"),
        edit("port = 7405", "port = 7405\nfence_timeout_ms = 29999"),
        edit("port = 7405", "port = 7405\nfence_retry_ms = 999"),
        edit("notify = ", "fence = \"/bin/off\"\nnotify = "),
        // A witness instead of two_node.
        edit("\ntwo_node = true", "\n",
             edit("[[group]]",
                  "[[node]]\nname = \"w\"\naddress = [\"10.0.0.3\", \"10.1.0.3\"]\n"
                  "witness = true\n[[group]]")),
        // The same third node as a full node: a witness is not the same config.
        edit("\ntwo_node = true", "\n",
             edit("[[group]]",
                  "[[node]]\nname = \"w\"\naddress = [\"10.0.0.3\", \"10.1.0.3\"]\n"
                  "[[group]]")),
        edit("\"n2\"\naddress", "\"n3\"\naddress", edit("n2 = 100", "n3 = 100")),
        edit("\"198.18.1.12\"", "\"198.18.1.13\""),
        edit("\"northbound\"", "\"southbound\""),
        edit("n1 = 150", "n1 = 151"),
        edit("n1 = 150, n2 = 100", "n1 = 150"),
        edit("n1 = 150, n2 = 100", "n1 = 100, n2 = 150"),
        edit("preempt = true", "preempt = false"),
        edit("198.18.0.10/24", "198.18.0.9/24"),
        edit("198.18.0.10/24", "198.18.0.10/25"),
        edit("interface = \"eth0\" },\n", "interface = \"eth1\" },\n"),
        edit("\"/usr/local/bin/on-role-change\"", "\"/usr/local/bin/other\""),
        edit("notify = \"/usr/local/bin/on-role-change\"", ""),
        edit(",\n        { address = \"fd00:18::10/64\", interface = \"eth0\" } ]", " ]"),
        // Node order is meaningful: indexes are positions in the file.
        edit("@", n2, edit(n2, n1, edit(n1, "@"))),
    };
    std::set<std::array<std::uint8_t, 32>> seen;
    seen.insert(parse_config(example(), "v.toml")->digest);
    for (std::size_t i = 0; i < changed.size(); ++i) {
        auto config = parse_config(changed[i], "v.toml");
        ASSERT_TRUE(config) << "change " << i << ": " << config.error().message;
        EXPECT_TRUE(seen.insert(config->digest).second) << "same digest after change " << i;
    }
}

TEST(ConfigDescribe, SummarizesTheExample) {
    auto config = parse_config(example(), "v.toml");
    ASSERT_TRUE(config);
    EXPECT_EQ(describe_config(*config),
              "config ok: cluster controller, 2 nodes (n1, n2), 2 links, two_node (no quorum), 1 "
              "group (northbound: 2 vips)");
    auto two = parse_config(
        edit("address = [\"198.18.0.12\", \"198.18.1.12\"]", "address = \"198.18.0.12\"",
             edit("address = [\"198.18.0.11\", \"198.18.1.11\"]", "address = \"198.18.0.11\"",
                  example() + "[[group]]\nname = \"southbound\"\npriority = { n2 = 200 }\n")),
        "v.toml");
    ASSERT_TRUE(two) << two.error().message;
    EXPECT_EQ(describe_config(*two),
              "config ok: cluster controller, 2 nodes (n1, n2), 1 link, two_node (no quorum), 2 "
              "groups (northbound: 2 vips, southbound: 0 vips)");
}

}  // namespace
}  // namespace vigil::daemon
