// Goal: [group.store] (docs/config.md) is read into StoreConfig, every mistake is refused with
// FILE:LINE: KEY.PATH and what was expected, and only an enabled store changes the digest.
#include <gtest/gtest.h>

#include <string>

#include "daemon/config_parse.h"
#include "daemon/config_store.h"
#include "tests/support/text_edit.h"

namespace vigil::daemon {
namespace {

constexpr std::string_view kValid = R"([cluster]
name = "controller"
auth_key_file = "/etc/vigil/auth.key"
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
name = "nb"
priority = { n1 = 150, n2 = 100 }
[[group.vip]]
address = "198.18.0.100/24"
interface = "eth0"
[group.store]
port = 7480
data_dir = "/var/lib/vigil/{node}/nb"
)";

Result<core::Config> parse(std::string_view from = "", std::string_view to = "") {
    std::string text(kValid);
    if (!from.empty()) text = edit_test_text(text, from, to);
    return parse_config(text, "/etc/vigil/vigil.toml");
}

std::string error_of(std::string_view from, std::string_view to) {
    auto config = parse(from, to);
    if (config) return "(accepted)";
    return config.error().message;
}

TEST(ConfigStore, ReadsTheTableWithDefaults) {
    auto config = parse();
    ASSERT_TRUE(config) << config.error().message;
    const core::StoreConfig& store = config->groups[0].store;
    EXPECT_TRUE(store.enabled);
    EXPECT_EQ(store.port, 7480);
    EXPECT_EQ(store.replication_port, 7481);
    EXPECT_EQ(store.data_dir, "/var/lib/vigil/{node}/nb");
    EXPECT_EQ(store.snapshot_entries, 100000);
    EXPECT_EQ(store_data_dir(store, "n2"), "/var/lib/vigil/n2/nb");
}

TEST(ConfigStore, RelativeDataDirIsRelativeToTheConfigFile) {
    auto config = parse("data_dir = \"/var/lib/vigil/{node}/nb\"", "data_dir = \"data/{node}\"");
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_EQ(store_data_dir(config->groups[0].store, "n1"), "/etc/vigil/data/n1");
}

TEST(ConfigStore, RefusesBadValuesNamingTheKey) {
    EXPECT_NE(error_of("port = 7480", "port = 0").find("group[0].store.port"),
              std::string::npos);
    EXPECT_NE(error_of("port = 7480", "port = 7480\nreplication_port = 7480")
                  .find("the same port as group[0].store.port"),
              std::string::npos);
    EXPECT_NE(error_of("port = 7480", "port = 7405").find("cluster.port"), std::string::npos);
    EXPECT_NE(error_of("port = 7480", "prot = 7480").find("group[0].store.prot"),
              std::string::npos);
    EXPECT_NE(error_of("data_dir = \"/var/lib/vigil/{node}/nb\"", "data_dir = \"\"")
                  .find("empty path"),
              std::string::npos);
    std::string text = edit_test_text(std::string(kValid), "[group.store]\nport = 7480\n", "");
    text = edit_test_text(text, "data_dir = \"/var/lib/vigil/{node}/nb\"\n", "");
    text = edit_test_text(text, "priority = { n1 = 150, n2 = 100 }", "priority = { n1 = 150, n2 = 100 }\nstore = 5");
    auto bad = parse_config(text, "/etc/vigil/vigil.toml");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("group[0].store"), std::string::npos) << bad.error().message;
}

TEST(ConfigStore, NeedsAVipAndTwoReplicas) {
    EXPECT_NE(error_of("[[group.vip]]\naddress = \"198.18.0.100/24\"\ninterface = \"eth0\"\n", "")
                  .find("needs a [[group.vip]]"),
              std::string::npos);
    EXPECT_NE(error_of("priority = { n1 = 150, n2 = 100 }", "priority = { n1 = 150 }")
                  .find("1 node that may be primary"),
              std::string::npos);
}

TEST(ConfigStore, TwoStoreGroupsNeedTheirOwnReplicationPort) {
    std::string text(kValid);
    text += R"([[group]]
name = "sb"
priority = { n1 = 100, n2 = 150 }
[[group.vip]]
address = "198.18.0.101/24"
interface = "eth0"
[group.store]
port = 7480
)";
    auto config = parse_config(text, "/etc/vigil/vigil.toml");
    ASSERT_FALSE(config);
    EXPECT_NE(config.error().message.find("port 7481 is also used by group[0].store"),
              std::string::npos)
        << config.error().message;
}

TEST(ConfigStore, OnlyAnEnabledStoreChangesTheDigest) {
    auto with = parse();
    auto disabled = parse("port = 7480", "enabled = false");
    auto without = parse("[group.store]\nport = 7480\ndata_dir = \"/var/lib/vigil/{node}/nb\"\n", "");
    ASSERT_TRUE(with && disabled && without);
    EXPECT_EQ(disabled->digest, without->digest);
    EXPECT_NE(with->digest, without->digest);
    auto other_dir = parse("/var/lib/vigil/{node}/nb", "/srv/{node}");
    ASSERT_TRUE(other_dir);
    EXPECT_EQ(other_dir->digest, with->digest);  // each node keeps its data where it likes
}

}  // namespace
}  // namespace vigil::daemon
