// Goal: the agent tells the service manager READY=1 only once the node has joined the
// cluster and every group's role is settled, exactly once; STATUS= says what it waits for
// and then who holds what, resent only when it changes; WATCHDOG=1 at half the watchdog
// interval and never without a watchdog; STOPPING=1 once when a graceful stop begins.
// Method: a fake io::ServiceManager recording each message, a hand-built core::NodeStatus
// and a fake clock (TimePoints passed in).
#include "daemon/service_notifier.h"

#include <gtest/gtest.h>

#include "tests/support/test_cluster.h"

namespace vigil::daemon {
namespace {

using core::Role;

struct FakeManager final : io::ServiceManager {
    Micros interval = 0;
    bool fail = false;
    std::vector<std::string> sent;
    Result<void> notify(std::string_view state) override {
        sent.emplace_back(state);
        if (fail) return Error::io("sd_notify: Connection refused");
        return {};
    }
    Micros watchdog_interval() const override { return interval; }
    int count(std::string_view prefix) const {
        int n = 0;
        for (const auto& s : sent) n += s.starts_with(prefix);
        return n;
    }
};

constexpr Micros kDeadTime = ms(250);
TimePoint at_ms(std::int64_t v) {
    return TimePoint{ms(v)};
}

core::GroupStatus group(std::string name, Role role, std::string primary = "",
                        std::uint64_t epoch = 1) {
    core::GroupStatus gs;
    gs.name = std::move(name);
    gs.role = role;
    gs.primary = std::move(primary);
    gs.epoch = epoch;
    gs.votes_needed = 2;
    return gs;
}

core::NodeStatus status(bool settled, std::vector<core::GroupStatus> groups) {
    core::NodeStatus st;
    st.name = "n1";
    st.settled = settled;
    st.groups = std::move(groups);
    return st;
}

struct Harness {
    FakeManager manager;
    testing::CapturingLogger log;
    std::unique_ptr<ServiceNotifier> notifier;
    explicit Harness(Micros watchdog = 0) {
        manager.interval = watchdog;
        notifier = std::make_unique<ServiceNotifier>(manager, log, at_ms(0), kDeadTime);
    }
};

TEST(ServiceNotifier, NoReadyBeforeTheNodeSettledAndStatusSaysWhy) {
    Harness h;
    h.notifier->update(at_ms(10), status(false, {group("northbound", Role::starting)}), {false});
    EXPECT_EQ(h.manager.count("READY=1"), 0);
    ASSERT_EQ(h.manager.sent.size(), 1u);
    EXPECT_EQ(h.manager.sent[0],
              "STATUS=starting: joining the cluster: waiting to hear from every peer (init_dead)");
    // The same state again: nothing new to say.
    h.notifier->update(at_ms(60), status(false, {group("northbound", Role::starting)}), {false});
    EXPECT_EQ(h.manager.sent.size(), 1u);
}

TEST(ServiceNotifier, PrimaryIsReadyOnlyOnceItsVipsAreAddedAndExactlyOnce) {
    Harness h;
    auto campaigning = group("northbound", Role::standby);
    campaigning.campaigning = true;
    campaigning.votes = 1;
    h.notifier->update(at_ms(250), status(true, {campaigning}), {false});
    EXPECT_EQ(h.manager.sent.back(),
              "STATUS=starting: northbound: asking for votes (1 of 2 needed)");
    // Promoted, VIPs not yet added (the step that promotes adds them after persisting).
    h.notifier->update(at_ms(260), status(true, {group("northbound", Role::primary, "n1", 2)}),
                       {false});
    EXPECT_EQ(h.manager.count("READY=1"), 0);
    EXPECT_EQ(h.manager.sent.back(), "STATUS=starting: northbound: primary, adding its VIPs");
    h.notifier->update(at_ms(261), status(true, {group("northbound", Role::primary, "n1", 2)}),
                       {true});
    EXPECT_EQ(h.manager.count("READY=1"), 1);
    EXPECT_EQ(h.manager.sent.back(), "READY=1\nSTATUS=northbound: primary (epoch 2)");
    EXPECT_TRUE(h.notifier->ready());
    EXPECT_TRUE(h.log.has("service_ready"));
    for (int t = 300; t < 2000; t += 50)
        h.notifier->update(at_ms(t), status(true, {group("northbound", Role::primary, "n1", 2)}),
                           {true});
    EXPECT_EQ(h.manager.count("READY=1"), 1);
    EXPECT_EQ(h.manager.sent.size(), 3u);  // nothing changed: no STATUS resent
}

TEST(ServiceNotifier, StandbyKnowingThePrimaryIsReadyAtOnce) {
    Harness h;
    h.notifier->update(at_ms(40), status(true, {group("northbound", Role::standby, "n2", 4)}),
                       {false});
    EXPECT_EQ(
        h.manager.sent,
        (std::vector<std::string>{"READY=1\nSTATUS=northbound: standby, primary n2 (epoch 4)"}));
}

TEST(ServiceNotifier, EligibleStandbyWithoutPrimaryWaitsForTheElection) {
    // Found by test_sd_notify.sh: n1, best for the group, was still waiting out its restart
    // holdoff one dead time after settling; READY then said "no primary" before it won.
    Harness h;
    auto st = status(true, {group("northbound", Role::standby)});
    st.restart_holdoff = true;
    h.notifier->update(at_ms(250), st, {false});
    EXPECT_EQ(h.manager.sent.back(),
              "STATUS=starting: northbound: waiting out promises made before a restart");
    st.restart_holdoff = false;  // eligible, not yet campaigning (or a better node runs)
    h.notifier->update(at_ms(600), st, {false});
    EXPECT_EQ(h.manager.sent.back(), "STATUS=starting: northbound: waiting for an election");
    EXPECT_EQ(h.manager.count("READY=1"), 0);
    st.groups[0] = group("northbound", Role::primary, "n1", 1);
    h.notifier->update(at_ms(610), st, {true});
    EXPECT_EQ(h.manager.sent.back(), "READY=1\nSTATUS=northbound: primary (epoch 1)");
}

TEST(ServiceNotifier, StandbyThatCannotServeWaitsOneDeadTimeForAPrimary) {
    Harness h;
    auto lone = status(true, {group("northbound", Role::standby)});
    lone.groups[0].not_eligible = "no quorum: 1/2 voters reachable";
    h.notifier->update(at_ms(250), lone, {false});
    EXPECT_EQ(h.manager.sent.back(), "STATUS=starting: northbound: looking for its primary");
    EXPECT_EQ(h.notifier->next_deadline(), at_ms(500));  // the loop must wake for it
    h.notifier->update(at_ms(499), lone, {false});
    EXPECT_EQ(h.manager.count("READY=1"), 0);
    h.notifier->update(at_ms(500), lone, {false});
    EXPECT_EQ(h.manager.count("READY=1"), 1);
    EXPECT_EQ(h.manager.sent.back(), "READY=1\nSTATUS=northbound: standby, no primary (epoch 1)");
}

TEST(ServiceNotifier, EveryGroupMustSettle) {
    Harness h;
    auto st = status(true, {group("northbound", Role::primary, "n1"),
                            group("southbound", Role::standby, "", 0)});
    st.groups[1].campaigning = true;
    h.notifier->update(at_ms(300), st, {true, false});
    EXPECT_EQ(h.manager.count("READY=1"), 0);
    EXPECT_EQ(h.manager.sent.back(),
              "STATUS=starting: southbound: asking for votes (0 of 2 needed)");
    st.groups[1] = group("southbound", Role::standby, "n2", 3);
    h.notifier->update(at_ms(310), st, {true, false});
    EXPECT_EQ(h.manager.sent.back(),
              "READY=1\nSTATUS=northbound: primary (epoch 1); southbound: standby, primary n2 "
              "(epoch 3)");
}

TEST(ServiceNotifier, ReadyWaitIsBoundedAndSaysWhatIsMissing) {
    Harness h;
    auto st = status(true, {group("northbound", Role::standby)});
    st.groups[0].campaigning = true;  // no quorum: campaigns fail and start again
    const std::int64_t limit = 250 + ServiceNotifier::kReadyWaitDeadTimes * 250;
    for (std::int64_t t = 250; t < limit; t += 50) h.notifier->update(at_ms(t), st, {false});
    EXPECT_EQ(h.manager.count("READY=1"), 0);
    EXPECT_EQ(h.notifier->next_deadline(), at_ms(limit));
    h.notifier->update(at_ms(limit), st, {false});
    EXPECT_EQ(h.manager.count("READY=1"), 1);
    ASSERT_TRUE(h.log.has("service_ready"));
    EXPECT_EQ(h.log.entries.back().level, Level::warn);
}

TEST(ServiceNotifier, NextDeadlineNeverLiesInThePastWhileWaiting) {
    Harness h;
    auto st = status(true, {group("northbound", Role::standby)});
    st.groups[0].campaigning = true;
    h.notifier->update(at_ms(250), st, {false});
    h.notifier->update(at_ms(600), st, {false});  // past settled + dead time, still waiting
    EXPECT_GT(h.notifier->next_deadline(), at_ms(600));
}

TEST(ServiceNotifier, StatusFollowsRoleChangesAfterReady) {
    Harness h;
    h.notifier->update(at_ms(300), status(true, {group("northbound", Role::standby, "n2", 1)}),
                       {false});
    h.notifier->update(at_ms(900), status(true, {group("northbound", Role::primary, "n1", 2)}),
                       {true});
    h.notifier->update(at_ms(950), status(true, {group("northbound", Role::primary, "n1", 2)}),
                       {true});
    auto maint = status(true, {group("northbound", Role::standby, "n2", 3)});
    maint.maintenance = true;
    h.notifier->update(at_ms(990), maint, {false});
    EXPECT_EQ(h.manager.sent,
              (std::vector<std::string>{"READY=1\nSTATUS=northbound: standby, primary n2 (epoch 1)",
                                        "STATUS=northbound: primary (epoch 2)",
                                        "STATUS=northbound: standby, primary n2 (epoch 3) "
                                        "[maintenance]"}));
    EXPECT_EQ(h.manager.count("READY=1"), 1);
}

TEST(ServiceNotifier, WitnessIsReadyOnceSettled) {
    Harness h;
    auto st = status(false, {group("northbound", Role::starting)});
    st.witness = true;
    st.voters_alive = 1;
    st.quorum = 2;
    h.notifier->update(at_ms(100), st, {false});
    EXPECT_EQ(h.manager.count("READY=1"), 0);
    st.settled = true;
    st.voters_alive = 3;
    h.notifier->update(at_ms(120), st, {false});
    EXPECT_EQ(h.manager.sent.back(), "READY=1\nSTATUS=witness: hears 3 voters, quorum 2");
}

TEST(ServiceNotifier, WatchdogPingsAtHalfTheInterval) {
    Harness h(ms(1000));
    EXPECT_EQ(h.notifier->next_deadline(), at_ms(0));
    int pings = 0;
    std::vector<std::int64_t> ping_times;
    for (std::int64_t t = 0; t <= 2600; t += 10) {  // a loop waking every 10 ms
        h.notifier->on_tick(at_ms(t));
        if (h.manager.count("WATCHDOG=1") > pings) {
            pings = h.manager.count("WATCHDOG=1");
            ping_times.push_back(t);
        }
    }
    EXPECT_EQ(ping_times, (std::vector<std::int64_t>{0, 500, 1000, 1500, 2000, 2500}));
    EXPECT_EQ(h.notifier->next_deadline(), at_ms(3000));
}

TEST(ServiceNotifier, WatchdogPingFollowsALateWakeUpNotTheSchedule) {
    Harness h(ms(1000));
    h.notifier->on_tick(at_ms(0));
    h.notifier->on_tick(at_ms(1700));  // the loop was stuck 1.7 s: one ping, no burst
    h.notifier->on_tick(at_ms(1800));
    EXPECT_EQ(h.manager.count("WATCHDOG=1"), 2);
    EXPECT_EQ(h.notifier->next_deadline(), at_ms(2200));
}

TEST(ServiceNotifier, NoWatchdogNoPingsAndNoWakeUps) {
    Harness h(0);
    for (std::int64_t t = 0; t < 5000; t += 100) h.notifier->on_tick(at_ms(t));
    EXPECT_EQ(h.manager.count("WATCHDOG=1"), 0);
    h.notifier->update(at_ms(10), status(true, {group("northbound", Role::standby, "n2")}),
                       {false});
    EXPECT_TRUE(h.notifier->next_deadline().is_never());
}

TEST(ServiceNotifier, StoppingIsSentOnceAndFreezesTheStatus) {
    Harness h(ms(1000));
    h.notifier->update(at_ms(10), status(true, {group("northbound", Role::primary, "n1")}), {true});
    h.notifier->stopping("signal 15");
    h.notifier->stopping("signal 15");
    EXPECT_EQ(h.manager.count("STOPPING=1"), 1);
    EXPECT_EQ(h.manager.sent.back(), "STOPPING=1\nSTATUS=stopping: signal 15");
    const auto sent = h.manager.sent.size();
    h.notifier->update(at_ms(20), status(true, {group("northbound", Role::standby, "n2")}),
                       {false});
    EXPECT_EQ(h.manager.sent.size(), sent);
    h.notifier->on_tick(at_ms(600));  // the loop still turns while resources stop
    EXPECT_EQ(h.manager.sent.back(), "WATCHDOG=1");
}

TEST(ServiceNotifier, StoppingBeforeReadyNeverSendsReady) {
    Harness h;
    h.notifier->update(at_ms(10), status(false, {group("northbound", Role::starting)}), {false});
    h.notifier->stopping("signal 15");
    h.notifier->update(at_ms(500), status(true, {group("northbound", Role::standby, "n2")}),
                       {false});
    EXPECT_EQ(h.manager.count("READY=1"), 0);
}

TEST(ServiceNotifier, ASendFailureIsLoggedOnceAndChangesNothing) {
    Harness h(ms(100));
    h.manager.fail = true;
    for (std::int64_t t = 0; t < 1000; t += 50) h.notifier->on_tick(at_ms(t));
    EXPECT_EQ(h.log.count("sd_notify_failed"), 1);
    EXPECT_EQ(h.manager.count("WATCHDOG=1"), 20);
}

}  // namespace
}  // namespace vigil::daemon
