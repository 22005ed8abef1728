// GroupResources on a fake clock: order, restarts, the budget, failures, cleanup.
#include "core/resources.h"

#include "core/checks.h"

#include <gtest/gtest.h>

namespace vigil::core {
namespace {

struct Recorder final : Logger {
    std::vector<std::string> events;
    void event(Level, std::string_view name, std::vector<LogField> fields) override {
        std::string line(name);
        for (auto& f : fields) line += " " + f.key + "=" + f.value;
        events.push_back(line);
    }
    bool has(const std::string& prefix) const {
        for (auto& e : events)
            if (e.rfind(prefix, 0) == 0) return true;
        return false;
    }
};

Config make_config(int n_resources, int max_restarts = 3, int failure_timeout_s = 0) {
    Config c;
    c.nodes = {{"n1", {"198.18.0.11"}}, {"n2", {"198.18.0.12"}}};
    GroupConfig g;
    g.name = "nb";
    g.priority = {100, 50};
    g.failure_timeout_s = failure_timeout_s;
    for (int i = 0; i < n_resources; ++i) {
        ResourceConfig r;
        r.name = "r" + std::to_string(i);
        r.start = "start";
        r.stop = "stop";
        r.monitor = "monitor";
        r.monitor_interval_ms = 1000;
        r.max_restarts = max_restarts;
        r.restart_window_s = 60;
        c.resources.push_back(r);
        g.resources.push_back(static_cast<std::size_t>(i));
    }
    c.groups.push_back(g);
    return c;
}

class ResourcesTest : public ::testing::Test {
protected:
    void build(Config c) {
        config = std::move(c);
        res = std::make_unique<GroupResources>(config, 0, log, true);
    }
    // Runs reconcile and returns the commands as "op rN" strings.
    std::vector<std::string> step() {
        std::vector<ResourceCommand> cmds;
        res->reconcile(now, Role::primary, 7, cmds);
        std::vector<std::string> out;
        for (auto& c : cmds) {
            EXPECT_EQ(c.epoch, 7u);
            out.push_back(std::string(resource_op_name(c.op)) + " r" + std::to_string(c.resource));
        }
        return out;
    }
    void answer(std::size_t r, ResourceOp op, ResourceOutcome o, std::string detail = "exit") {
        res->on_result({now, r, op, o, detail});
    }
    // Probes every resource as stopped.
    void probe_all_stopped() {
        auto cmds = step();
        ASSERT_EQ(cmds.size(), res->status(now).size());
        for (std::size_t i = 0; i < cmds.size(); ++i)
            answer(i, ResourceOp::monitor, ResourceOutcome::not_running);
    }
    // Drives start + first monitor of each resource in order, checking the order.
    void start_all(std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) {
            ASSERT_EQ(step(), std::vector<std::string>{"start r" + std::to_string(i)});
            answer(i, ResourceOp::start, ResourceOutcome::ok);
            ASSERT_EQ(step(), std::vector<std::string>{"monitor r" + std::to_string(i)});
            answer(i, ResourceOp::monitor, ResourceOutcome::ok);
        }
        ASSERT_TRUE(res->all_running());
    }
    Recorder log;
    Config config;
    std::unique_ptr<GroupResources> res;
    TimePoint now{1'000'000};
};

TEST_F(ResourcesTest, ProbesAtStartAndStopsWhatIsFoundRunningOnAStandby) {
    build(make_config(2));
    res->set_wanted(false);
    EXPECT_EQ(step(), (std::vector<std::string>{"monitor r0", "monitor r1"}));
    answer(0, ResourceOp::monitor, ResourceOutcome::ok);  // left running by a crash
    answer(1, ResourceOp::monitor, ResourceOutcome::ok);
    EXPECT_EQ(step(), std::vector<std::string>{"stop r1"});  // reverse order
    answer(1, ResourceOp::stop, ResourceOutcome::ok);
    EXPECT_EQ(step(), std::vector<std::string>{"stop r0"});
    answer(0, ResourceOp::stop, ResourceOutcome::ok);
    EXPECT_TRUE(step().empty());
    EXPECT_TRUE(res->all_stopped());
    EXPECT_TRUE(log.has("resource_found"));
}

TEST_F(ResourcesTest, NothingStartsBeforeEveryProbeAnswered) {
    build(make_config(2));
    res->set_wanted(true);
    EXPECT_EQ(step(), (std::vector<std::string>{"monitor r0", "monitor r1"}));
    answer(0, ResourceOp::monitor, ResourceOutcome::not_running);
    EXPECT_TRUE(step().empty());
    answer(1, ResourceOp::monitor, ResourceOutcome::not_running);
    EXPECT_EQ(step(), std::vector<std::string>{"start r0"});
}

TEST_F(ResourcesTest, StartsInOrderEachAfterTheFirstMonitorOfThePrevious) {
    build(make_config(3));
    res->set_wanted(true);
    probe_all_stopped();
    EXPECT_EQ(step(), std::vector<std::string>{"start r0"});
    EXPECT_TRUE(step().empty());  // r1 waits for r0's start
    answer(0, ResourceOp::start, ResourceOutcome::ok);
    EXPECT_EQ(step(), std::vector<std::string>{"monitor r0"});  // r1 waits for the monitor
    answer(0, ResourceOp::monitor, ResourceOutcome::ok);
    EXPECT_EQ(step(), std::vector<std::string>{"start r1"});
    answer(1, ResourceOp::start, ResourceOutcome::ok);
    EXPECT_EQ(step(), std::vector<std::string>{"monitor r1"});
    answer(1, ResourceOp::monitor, ResourceOutcome::ok);
    EXPECT_EQ(step(), std::vector<std::string>{"start r2"});
    EXPECT_FALSE(res->all_running());
}

TEST_F(ResourcesTest, StopsInReverseOrderWhenNoLongerWanted) {
    build(make_config(3));
    res->set_wanted(true);
    probe_all_stopped();
    start_all(3);
    res->set_wanted(false);
    for (int i = 2; i >= 0; --i) {
        ASSERT_EQ(step(), std::vector<std::string>{"stop r" + std::to_string(i)});
        EXPECT_FALSE(res->all_stopped());
        answer(static_cast<std::size_t>(i), ResourceOp::stop, ResourceOutcome::ok);
    }
    EXPECT_TRUE(res->all_stopped());
}

TEST_F(ResourcesTest, MonitorsEveryInterval) {
    build(make_config(1));
    res->set_wanted(true);
    probe_all_stopped();
    start_all(1);
    EXPECT_EQ(res->next_wakeup(), now + ms(1000));
    now = now + ms(999);
    EXPECT_TRUE(step().empty());
    now = now + ms(1);
    EXPECT_EQ(step(), std::vector<std::string>{"monitor r0"});
    EXPECT_TRUE(step().empty());  // one at a time
    answer(0, ResourceOp::monitor, ResourceOutcome::ok);
    EXPECT_EQ(res->next_wakeup(), now + ms(1000));
}

TEST_F(ResourcesTest, MonitorFailureRestartsItAndTheOnesAfterIt) {
    build(make_config(3));
    res->set_wanted(true);
    probe_all_stopped();
    start_all(3);
    now = now + ms(1000);
    EXPECT_EQ(step(), (std::vector<std::string>{"monitor r0", "monitor r1", "monitor r2"}));
    answer(0, ResourceOp::monitor, ResourceOutcome::ok);
    answer(2, ResourceOp::monitor, ResourceOutcome::ok);
    answer(1, ResourceOp::monitor, ResourceOutcome::failed, "exit 1");
    EXPECT_TRUE(log.has("resource_failed group=nb resource=r1"));
    EXPECT_TRUE(log.has("resource_restart group=nb resource=r1 restarts=1"));
    EXPECT_EQ(step(), std::vector<std::string>{"stop r2"});  // its dependants first
    answer(2, ResourceOp::stop, ResourceOutcome::ok);
    EXPECT_EQ(step(), std::vector<std::string>{"stop r1"});
    answer(1, ResourceOp::stop, ResourceOutcome::ok);
    EXPECT_EQ(step(), std::vector<std::string>{"start r1"});  // r0 untouched
    answer(1, ResourceOp::start, ResourceOutcome::ok);
    EXPECT_EQ(step(), std::vector<std::string>{"monitor r1"});
    answer(1, ResourceOp::monitor, ResourceOutcome::ok);
    EXPECT_EQ(step(), std::vector<std::string>{"start r2"});
    EXPECT_FALSE(res->failed());
    EXPECT_EQ(res->status(now)[1].restarts, 1);
    EXPECT_EQ(res->status(now)[1].last_failure, "monitor exit 1");
}

TEST_F(ResourcesTest, ExhaustedBudgetFailsTheGroupAndLeavesTheRestStopped) {
    build(make_config(2, /*max_restarts=*/2));
    res->set_wanted(true);
    probe_all_stopped();
    start_all(2);
    for (int round = 0; round < 3; ++round) {
        now = now + ms(1000);
        auto cmds = step();
        answer(0, ResourceOp::monitor, ResourceOutcome::ok);
        answer(1, ResourceOp::monitor, ResourceOutcome::not_running, "exit 3");
        if (round == 2) break;
        EXPECT_FALSE(res->failed());
        ASSERT_EQ(step(), std::vector<std::string>{"stop r1"});
        answer(1, ResourceOp::stop, ResourceOutcome::ok);
        now = now + ms(300);  // past the backoff, before r0's next monitor
        ASSERT_EQ(step(), std::vector<std::string>{"start r1"});
        answer(1, ResourceOp::start, ResourceOutcome::ok);
        step();
        answer(1, ResourceOp::monitor, ResourceOutcome::ok);
    }
    EXPECT_TRUE(res->failed());
    EXPECT_NE(res->failure().find("r1 failed 3 times in 60 s (max_restarts 2)"), std::string::npos)
        << res->failure();
    EXPECT_TRUE(log.has("group_failed group=nb resource=r1"));
    EXPECT_EQ(step(), std::vector<std::string>{"stop r1"});  // cleaned up, not restarted
    answer(1, ResourceOp::stop, ResourceOutcome::ok);
    now = now + ms(20000);
    auto cmds = step();
    for (auto& c : cmds) EXPECT_EQ(c.rfind("start", 0), std::string::npos) << c;
    EXPECT_EQ(res->status(now)[0].state, ResourceState::running);  // r0 keeps running
}

TEST_F(ResourcesTest, ZeroBudgetFailsTheGroupAtTheFirstFailure) {
    build(make_config(1, /*max_restarts=*/0));
    res->set_wanted(true);
    probe_all_stopped();
    start_all(1);
    now = now + ms(1000);
    step();
    answer(0, ResourceOp::monitor, ResourceOutcome::failed, "exit 1");
    EXPECT_TRUE(res->failed());
    EXPECT_FALSE(log.has("resource_restart"));
}

TEST_F(ResourcesTest, RestartWindowForgetsOldRestarts) {
    build(make_config(1, /*max_restarts=*/1));
    res->set_wanted(true);
    probe_all_stopped();
    start_all(1);
    for (int round = 0; round < 3; ++round) {
        now = now + ms(61000);  // each failure more than a window after the previous
        step();
        answer(0, ResourceOp::monitor, ResourceOutcome::failed);
        ASSERT_FALSE(res->failed()) << "round " << round;
        step();
        answer(0, ResourceOp::stop, ResourceOutcome::ok);
        step();
        answer(0, ResourceOp::start, ResourceOutcome::ok);
        step();
        answer(0, ResourceOp::monitor, ResourceOutcome::ok);
    }
    // The window forgot them; the metrics' counter did not (vigil_resource_restarts_total).
    EXPECT_EQ(res->status(now)[0].restarts, 1);
    EXPECT_EQ(res->status(now)[0].restarts_total, 3u);
}

TEST_F(ResourcesTest, SecondRestartWaitsForBackoff) {
    build(make_config(1, /*max_restarts=*/5));
    res->set_wanted(true);
    probe_all_stopped();
    start_all(1);
    auto fail_and_stop = [&] {
        now = now + ms(1000);
        step();
        answer(0, ResourceOp::monitor, ResourceOutcome::failed);
        ASSERT_EQ(step(), std::vector<std::string>{"stop r0"});
        answer(0, ResourceOp::stop, ResourceOutcome::ok);
    };
    fail_and_stop();
    EXPECT_EQ(step(), std::vector<std::string>{"start r0"});  // the first restart at once
    answer(0, ResourceOp::start, ResourceOutcome::ok);
    step();
    answer(0, ResourceOp::monitor, ResourceOutcome::ok);
    TimePoint failed_at = now + ms(1000);
    fail_and_stop();
    EXPECT_TRUE(step().empty());
    EXPECT_EQ(res->next_wakeup(), failed_at + ms(250));
    now = failed_at + ms(250);
    EXPECT_EQ(step(), std::vector<std::string>{"start r0"});
}

TEST_F(ResourcesTest, FailedStartFailsTheGroupWithoutRestarting) {
    build(make_config(2));
    res->set_wanted(true);
    probe_all_stopped();
    EXPECT_EQ(step(), std::vector<std::string>{"start r0"});
    answer(0, ResourceOp::start, ResourceOutcome::failed, "exit 1");
    EXPECT_TRUE(res->failed());
    EXPECT_TRUE(log.has("resource_start_failed group=nb resource=r0"));
    EXPECT_EQ(step(), std::vector<std::string>{"stop r0"});  // LSB cleanup of a half start
    answer(0, ResourceOp::stop, ResourceOutcome::ok);
    EXPECT_TRUE(step().empty());
}

TEST_F(ResourcesTest, FailedFirstMonitorIsAFailedStart) {
    build(make_config(1));
    res->set_wanted(true);
    probe_all_stopped();
    step();
    answer(0, ResourceOp::start, ResourceOutcome::ok);
    EXPECT_EQ(step(), std::vector<std::string>{"monitor r0"});
    answer(0, ResourceOp::monitor, ResourceOutcome::not_running, "exit 3");
    EXPECT_TRUE(res->failed());
    EXPECT_NE(res->failure().find("could not start"), std::string::npos);
}

TEST_F(ResourcesTest, StopThatTimesOutCountsAsStoppedAndFailsTheGroup) {
    build(make_config(1));
    res->set_wanted(true);
    probe_all_stopped();
    start_all(1);
    res->set_wanted(false);
    EXPECT_EQ(step(), std::vector<std::string>{"stop r0"});
    answer(0, ResourceOp::stop, ResourceOutcome::timed_out, "killed at timeout 500 ms");
    EXPECT_TRUE(res->all_stopped());  // the move goes on
    EXPECT_TRUE(res->failed());
    EXPECT_TRUE(log.has("resource_stop_failed group=nb resource=r0"));
}

TEST_F(ResourcesTest, UnaskedExitOfARunningProcessIsAFailure) {
    build(make_config(1));
    res->set_wanted(true);
    probe_all_stopped();
    start_all(1);
    res->on_result({now, 0, ResourceOp::monitor, ResourceOutcome::not_running,
                    "process exited: exit 1", /*unasked=*/true});
    EXPECT_EQ(res->status(now)[0].state, ResourceState::failed);
    EXPECT_EQ(step(), std::vector<std::string>{"stop r0"});
}

// The runner runs one command per resource at a time: an exec process that exits while its
// monitor command runs must not be taken for that monitor's answer, or the stop that
// follows is refused (reported failed) and a restartable crash fails the group over.
TEST_F(ResourcesTest, UnaskedExitDuringAMonitorWaitsForThatMonitorBeforeTheStop) {
    build(make_config(1));
    res->set_wanted(true);
    probe_all_stopped();
    start_all(1);
    now = now + ms(1000);
    ASSERT_EQ(step(), std::vector<std::string>{"monitor r0"});
    res->on_result({now, 0, ResourceOp::monitor, ResourceOutcome::not_running,
                    "process exited: exit 1", /*unasked=*/true});
    EXPECT_EQ(res->status(now)[0].state, ResourceState::failed);
    EXPECT_TRUE(step().empty());  // the monitor command still runs
    answer(0, ResourceOp::monitor, ResourceOutcome::failed, "exit 1");
    EXPECT_EQ(step(), std::vector<std::string>{"stop r0"});
    answer(0, ResourceOp::stop, ResourceOutcome::ok, "not running");
    EXPECT_EQ(step(), std::vector<std::string>{"start r0"});
    EXPECT_FALSE(res->failed());
    EXPECT_EQ(res->status(now)[0].restarts, 1);
}

TEST_F(ResourcesTest, ExitBeforeTheFirstMonitorPassedIsAFailedStart) {
    build(make_config(1));
    res->set_wanted(true);
    probe_all_stopped();
    EXPECT_EQ(step(), std::vector<std::string>{"start r0"});
    answer(0, ResourceOp::start, ResourceOutcome::ok);
    EXPECT_EQ(step(), std::vector<std::string>{"monitor r0"});
    core::ResourceResult exit{now, 0, ResourceOp::monitor, ResourceOutcome::not_running,
                              "process exited: exit 1"};
    exit.unasked = true;
    res->on_result(exit);
    EXPECT_TRUE(res->failed());
    EXPECT_TRUE(log.has("resource_start_failed group=nb resource=r0"));
    answer(0, ResourceOp::monitor, ResourceOutcome::not_running);  // the monitor's own answer
    EXPECT_EQ(step(), std::vector<std::string>{"stop r0"});
}

TEST_F(ResourcesTest, LateEchoOfAStoppedProcessIsIgnored) {
    build(make_config(1));
    res->set_wanted(false);
    probe_all_stopped();
    res->on_result({now, 0, ResourceOp::monitor, ResourceOutcome::not_running,
                    "process exited: exit 0", /*unasked=*/true});
    EXPECT_TRUE(res->all_stopped());
    EXPECT_FALSE(res->failed());
}

TEST_F(ResourcesTest, OperatorRestartDoesNotCountAgainstTheBudget) {
    build(make_config(2, /*max_restarts=*/0));
    res->set_wanted(true);
    probe_all_stopped();
    start_all(2);
    EXPECT_EQ(res->restart(0, now), "");
    EXPECT_EQ(step(), std::vector<std::string>{"stop r1"});
    answer(1, ResourceOp::stop, ResourceOutcome::ok);
    EXPECT_EQ(step(), std::vector<std::string>{"stop r0"});
    answer(0, ResourceOp::stop, ResourceOutcome::ok);
    start_all(2);
    EXPECT_FALSE(res->failed());
    EXPECT_EQ(res->status(now)[0].restarts, 0);
    EXPECT_EQ(res->status(now)[0].restarts_total, 0u);
    res->set_wanted(false);
    EXPECT_NE(res->restart(0, now), "");
}

TEST_F(ResourcesTest, CleanupLetsTheGroupRunAgain) {
    build(make_config(1, 0));
    res->set_wanted(true);
    probe_all_stopped();
    step();
    answer(0, ResourceOp::start, ResourceOutcome::failed);
    step();
    answer(0, ResourceOp::stop, ResourceOutcome::ok);
    EXPECT_TRUE(res->failed());
    EXPECT_TRUE(step().empty());
    res->cleanup(now);
    EXPECT_FALSE(res->failed());
    EXPECT_TRUE(log.has("group_cleanup group=nb"));
    EXPECT_EQ(step(), std::vector<std::string>{"start r0"});
}

TEST_F(ResourcesTest, FailureTimeoutClearsTheFailure) {
    build(make_config(1, 0, /*failure_timeout_s=*/30));
    res->set_wanted(true);
    probe_all_stopped();
    step();
    answer(0, ResourceOp::start, ResourceOutcome::failed);
    step();
    answer(0, ResourceOp::stop, ResourceOutcome::ok);
    EXPECT_EQ(res->next_wakeup(), now + ms(30000));
    EXPECT_FALSE(res->expire_failure(now + ms(29999)));
    EXPECT_TRUE(res->expire_failure(now + ms(30000)));
    EXPECT_FALSE(res->failed());
}

TEST(ResourceOutcome, LsbExitCodes) {
    EXPECT_EQ(resource_outcome(ResourceOp::monitor, 0, false), ResourceOutcome::ok);
    EXPECT_EQ(resource_outcome(ResourceOp::monitor, 3, false), ResourceOutcome::not_running);
    EXPECT_EQ(resource_outcome(ResourceOp::monitor, 1, false), ResourceOutcome::failed);
    EXPECT_EQ(resource_outcome(ResourceOp::start, 3, false), ResourceOutcome::failed);
    EXPECT_EQ(resource_outcome(ResourceOp::stop, 0, true), ResourceOutcome::timed_out);
}

TEST(CheckTracker, FirstResultDecidesThenFallAndRise) {
    CheckConfig c;
    c.fall = 2;
    c.rise = 3;
    CheckTracker t(c);
    EXPECT_TRUE(t.passing());
    EXPECT_TRUE(t.on_result(false, "down"));  // first result sets it directly
    EXPECT_FALSE(t.passing());
    EXPECT_FALSE(t.on_result(true, "up"));
    EXPECT_FALSE(t.on_result(true, "up"));
    EXPECT_TRUE(t.on_result(true, "up"));  // third pass in a row
    EXPECT_TRUE(t.passing());
    EXPECT_FALSE(t.on_result(false, "down"));
    EXPECT_FALSE(t.on_result(true, "up"));  // the streak is broken
    EXPECT_FALSE(t.on_result(false, "down"));
    EXPECT_TRUE(t.on_result(false, "down"));
    EXPECT_FALSE(t.passing());
}

}  // namespace
}  // namespace vigil::core
