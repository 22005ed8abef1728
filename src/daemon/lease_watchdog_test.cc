// Goal: the supervisor removes a group's VIPs exactly when the lease its agent last
// reported runs out, once per lease, and the agent's reports keep the supervisor from ever
// believing a group may be held longer than it may. Method: the pure parts (records,
// LeaseReporter, LeaseWatchdog) driven by tables of instants; no processes, no pipe.
#include "daemon/lease_watchdog.h"

#include <gtest/gtest.h>

namespace vigil::daemon {
namespace {

using Groups = std::vector<std::size_t>;

TEST(LeaseRecord, RoundTripsAndRejectsForeignBytes) {
    for (LeaseRecord r :
         {LeaseRecord{0, kNotPrimary}, LeaseRecord{127, kUnbounded}, LeaseRecord{3, 123456789}}) {
        auto bytes = encode_lease(r);
        EXPECT_EQ(decode_lease(bytes.data()), r);
    }
    std::array<std::uint8_t, kLeaseRecordBytes> junk{};
    EXPECT_EQ(decode_lease(junk.data()), std::nullopt);
}

TEST(LeaseWatchdog, RemovesAtTheExpiryThenRechecks) {
    LeaseWatchdog w(2);
    EXPECT_TRUE(w.apply({0, 1000}));
    EXPECT_EQ(w.next_deadline(), TimePoint{1000});
    EXPECT_EQ(w.expire(TimePoint{999}), Groups{});
    EXPECT_EQ(w.expire(TimePoint{1000}), Groups{0});
    EXPECT_EQ(w.expire(TimePoint{5000}), Groups{});  // not again at once...
    EXPECT_EQ(w.expire(TimePoint{101'000}), Groups{0});  // ...but every 100 ms while expired
    EXPECT_EQ(w.next_deadline(), TimePoint{201'000});
}

TEST(LeaseWatchdog, GraceLetsAHealthyAgentDemoteFirst) {
    LeaseWatchdog w(1, /*grace=*/500);
    w.apply({0, 1000});
    EXPECT_EQ(w.next_deadline(), TimePoint{1500});
    EXPECT_EQ(w.expire(TimePoint{1499}), Groups{});
    w.apply({0, kNotPrimary});  // the agent demoted at its lease's end and said so
    EXPECT_EQ(w.expire(TimePoint{1500}), Groups{});
    w.apply({0, 3000});
    EXPECT_EQ(w.expire(TimePoint{3500}), Groups{0});  // a stopped agent: acted on
}

TEST(LeaseWatchdog, RenewalPostponesRemoval) {
    LeaseWatchdog w(1);
    w.apply({0, 1000});
    w.apply({0, 2000});  // renewed before it ran out
    EXPECT_EQ(w.expire(TimePoint{1500}), Groups{});
    EXPECT_EQ(w.next_deadline(), TimePoint{2000});
    EXPECT_EQ(w.expire(TimePoint{2000}), Groups{0});
}

TEST(LeaseWatchdog, NotPrimaryAndUnboundedAreNeverRemoved) {
    LeaseWatchdog w(3);
    w.apply({0, 1000});
    w.apply({0, kNotPrimary});  // demoted: the agent removed the VIPs itself
    w.apply({1, kUnbounded});   // two_node primary: no lease to watch
    EXPECT_EQ(w.expire(TimePoint{1'000'000'000}), Groups{});
    EXPECT_EQ(w.next_deadline(), TimePoint::never());
}

TEST(LeaseWatchdog, ANewLeaseAfterRemovalIsWatchedAgain) {
    LeaseWatchdog w(1);
    w.apply({0, 1000});
    EXPECT_EQ(w.expire(TimePoint{1000}), Groups{0});
    w.apply({0, 1000});  // the same record sent again: still removed, not twice
    EXPECT_EQ(w.expire(TimePoint{1100}), Groups{});
    w.apply({0, 3000});  // the agent resumed and holds a new lease
    EXPECT_EQ(w.expire(TimePoint{2999}), Groups{});
    EXPECT_EQ(w.expire(TimePoint{3000}), Groups{0});
}

TEST(LeaseWatchdog, SeveralGroupsExpireIndependently) {
    LeaseWatchdog w(3);
    w.apply({0, 3000});
    w.apply({1, 1000});
    w.apply({2, 2000});
    EXPECT_EQ(w.next_deadline(), TimePoint{1000});
    EXPECT_EQ(w.expire(TimePoint{2500}), (Groups{1, 2}));
    EXPECT_EQ(w.next_deadline(), TimePoint{3000});
}

TEST(LeaseWatchdog, RecordForAnUnknownGroupIsIgnored) {
    LeaseWatchdog w(1);
    EXPECT_FALSE(w.apply({1, 1000}));
    EXPECT_EQ(w.next_deadline(), TimePoint::never());
}

// The agent's side: what goes before and after a step's actions.
TEST(LeaseReporter, GrowingLeasesGoBeforeTheActionsShrinkingOnesAfter) {
    LeaseReporter r(3);
    // Promotion of group 0 (VIPs about to be added), nothing for 1 and 2.
    std::vector<std::int64_t> truth = {1000, kNotPrimary, kNotPrimary};
    EXPECT_EQ(r.before_actions(truth), (std::vector<LeaseRecord>{{0, 1000}}));
    r.delivered({0, 1000});
    EXPECT_TRUE(r.after_actions(truth).empty());
    // Renewal goes early; a demotion (VIPs being removed in this step) only after.
    truth = {2000, kNotPrimary, kNotPrimary};
    EXPECT_EQ(r.before_actions(truth), (std::vector<LeaseRecord>{{0, 2000}}));
    r.delivered({0, 2000});
    truth = {kNotPrimary, kNotPrimary, kNotPrimary};
    EXPECT_TRUE(r.before_actions(truth).empty());
    EXPECT_EQ(r.after_actions(truth), (std::vector<LeaseRecord>{{0, kNotPrimary}}));
}

TEST(LeaseReporter, AShorterLeaseIsSentOnlyAfterTheActions) {
    LeaseReporter r(1);
    r.delivered({0, 5000});
    std::vector<std::int64_t> truth = {4000};
    EXPECT_TRUE(r.before_actions(truth).empty());
    EXPECT_EQ(r.after_actions(truth), (std::vector<LeaseRecord>{{0, 4000}}));
}

TEST(LeaseReporter, AnUndeliveredRecordIsSentAgain) {
    LeaseReporter r(1);
    std::vector<std::int64_t> truth = {1000};
    EXPECT_EQ(r.before_actions(truth).size(), 1u);  // pipe full: not delivered
    EXPECT_EQ(r.after_actions(truth), (std::vector<LeaseRecord>{{0, 1000}}));
    truth = {2000};  // the next step: the newest value, not a backlog
    EXPECT_EQ(r.before_actions(truth), (std::vector<LeaseRecord>{{0, 2000}}));
}

// End to end through both sides: whatever the agent manages to deliver, the supervisor never
// holds a later expiry than the truth once a step's actions are done.
TEST(LeaseReporter, SupervisorNeverHoldsALongerLeaseThanTheTruthAfterAStep) {
    LeaseReporter reporter(1);
    LeaseWatchdog watchdog(1);
    std::int64_t held = kNotPrimary;  // what the watchdog holds
    const std::vector<std::int64_t> truths = {1000,        2000, 1500, kNotPrimary, kUnbounded,
                                              kNotPrimary, 3000, 2500, 4000,        kNotPrimary};
    for (std::size_t step = 0; step < truths.size(); ++step) {
        std::vector<std::int64_t> truth = {truths[step]};
        const bool pipe_full = step % 3 == 1;  // every third write fails
        for (int phase = 0; phase < 2; ++phase) {
            auto records =
                phase == 0 ? reporter.before_actions(truth) : reporter.after_actions(truth);
            for (const auto& rec : records) {
                if (pipe_full && phase == 0) continue;
                watchdog.apply(rec);
                reporter.delivered(rec);
                held = rec.held_until_us;
            }
        }
        EXPECT_EQ(held, truths[step]) << "step " << step;
    }
}

}  // namespace
}  // namespace vigil::daemon
