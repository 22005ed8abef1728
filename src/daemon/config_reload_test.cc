// Goal: plan_reload accepts exactly the live-changeable keys (resources, checks, a group's
// resources/checks/notify/failure_timeout_s), refuses every other change naming the key,
// and lays the resources out so that unchanged ones keep their index, replaced or removed
// ones stay retired at theirs, and new ones reuse free indexes.
// Method: one small valid file and edits to it, parsed with the normal parser.
#include "daemon/config_reload.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "daemon/config_parse.h"
#include "tests/support/text_edit.h"

namespace vigil::daemon {
namespace {

constexpr std::string_view kValid = R"([cluster]
name = "controller"
auth_key_file = "auth.key"
two_node = true
dead_time_ms = 250
[[node]]
name = "n1"
address = "198.18.0.11"
[[node]]
name = "n2"
address = "198.18.0.12"
[[group]]
name = "northbound"
priority = { n1 = 150, n2 = 100 }
vip = [ { address = "198.18.0.10/24", interface = "eth0" } ]
resources = ["db", "api"]
checks = ["uplink"]
[[resource]]
name = "db"
start = "/bin/db start"
stop = "/bin/db stop"
monitor = "/bin/db status"
[[resource]]
name = "api"
exec = "/usr/bin/api --serve"
[[check]]
name = "uplink"
ping = "198.18.0.1"
)";

std::string edit(std::string_view from, std::string_view to,
                 std::string text = std::string(kValid)) {
    return edit_test_text(std::move(text), from, to);
}

core::Config parse(std::string_view text) {
    auto c = parse_config(text, "/etc/vigil/vigil.toml");
    EXPECT_TRUE(c) << (c ? "" : c.error().message);
    return c ? *c : core::Config{};
}

std::vector<std::string> names(const core::Config& c) {
    std::vector<std::string> out;
    for (std::size_t r : c.groups[0].resources) out.push_back(c.resources[r].name);
    return out;
}

TEST(ConfigReload, IdenticalFileChangesNothing) {
    auto running = parse(kValid);
    auto plan = plan_reload(running, parse(kValid));
    EXPECT_TRUE(plan.refusals.empty());
    EXPECT_TRUE(plan.changes.empty());
    EXPECT_TRUE(plan.fresh.empty());
    EXPECT_EQ(plan.merged.resources, running.resources);
    EXPECT_EQ(plan.merged.groups[0].resources, running.groups[0].resources);
}

TEST(ConfigReload, RestartOnlyKeysAreRefusedByName) {
    struct Case {
        std::string from, to, expected;
    };
    const std::vector<Case> cases = {
        {"dead_time_ms = 250", "dead_time_ms = 300",
         "cluster.dead_time_ms changed: needs a restart"},
        {"name = \"controller\"", "name = \"other\"", "cluster.name changed: needs a restart"},
        {"two_node = true", "two_node = true\nport = 7500",
         "cluster.port changed: needs a restart"},
        {"auth_key_file = \"auth.key\"", "auth_key_file = \"other.key\"",
         "cluster.auth_key_file changed: needs a restart"},
        {"address = \"198.18.0.12\"", "address = \"198.18.0.22\"",
         "node n2: address changed: needs a restart"},
        {"n2 = 100", "n2 = 120", "group northbound: priority changed: needs a restart"},
        {"198.18.0.10/24", "198.18.0.20/24", "group northbound: vip changed: needs a restart"},
        {"checks = [\"uplink\"]", "checks = [\"uplink\"]\npreempt = false",
         "group northbound: preempt changed: needs a restart"},
        {"checks = [\"uplink\"]", "checks = [\"uplink\"]\nfence = \"/bin/fence\"",
         "group northbound: fence changed: needs a restart"},
        {"checks = [\"uplink\"]", "checks = [\"uplink\"]\n[group.store]\nport = 7480",
         "group northbound: store changed: needs a restart"},
        {"name = \"northbound\"", "name = \"southbound\"",
         "groups changed (northbound -> southbound): needs a restart"},
        {"[[check]]", "[metrics]\nlisten = \"127.0.0.1:9405\"\n[[check]]",
         "metrics changed: needs a restart"},
        {"[[check]]", "[status_page]\nlisten = \"127.0.0.1:9406\"\n[[check]]",
         "status_page changed: needs a restart"},
    };
    auto running = parse(kValid);
    for (const Case& c : cases) {
        auto plan = plan_reload(running, parse(edit(c.from, c.to)));
        EXPECT_EQ(plan.refusals, std::vector<std::string>{c.expected}) << c.to;
    }
}

TEST(ConfigReload, SeveralRestartKeysAreAllNamed) {
    auto next = edit("dead_time_ms = 250", "dead_time_ms = 300\nheartbeat_interval_ms = 40");
    auto plan = plan_reload(parse(kValid), parse(next));
    EXPECT_EQ(plan.refusals,
              (std::vector<std::string>{"cluster.heartbeat_interval_ms changed: needs a restart",
                                        "cluster.dead_time_ms changed: needs a restart"}));
}

TEST(ConfigReload, SpellingOutADefaultIsNoChange) {
    auto next = edit("dead_time_ms = 250", "dead_time_ms = 250\nwarn_time_ms = 100");
    EXPECT_TRUE(plan_reload(parse(kValid), parse(next)).refusals.empty());
}

TEST(ConfigReload, AddedResourceKeepsTheOthersAtTheirIndexes) {
    auto running = parse(kValid);
    auto next = edit("resources = [\"db\", \"api\"]", "resources = [\"db\", \"api\", \"web\"]");
    next += "[[resource]]\nname = \"web\"\nexec = \"/usr/bin/web\"\n";
    auto plan = plan_reload(running, parse(next));
    ASSERT_TRUE(plan.refusals.empty());
    EXPECT_EQ(plan.changes,
              (std::vector<std::string>{"resource web added",
                                        "group northbound resources: db, api -> db, api, web"}));
    EXPECT_EQ(plan.merged.groups[0].resources, (std::vector<std::size_t>{0, 1, 2}));
    EXPECT_EQ(plan.fresh, std::vector<std::size_t>{2});
    EXPECT_EQ(names(plan.merged), (std::vector<std::string>{"db", "api", "web"}));
    for (const auto& r : plan.merged.resources) EXPECT_FALSE(r.retired);
}

TEST(ConfigReload, ChangedResourceRetiresItAndEverythingAfterIt) {
    auto running = parse(kValid);
    auto next = edit("start = \"/bin/db start\"", "start = \"/bin/db start --fast\"");
    auto plan = plan_reload(running, parse(next));
    ASSERT_TRUE(plan.refusals.empty());
    EXPECT_EQ(plan.changes, std::vector<std::string>{"resource db changed"});
    // db differs at position 0: both old entries stay retired, both new ones are appended.
    ASSERT_EQ(plan.merged.resources.size(), 4u);
    EXPECT_TRUE(plan.merged.resources[0].retired);
    EXPECT_TRUE(plan.merged.resources[1].retired);
    EXPECT_EQ(plan.merged.groups[0].resources, (std::vector<std::size_t>{2, 3}));
    EXPECT_EQ(plan.merged.resources[2].start, "/bin/db start --fast");
    EXPECT_EQ(plan.fresh, (std::vector<std::size_t>{2, 3}));
    EXPECT_EQ(plan.merged.resource_index("db"), 2u);
    // A later reload reuses the retired indexes, once they are free.
    auto again = plan_reload(plan.merged, parse(edit("resources = [\"db\", \"api\"]",
                                                     "resources = [\"api\", \"db\"]", next)));
    ASSERT_TRUE(again.refusals.empty());
    EXPECT_EQ(again.merged.resources.size(), 4u);
    EXPECT_EQ(names(again.merged), (std::vector<std::string>{"api", "db"}));
    EXPECT_EQ(again.merged.groups[0].resources, (std::vector<std::size_t>{0, 1}));
    EXPECT_TRUE(again.merged.resources[2].retired);
    EXPECT_TRUE(again.merged.resources[3].retired);
}

TEST(ConfigReload, RemovedResourceStaysRetiredUntilItStopped) {
    auto running = parse(kValid);
    auto next = edit("resources = [\"db\", \"api\"]", "resources = [\"db\"]");
    next = edit("[[resource]]\nname = \"api\"\nexec = \"/usr/bin/api --serve\"\n", "", next);
    auto plan = plan_reload(running, parse(next));
    ASSERT_TRUE(plan.refusals.empty());
    EXPECT_EQ(plan.changes,
              (std::vector<std::string>{"resource api removed",
                                        "group northbound resources: db, api -> db"}));
    EXPECT_EQ(plan.merged.groups[0].resources, std::vector<std::size_t>{0});
    ASSERT_EQ(plan.merged.resources.size(), 2u);
    EXPECT_TRUE(plan.merged.resources[1].retired);
    EXPECT_FALSE(plan.merged.resource_index("api"));
}

TEST(ConfigReload, ChecksNotifyAndFailureTimeoutAreLive) {
    auto next = edit("ping = \"198.18.0.1\"", "ping = \"198.18.0.2\"");
    next = edit("checks = [\"uplink\"]",
                "checks = []\nnotify = \"/bin/notify\"\nfailure_timeout_s = 60", next);
    auto plan = plan_reload(parse(kValid), parse(next));
    EXPECT_TRUE(plan.refusals.empty());
    EXPECT_EQ(plan.changes, (std::vector<std::string>{
                                "check uplink changed", "group northbound checks: uplink -> none",
                                "group northbound notify changed",
                                "group northbound failure_timeout_s: 0 -> 60"}));
    EXPECT_EQ(plan.merged.groups[0].notify, "/bin/notify");
}

}  // namespace
}  // namespace vigil::daemon
