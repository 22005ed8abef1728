// Reload (core::ConfigChanged) on the simulated cluster: the config is changed in place as
// daemon::plan_reload lays it out, then every node hears of it. What must hold: resources
// whose definition and position are unchanged are not touched; the changed tail stops in
// reverse and starts again in order; a standby starts nothing; no role, epoch or VIP
// changes; unchanged checks keep their state; a removed check stops counting.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/support/test_cluster.h"

namespace vigil::core {
namespace {

using testing::kStartup;
using testing::TestCluster;

constexpr std::size_t n1 = 0, n2 = 1;

ResourceConfig resource(const std::string& name, const std::string& start = "start") {
    ResourceConfig r;
    r.name = name;
    r.start = start;
    r.stop = "stop";
    r.monitor = "monitor";
    r.monitor_interval_ms = 1000;
    r.timeout_ms = 500;
    return r;
}

// Two full nodes and a witness; group northbound runs `names` in order (indexes 0, 1, ...).
Config config_with(const std::vector<std::string>& names) {
    Config c = testing::make_witness_config();
    for (std::size_t i = 0; i < names.size(); ++i) {
        c.resources.push_back(resource(names[i]));
        c.groups[0].resources.push_back(i);
    }
    return c;
}

// What daemon::plan_reload does for a group whose list changes from position `first` on:
// the old tail is kept retired, the new tail appended at fresh indexes.
void replace_tail(Config& c, std::size_t first, const std::vector<ResourceConfig>& tail) {
    auto& list = c.groups[0].resources;
    for (std::size_t i = first; i < list.size(); ++i) c.resources[list[i]].retired = true;
    list.resize(first);
    for (const auto& r : tail) {
        list.push_back(c.resources.size());
        c.resources.push_back(r);
    }
}

std::vector<std::string> since(const std::vector<std::string>& log, std::size_t from) {
    return {log.begin() + static_cast<std::ptrdiff_t>(from), log.end()};
}

std::vector<std::string> without_monitors(const std::vector<std::string>& log) {
    std::vector<std::string> out;
    for (const auto& l : log)
        if (l.rfind("monitor", 0) != 0) out.push_back(l);
    return out;
}

bool all_running(Node& node) {
    auto st = node.status().groups[0];
    return std::all_of(st.resources.begin(), st.resources.end(),
                       [](const ResourceStatus& r) { return r.state == ResourceState::running; });
}

class NodeReloadTest : public ::testing::Test {
protected:
    std::unique_ptr<TestCluster> cluster;
    std::size_t roles_before = 0;
    std::uint64_t epoch_before = 0;
    void make(Config config) {
        cluster = std::make_unique<TestCluster>(std::move(config));
        cluster->run_for(kStartup);
        ASSERT_EQ(cluster->primaries(), std::vector<std::size_t>{n1});
        ASSERT_GE(cluster->run_until([&] { return all_running(cluster->node(n1)); }, ms(300)), 0);
        cluster->run_for(ms(100));
        roles_before = c().role_changes(n1).size() + c().role_changes(n2).size();
        epoch_before = c().node(n1).epoch(0);
    }
    TestCluster& c() { return *cluster; }
    // Runs until n1 runs everything again, checking all along that nothing moved.
    void settle_without_moving() {
        Micros t = c().run_until(
            [&] {
                EXPECT_EQ(c().vip_holders(), std::vector<std::size_t>{n1});
                EXPECT_EQ(c().primaries(), std::vector<std::size_t>{n1});
                return all_running(c().node(n1)) &&
                       !c().node(n1).status().groups[0].resources.empty() &&
                       c().node(n1).reload_blocker().empty();
            },
            ms(500));
        ASSERT_GE(t, 0);
        c().run_for(ms(1500));
        EXPECT_EQ(c().role_changes(n1).size() + c().role_changes(n2).size(), roles_before);
        EXPECT_EQ(c().node(n1).epoch(0), epoch_before);
        EXPECT_EQ(c().node(n2).epoch(0), epoch_before);
        EXPECT_EQ(c().vip_holders(), std::vector<std::size_t>{n1});
    }
};

TEST_F(NodeReloadTest, AddedResourceStartsOnThePrimaryOnlyAndTheOthersAreUntouched) {
    make(config_with({"db", "api"}));
    const std::size_t mark1 = c().resource_log(n1).size(), mark2 = c().resource_log(n2).size();
    auto actions = c().reload([](Config& cfg) { replace_tail(cfg, 2, {resource("web")}); });
    for (const auto& a : actions) {
        EXPECT_TRUE(a.vip_changes.empty());
        EXPECT_TRUE(a.role_changes.empty());
        EXPECT_TRUE(a.rejected.empty());
    }
    settle_without_moving();
    EXPECT_EQ(without_monitors(since(c().resource_log(n1), mark1)),
              std::vector<std::string>{"start web"});
    EXPECT_TRUE(without_monitors(since(c().resource_log(n2), mark2)).empty());
    EXPECT_TRUE(c().service_running(n1, 0));
    EXPECT_TRUE(c().service_running(n1, 2));
    EXPECT_EQ(c().service_hosts(2), std::vector<std::size_t>{n1});
    auto st = c().node(n2).status().groups[0];
    ASSERT_EQ(st.resources.size(), 3u);
    EXPECT_EQ(st.resources[2].name, "web");
    EXPECT_EQ(st.resources[2].state, ResourceState::stopped);
}

TEST_F(NodeReloadTest, ChangedResourceStopsTheTailInReverseThenStartsItInOrder) {
    make(config_with({"db", "api", "web"}));
    const std::size_t mark = c().resource_log(n1).size();
    c().reload([](Config& cfg) {
        replace_tail(cfg, 1, {resource("api", "start --new"), resource("web")});
    });
    EXPECT_NE(c().node(n1).reload_blocker().find("busy"), std::string::npos);
    settle_without_moving();
    EXPECT_EQ(without_monitors(since(c().resource_log(n1), mark)),
              (std::vector<std::string>{"stop web", "stop api", "start api", "start web"}));
    // The new api is the new definition; db kept running all along.
    EXPECT_TRUE(c().service_running(n1, 0));
    EXPECT_FALSE(c().service_running(n1, 1));  // the old api
    EXPECT_TRUE(c().service_running(n1, 3));
    EXPECT_TRUE(c().log(n1).has("resource_retired"));
    EXPECT_EQ(c().node(n1).status().groups[0].resources.size(), 3u);
}

TEST_F(NodeReloadTest, RemovedResourceIsStoppedAndForgotten) {
    make(config_with({"db", "api"}));
    const std::size_t mark = c().resource_log(n1).size();
    c().reload([](Config& cfg) { replace_tail(cfg, 1, {}); });
    settle_without_moving();
    EXPECT_EQ(without_monitors(since(c().resource_log(n1), mark)),
              std::vector<std::string>{"stop api"});
    auto st = c().node(n1).status().groups[0];
    ASSERT_EQ(st.resources.size(), 1u);
    EXPECT_EQ(st.resources[0].name, "db");
    EXPECT_TRUE(c().service_hosts(1).empty());
}

TEST_F(NodeReloadTest, ReloadDuringAStartWaitsForItThenStopsTheOldDefinition) {
    cluster = std::make_unique<TestCluster>(config_with({"db", "api"}));
    TestCluster& t = c();
    ASSERT_GE(t.run_until(
                  [&] {
                      const auto& log = t.resource_log(n1);
                      return std::find(log.begin(), log.end(), "start api") != log.end();
                  },
                  kStartup + ms(500), ms(1)),
              0);
    const std::size_t mark = t.resource_log(n1).size();
    t.reload([](Config& cfg) { replace_tail(cfg, 1, {resource("api", "start --new")}); });
    ASSERT_GE(t.run_until([&] { return t.service_running(n1, 2); }, ms(500)), 0);
    // The start in flight was not interrupted: its result came, then the stop, then the new one.
    EXPECT_EQ(without_monitors(since(t.resource_log(n1), mark)),
              (std::vector<std::string>{"stop api", "start api"}));
    EXPECT_FALSE(t.service_running(n1, 1));
    EXPECT_EQ(t.primaries(), std::vector<std::size_t>{n1});
}

TEST_F(NodeReloadTest, NewResourceThatCannotStartFailsTheGroupHereLikeAtPromotion) {
    make(config_with({"db"}));
    c().fail_starts(n1, 1);
    c().reload([](Config& cfg) { replace_tail(cfg, 1, {resource("api")}); });
    ASSERT_GE(c().run_until([&] { return c().log(n1).has("group_failed"); }, ms(500)), 0);
    // The normal failure handling: handed over to n2, which runs both.
    ASSERT_GE(c().run_until(
                  [&] {
                      return c().primaries() == std::vector<std::size_t>{n2} &&
                             c().service_running(n2, 0) && c().service_running(n2, 1);
                  },
                  ms(1000)),
              0);
    EXPECT_NE(c().node(n1).status().groups[0].failed_here.find("api could not start"),
              std::string::npos);
}

TEST_F(NodeReloadTest, KeptResourceKeepsItsRestartCountAndANewOneHasAFreshBudget) {
    make(config_with({"db", "api"}));
    c().kill_service(n1, 1);
    ASSERT_GE(c().run_until([&] { return c().log(n1).has("resource_restart"); }, ms(1500)), 0);
    ASSERT_GE(c().run_until([&] { return all_running(c().node(n1)); }, ms(500)), 0);
    ASSERT_EQ(c().node(n1).status().groups[0].resources[1].restarts, 1);
    c().reload([](Config& cfg) { replace_tail(cfg, 2, {resource("web")}); });
    settle_without_moving();
    auto st = c().node(n1).status().groups[0];
    ASSERT_EQ(st.resources.size(), 3u);
    EXPECT_EQ(st.resources[1].restarts, 1);  // api: the same slot, the same window
    EXPECT_EQ(st.resources[2].restarts, 0);
    // web's budget is its own: a failure restarts it in place.
    c().kill_service(n1, 2);
    ASSERT_GE(
        c().run_until([&] { return c().node(n1).status().groups[0].resources[2].restarts == 1; },
                      ms(1500)),
        0);
    ASSERT_GE(c().run_until([&] { return all_running(c().node(n1)); }, ms(500)), 0);
    EXPECT_EQ(c().primaries(), std::vector<std::size_t>{n1});
}

TEST_F(NodeReloadTest, AFailedGroupStaysFailedAfterAReload) {
    make(config_with({"db"}));
    c().fail_starts(n1, 1);
    c().reload([](Config& cfg) { replace_tail(cfg, 1, {resource("api")}); });
    ASSERT_GE(
        c().run_until([&] { return c().primaries() == std::vector<std::size_t>{n2}; }, ms(1000)),
        0);
    c().fail_starts(n1, 1, false);
    c().reload([](Config& cfg) { replace_tail(cfg, 1, {resource("api", "start --fixed")}); });
    EXPECT_FALSE(c().node(n1).status().groups[0].failed_here.empty());
}

Config config_with_check(int fall) {
    Config c = config_with({"db"});
    CheckConfig chk;
    chk.name = "gateway";
    chk.kind = CheckConfig::Kind::ping;
    chk.target = "198.18.0.1";
    chk.fall = fall;
    chk.rise = 1;
    c.checks.push_back(chk);
    c.groups[0].checks = {0};
    return c;
}

TEST_F(NodeReloadTest, UnchangedCheckKeepsItsStateSoOneFailedProbeIsNoFault) {
    make(config_with_check(/*fall=*/2));
    c().admin(n1, CheckResult{c().now(), 0, true, "ok"});
    // An unrelated change: a resource added, another check listed first.
    c().reload([](Config& cfg) {
        CheckConfig other = cfg.checks[0];
        other.name = "dns";
        cfg.checks.insert(cfg.checks.begin(), other);
        cfg.groups[0].checks = {1};
        replace_tail(cfg, 1, {resource("api")});
    });
    ASSERT_EQ(c().node(n1).status().checks[1].name, "gateway");
    // Had the check started afresh, this first result would count at once (checks.h).
    c().admin(n1, CheckResult{c().now(), 1, false, "ping exit 1"});  // 1 of 2
    EXPECT_TRUE(c().node(n1).status().checks[1].passing);
    EXPECT_FALSE(c().log(n1).has("check_failing"));
    c().admin(n1, CheckResult{c().now(), 1, false, "ping exit 1"});  // 2 of 2
    EXPECT_FALSE(c().node(n1).status().checks[1].passing);
}

TEST_F(NodeReloadTest, UnchangedFailingCheckStaysFailing) {
    make(config_with_check(/*fall=*/1));
    c().admin(n2, CheckResult{c().now(), 0, false, "ping exit 1"});
    c().reload([](Config& cfg) { replace_tail(cfg, 1, {resource("api")}); });
    EXPECT_FALSE(c().node(n2).status().checks[0].passing);
    EXPECT_NE(c().node(n2).status().groups[0].not_eligible.find("gateway"), std::string::npos);
    settle_without_moving();
}

TEST_F(NodeReloadTest, RemovedCheckNoLongerCountsAgainstTheNode) {
    make(config_with_check(/*fall=*/1));
    c().admin(n2, CheckResult{c().now(), 0, false, "ping exit 1"});
    EXPECT_NE(c().node(n2).status().groups[0].not_eligible.find("gateway"), std::string::npos);
    EXPECT_EQ(c().node(n2).heartbeat().groups[0].priority, 0);
    c().reload([](Config& cfg) {
        cfg.checks.clear();
        cfg.groups[0].checks.clear();
    });
    EXPECT_EQ(c().node(n2).status().groups[0].not_eligible.find("gateway"), std::string::npos)
        << c().node(n2).status().groups[0].not_eligible;
    EXPECT_TRUE(c().node(n2).status().checks.empty());
    EXPECT_EQ(c().node(n2).heartbeat().groups[0].priority, 100);  // eligible again
    settle_without_moving();
}

TEST_F(NodeReloadTest, ChangedCheckStartsAfreshAsPassing) {
    make(config_with_check(/*fall=*/1));
    c().admin(n2, CheckResult{c().now(), 0, false, "ping exit 1"});
    c().reload([](Config& cfg) { cfg.checks[0].target = "198.18.0.2"; });
    EXPECT_TRUE(c().node(n2).status().checks[0].passing);
    EXPECT_FALSE(c().node(n2).status().checks[0].probed);
}

}  // namespace
}  // namespace vigil::core
