// Node with managed resources and checks, on the simulated cluster (fake clock, fake
// resource host in tests/support/test_cluster.h): order, failover on failure, FAULT,
// cleanup, crash cleanup, checks.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/support/test_cluster.h"

namespace vigil::core {
namespace {

using testing::kStartup;
using testing::TestCluster;

constexpr std::size_t n1 = 0, n2 = 1;
constexpr std::size_t kDb = 0, kApi = 1;

// Two full nodes and a witness; group northbound runs db then api.
Config resource_config(int max_restarts = 3, ResourceConfig::Kind kind = ResourceConfig::Kind::command) {
    Config c = testing::make_witness_config();
    for (const char* name : {"db", "api"}) {
        ResourceConfig r;
        r.name = name;
        r.kind = kind;
        r.start = "start";
        r.stop = "stop";
        r.monitor = "monitor";
        r.monitor_interval_ms = 1000;
        r.timeout_ms = 500;
        r.max_restarts = max_restarts;
        c.resources.push_back(r);
    }
    c.groups[0].resources = {kDb, kApi};
    return c;
}

std::vector<std::string> filtered(const std::vector<std::string>& log, const std::string& op) {
    std::vector<std::string> out;
    for (const auto& l : log)
        if (l.rfind(op, 0) == 0) out.push_back(l);
    return out;
}

bool all_running(TestCluster& c, std::size_t n) {
    return c.service_running(n, kDb) && c.service_running(n, kApi);
}

class NodeResourcesTest : public ::testing::Test {
protected:
    void SetUp() override {}
    std::unique_ptr<TestCluster> cluster;
    void make(Config config) {
        cluster = std::make_unique<TestCluster>(std::move(config));
        cluster->run_for(kStartup);
        ASSERT_EQ(cluster->primaries(), std::vector<std::size_t>{n1});
        ASSERT_GE(cluster->run_until([&] { return all_running(*cluster, n1); }, ms(200)), 0);
    }
    TestCluster& c() { return *cluster; }
};

TEST_F(NodeResourcesTest, PrimaryStartsResourcesInOrderAndTheStandbyRunsNone) {
    make(resource_config());
    EXPECT_EQ(filtered(c().resource_log(n1), "start"),
              (std::vector<std::string>{"start db", "start api"}));
    // api started only after db's first monitor passed.
    const auto& log = c().resource_log(n1);
    auto db_monitor = std::find(log.begin(), log.end(), "monitor db");
    auto db_monitor2 = std::find(db_monitor + 1, log.end(), "monitor db");  // after its start
    auto api_start = std::find(log.begin(), log.end(), "start api");
    EXPECT_LT(db_monitor2 - log.begin(), api_start - log.begin());
    c().run_for(ms(3000));
    EXPECT_TRUE(filtered(c().resource_log(n2), "start").empty());
    EXPECT_EQ(c().service_hosts(kDb), std::vector<std::size_t>{n1});
    // The commands carry the epoch the primary serves at.
    for (const auto& cmd : c().resource_commands(n1))
        if (cmd.op == ResourceOp::start) EXPECT_EQ(cmd.epoch, c().node(n1).epoch(0));
    auto st = c().node(n1).status().groups[0];
    ASSERT_EQ(st.resources.size(), 2u);
    EXPECT_EQ(st.resources[1].name, "api");
    EXPECT_EQ(st.resources[1].state, ResourceState::running);
}

TEST_F(NodeResourcesTest, SwitchoverStopsInReverseBeforeTheVipsGoThenTheTargetStarts) {
    make(resource_config());
    auto a = c().switchover(n1, "northbound", "n2");
    EXPECT_TRUE(a.rejected.empty()) << a.rejected;
    // The VIPs stay while the resources stop.
    EXPECT_TRUE(a.vip_changes.empty());
    EXPECT_EQ(c().vip_holders(), std::vector<std::size_t>{n1});
    Micros t = c().run_until([&] { return c().vip_holders().empty(); }, ms(100));
    ASSERT_GE(t, 0);
    EXPECT_FALSE(c().service_running(n1, kDb));
    EXPECT_FALSE(c().service_running(n1, kApi));
    EXPECT_EQ(filtered(c().resource_log(n1), "stop"),
              (std::vector<std::string>{"stop api", "stop db"}));
    ASSERT_GE(c().run_until([&] { return all_running(c(), n2); }, ms(200)), 0);
    EXPECT_EQ(c().primaries(), std::vector<std::size_t>{n2});
}

TEST_F(NodeResourcesTest, MonitorFailureRestartsOnTheSameNode) {
    make(resource_config());
    c().kill_service(n1, kApi);
    c().run_for(ms(1100));  // the next monitor finds it
    EXPECT_TRUE(c().log(n1).has("resource_failed"));
    ASSERT_GE(c().run_until([&] { return all_running(c(), n1); }, ms(200)), 0);
    EXPECT_EQ(c().primaries(), std::vector<std::size_t>{n1});
    EXPECT_EQ(c().node(n1).status().groups[0].resources[kApi].restarts, 1);
    EXPECT_EQ(filtered(c().resource_log(n1), "start").back(), "start api");  // db untouched
}

TEST_F(NodeResourcesTest, ExhaustedBudgetHandsOverAtOnceAndNeedsCleanupToComeBack) {
    make(resource_config(/*max_restarts=*/0));
    // Let the first routine monitor find the dead service.
    c().run_for(ms(500));
    c().kill_service(n1, kApi);
    ASSERT_GE(c().run_until([&] { return c().log(n1).has("group_failed"); }, ms(1100)), 0);
    // Handed over at once: the stops, then a handover, not a dead time.
    Micros t = c().run_until([&] { return c().primaries() == std::vector<std::size_t>{n2}; },
                             ms(100));
    ASSERT_GE(t, 0);
    EXPECT_LT(t, ms(50));
    ASSERT_GE(c().run_until([&] { return all_running(c(), n2); }, ms(200)), 0);
    EXPECT_FALSE(c().service_running(n1, kDb));
    auto st = c().node(n1).status().groups[0];
    EXPECT_NE(st.failed_here.find("api failed"), std::string::npos) << st.failed_here;
    EXPECT_NE(st.not_eligible.find("resource failure"), std::string::npos) << st.not_eligible;
    // preempt = true, yet n1 does not take it back; nor can an operator move it there.
    c().run_for(ms(2000));
    EXPECT_EQ(c().primaries(), std::vector<std::size_t>{n2});
    auto refused = c().switchover(n2, "northbound", "n1");
    EXPECT_NE(refused.rejected.find("vigil cleanup northbound"), std::string::npos)
        << refused.rejected;
    auto own = c().switchover(n1, "northbound", "n1");
    EXPECT_NE(own.rejected.find("resource failure: api failed"), std::string::npos) << own.rejected;
    // After cleanup n1 is eligible again (and, preempting, takes the group back).
    auto ok = c().admin(n1, AdminCleanup{c().now(), "northbound"});
    EXPECT_EQ(ok.rejected, "");
    EXPECT_TRUE(c().log(n1).has("group_cleanup"));
    ASSERT_GE(c().run_until([&] { return all_running(c(), n1); }, ms(500)), 0);
    EXPECT_EQ(c().primaries(), std::vector<std::size_t>{n1});
}

TEST_F(NodeResourcesTest, StartFailureOnPromotionFailsOver) {
    Config config = resource_config();
    cluster = std::make_unique<TestCluster>(config);
    c().fail_starts(n1, kApi);
    c().run_for(kStartup);
    ASSERT_GE(c().run_until([&] { return all_running(c(), n2); }, ms(500)), 0);
    EXPECT_EQ(c().primaries(), std::vector<std::size_t>{n2});
    EXPECT_TRUE(c().log(n1).has("resource_start_failed"));
    EXPECT_FALSE(c().service_running(n1, kDb));  // stopped before the handover
    c().run_for(ms(3000));
    EXPECT_EQ(c().primaries(), std::vector<std::size_t>{n2});
}

TEST_F(NodeResourcesTest, NoEligibleNodeLeavesTheGroupWhereItIsWithFault) {
    Config config = resource_config();
    cluster = std::make_unique<TestCluster>(config);
    c().fail_starts(n1, kApi);
    c().fail_starts(n2, kApi);
    c().run_for(kStartup + ms(500));
    auto prim = c().primaries();
    ASSERT_EQ(prim.size(), 1u);
    std::size_t changes = c().role_changes(n1).size() + c().role_changes(n2).size();
    c().run_for(ms(5000));
    EXPECT_EQ(c().primaries(), prim);  // no bouncing
    EXPECT_EQ(c().role_changes(n1).size() + c().role_changes(n2).size(), changes);
    auto st = c().node(prim[0]).status().groups[0];
    EXPECT_NE(st.fault.find("FAULT"), std::string::npos);
    EXPECT_TRUE(c().log(prim[0]).has("group_fault"));
    EXPECT_EQ(c().vip_holders(), prim);  // the addresses stay served
    EXPECT_TRUE(c().service_running(prim[0], kDb));  // what can run, runs
}

TEST_F(NodeResourcesTest, HungStopIsKilledAtItsTimeoutAndTheMoveCompletes) {
    make(resource_config());
    c().hang_stops(n1, kApi);
    c().switchover(n1, "northbound", "n2");
    Micros t = c().run_until([&] { return all_running(c(), n2); }, ms(2000));
    ASSERT_GE(t, 0);
    EXPECT_GE(t, ms(500));  // waited for the stop's timeout
    EXPECT_TRUE(c().log(n1).has("resource_stop_failed"));
    EXPECT_NE(c().node(n1).status().groups[0].failed_here, "");
}

// The target of a planned move dies while the primary's resources stop, and no other node
// can take the group: the primary keeps it rather than give it up and campaign for it
// again (a gap with no VIPs, a new epoch, the resources started once more).
TEST_F(NodeResourcesTest, TargetDiesDuringTheStopsAndNobodyElseCanTakeIt) {
    make(resource_config());
    c().hang_stops(n1, kApi);  // killed at its 500 ms timeout
    c().switchover(n1, "northbound", "n2");
    c().crash(n2);
    std::size_t changes = c().role_changes(n1).size();
    for (int i = 0; i < 100; ++i) {
        c().run_for(ms(10));
        ASSERT_EQ(c().vip_holders(), std::vector<std::size_t>{n1}) << "after " << i * 10 << " ms";
    }
    EXPECT_EQ(c().primaries(), std::vector<std::size_t>{n1});
    EXPECT_EQ(c().role_changes(n1).size(), changes);
    // The stop failed: the group failed here, and n1 serves it in FAULT with what can run.
    EXPECT_NE(c().node(n1).status().groups[0].fault, "");
    EXPECT_TRUE(c().service_running(n1, kDb));
}

TEST_F(NodeResourcesTest, LeftoverResourcesOnAStandbyAreStoppedAtStartUp) {
    make(resource_config());
    c().crash(n2);
    c().leave_service_running(n2, kDb);
    c().leave_service_running(n2, kApi);
    c().start(n2);
    ASSERT_GE(c().run_until([&] { return !c().service_running(n2, kDb); }, ms(200)), 0);
    EXPECT_EQ(filtered(c().resource_log(n2), "stop"),
              (std::vector<std::string>{"stop api", "stop db"}));
    EXPECT_TRUE(c().log(n2).has("resource_found"));
    EXPECT_EQ(c().primaries(), std::vector<std::size_t>{n1});
}

TEST_F(NodeResourcesTest, ExecProcessExitIsSeenAtOnceAndFailsOverWithZeroBudget) {
    make(resource_config(0, ResourceConfig::Kind::exec));
    c().kill_service(n1, kApi);
    Micros t = c().run_until([&] { return all_running(c(), n2); }, ms(500));
    ASSERT_GE(t, 0);
    EXPECT_LT(t, ms(100));  // no monitor interval to wait for
}

TEST_F(NodeResourcesTest, GracefulShutdownStopsResourcesBeforeHandingOver) {
    make(resource_config());
    auto a = c().admin(n1, Shutdown{c().now()});
    EXPECT_FALSE(c().node(n1).shutdown_complete());
    EXPECT_TRUE(a.vip_changes.empty());
    ASSERT_GE(c().run_until([&] { return c().node(n1).shutdown_complete(); }, ms(100)), 0);
    EXPECT_FALSE(c().service_running(n1, kDb));
    EXPECT_TRUE(c().vip_holders() != std::vector<std::size_t>{n1});
    ASSERT_GE(c().run_until([&] { return all_running(c(), n2); }, ms(200)), 0);
}

TEST_F(NodeResourcesTest, OperatorRestartOnlyOnThePrimary) {
    make(resource_config());
    auto bad = c().admin(n2, AdminResourceRestart{c().now(), "api"});
    EXPECT_NE(bad.rejected.find("not here"), std::string::npos) << bad.rejected;
    auto unknown = c().admin(n1, AdminResourceRestart{c().now(), "nope"});
    EXPECT_NE(unknown.rejected.find("unknown resource"), std::string::npos);
    auto ok = c().admin(n1, AdminResourceRestart{c().now(), "api"});
    EXPECT_EQ(ok.rejected, "");
    c().run_for(ms(100));
    EXPECT_EQ(filtered(c().resource_log(n1), "start").size(), 3u);
    EXPECT_TRUE(all_running(c(), n1));
}

Config check_config(int weight) {
    Config c = resource_config();
    CheckConfig chk;
    chk.name = "gateway";
    chk.kind = CheckConfig::Kind::ping;
    chk.target = "198.18.0.1";
    chk.fall = 1;
    chk.rise = 1;
    chk.weight = weight;
    c.checks.push_back(chk);
    c.groups[0].checks = {0};
    return c;
}

TEST_F(NodeResourcesTest, FailedGatewayCheckMovesTheGroup) {
    make(check_config(0));
    c().admin(n1, CheckResult{c().now(), 0, false, "ping exit 1"});
    EXPECT_TRUE(c().log(n1).has("check_failing"));
    ASSERT_GE(c().run_until([&] { return all_running(c(), n2); }, ms(200)), 0);
    EXPECT_NE(c().node(n1).status().groups[0].not_eligible.find("check gateway failing"),
              std::string::npos);
    // It passes again: n1 is eligible and, preempting, takes the group back.
    c().admin(n1, CheckResult{c().now(), 0, true, "ping exit 0"});
    ASSERT_GE(c().run_until([&] { return all_running(c(), n1); }, ms(500)), 0);
}

TEST_F(NodeResourcesTest, NegativeWeightLowersThePriorityBelowThePeer) {
    make(check_config(-60));  // 150 - 60 = 90 < n2's 100
    c().admin(n1, CheckResult{c().now(), 0, false, "ping exit 1"});
    ASSERT_GE(c().run_until([&] { return all_running(c(), n2); }, ms(200)), 0);
    EXPECT_EQ(c().node(n1).heartbeat().groups[0].priority, 90);
}

TEST_F(NodeResourcesTest, CheckFailingOnEveryNodeKeepsTheGroupInPlace) {
    make(check_config(0));
    c().admin(n2, CheckResult{c().now(), 0, false, "ping exit 1"});
    c().admin(n1, CheckResult{c().now(), 0, false, "ping exit 1"});
    c().run_for(ms(2000));
    EXPECT_EQ(c().primaries(), std::vector<std::size_t>{n1});
    EXPECT_NE(c().node(n1).status().groups[0].fault, "");
}

}  // namespace
}  // namespace vigil::core
