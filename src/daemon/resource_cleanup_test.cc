// Goal: when the agent died abnormally, its supervisor stops every command and systemd
// resource of every group, a group's resources in reverse start order, one at a time, each
// killed at its timeout_ms, with the environment of a stop by a standby; exec resources are
// left to PR_SET_PDEATHSIG. Method: stop commands that append to a file in a temp dir,
// called directly and through run_supervised with an agent that fails.
#include "daemon/resource_cleanup.h"

#include <gtest/gtest.h>

#include "daemon/supervisor.h"
#include "io/clock.h"
#include "tests/support/child_processes.h"
#include "tests/support/test_cluster.h"

namespace vigil::daemon {
namespace {

using core::ResourceConfig;

ResourceConfig resource(std::string name, ResourceConfig::Kind kind, std::string stop,
                        int timeout_ms = 2000) {
    ResourceConfig r;
    r.name = std::move(name);
    r.kind = kind;
    r.start = "true";
    r.stop = std::move(stop);
    r.monitor = "true";
    r.timeout_ms = timeout_ms;
    return r;
}

// Groups "northbound" (VIPs dropped: nothing on the host is touched) and "southbound";
// each resource goes to the group given, in order.
core::Config config_with(std::vector<std::pair<std::size_t, ResourceConfig>> resources) {
    core::Config c = testing::make_config();
    c.groups[0].vips.clear();
    c.groups.push_back(c.groups[0]);
    c.groups[1].name = "southbound";
    for (auto& [g, r] : resources) {
        c.groups[g].resources.push_back(c.resources.size());
        c.resources.push_back(std::move(r));
    }
    return c;
}

std::string field(const testing::CapturingLogger::Entry& e, std::string_view key) {
    for (const auto& f : e.fields)
        if (f.key == key) return f.value;
    return "<none>";
}

TEST(ResourceCleanup, StopsRunInReverseOrderPerGroupWithTheStopEnvironment) {
    testing::TempDir dir("vigil-cleanup");
    ASSERT_TRUE(dir.ok());
    const std::string file = dir.path("stops");
    const std::string stop =
        "echo $VIGIL_RESOURCE $VIGIL_ACTION $VIGIL_ROLE $VIGIL_EPOCH $VIGIL_NODE $VIGIL_GROUP >> " +
        file;
    core::Config config = config_with({
        {0, resource("db", ResourceConfig::Kind::command, stop)},
        {0, resource("worker", ResourceConfig::Kind::exec, "")},  // skipped: PDEATHSIG
        {0, resource("api", ResourceConfig::Kind::command, stop)},
        {1, resource("cache", ResourceConfig::Kind::command, stop)},
    });
    config.resources[1].start = "sleep 30";
    testing::CapturingLogger log;
    stop_all_resources(config, 1, log);
    EXPECT_EQ(testing::read_text(file),
              "api stop standby 0 n2 northbound\n"
              "db stop standby 0 n2 northbound\n"
              "cache stop standby 0 n2 southbound\n");
    ASSERT_EQ(log.count("resource_cleanup"), 3);
    EXPECT_EQ(field(log.entries[0], "resource"), "api");
    EXPECT_EQ(field(log.entries[0], "group"), "northbound");
    EXPECT_EQ(field(log.entries[0], "result"), "ok");
    EXPECT_EQ(field(log.entries[0], "detail"), "exit 0");
}

TEST(ResourceCleanup, HungStopIsKilledAtItsTimeoutAndTheNextStillRuns) {
    testing::TempDir dir("vigil-cleanup");
    ASSERT_TRUE(dir.ok());
    const std::string file = dir.path("stops");
    core::Config config = config_with({
        {0, resource("db", ResourceConfig::Kind::command, "echo db >> " + file)},
        {0, resource("api", ResourceConfig::Kind::command, "sleep 30", 200)},
    });
    testing::CapturingLogger log;
    const TimePoint started = io::monotonic_now();
    stop_all_resources(config, 0, log);
    EXPECT_LT(io::monotonic_now() - started, ms(1000));
    EXPECT_EQ(testing::read_text(file), "db\n");
    ASSERT_EQ(log.count("resource_cleanup"), 2);
    EXPECT_EQ(field(log.entries[0], "resource"), "api");
    EXPECT_EQ(field(log.entries[0], "result"), "timed_out");
    EXPECT_EQ(field(log.entries[0], "detail"), "killed at timeout 200 ms");
    EXPECT_EQ(log.entries[0].level, Level::error);
    EXPECT_EQ(field(log.entries[1], "result"), "ok");
}

// Runs a supervised agent that exits with `code`; returns what the stop of its one
// resource wrote and the supervisor's log.
std::string supervised_stops(int code, testing::CapturingLogger& log) {
    testing::TempDir dir("vigil-cleanup");
    if (!dir.ok()) return "<no temp dir>";
    const std::string file = dir.path("stops");
    core::Config config =
        config_with({{0, resource("api", ResourceConfig::Kind::command, "echo api >> " + file)}});
    EXPECT_EQ(run_supervised(config, 0, log, [code](int) { return code; }), code);
    return testing::read_text(file);
}

TEST(ResourceCleanup, SupervisorStopsResourcesWhenTheAgentDies) {
    testing::CapturingLogger log;
    EXPECT_EQ(supervised_stops(74, log), "api\n");
    EXPECT_EQ(log.count("agent_died"), 1);
    EXPECT_EQ(log.count("resource_cleanup"), 1);
}

TEST(ResourceCleanup, CleanExitStopsNothing) {
    testing::CapturingLogger log;
    EXPECT_EQ(supervised_stops(0, log), "");
    EXPECT_EQ(log.count("resource_cleanup"), 0);
}

}  // namespace
}  // namespace vigil::daemon
