// Goal: /status.json's "failovers" keeps the JSON contract of docs/metrics.md, lists the
// newest first across groups, never holds more than kFailoversMax, and the phases of a
// timeline follow its steps as the agent words them (agent.cc).
// Method: timelines built by hand with the agent's step texts, on a fake time axis.
#include "daemon/failover_history.h"

#include <gtest/gtest.h>

namespace vigil::daemon {
namespace {

// A promotion of this node (n2) at `at` ms, after n1 died: the steps agent.cc records.
Timeline failover(std::uint64_t epoch, std::int64_t at, bool after_death = true) {
    Timeline t;
    t.epoch = epoch;
    t.reason = after_death ? "n1 is dead" : "handover from n1";
    t.from = "n1";
    t.to = "n2";
    t.promoted_at = TimePoint{ms(at)};
    t.promoted_realtime_us = 1'700'000'000'000'000 + ms(at);
    if (after_death) {
        t.add(TimePoint{ms(at - 300)}, "n1 last heard");
        t.add(TimePoint{ms(at - 50)}, "n1 declared dead");
    }
    t.add(TimePoint{ms(at)}, "promoted to primary (epoch " + std::to_string(epoch) + ")");
    t.add(TimePoint{ms(at) + 800}, "vip 198.18.0.10/24 added");
    t.add(TimePoint{ms(at) + 900}, "vip fd00:18::10/64 added");
    t.add(TimePoint{ms(at + 1)}, "gratuitous ARP 1/3 for 198.18.0.10 sent");
    t.add(TimePoint{ms(at + 201)}, "unsolicited NA 3/3 for fd00:18::10 sent");
    return t;
}

Micros phase(const Timeline& t, const std::string& name) {
    for (const auto& p : timeline_phases(t))
        if (p.name == name) return p.duration;
    return -1;
}

TEST(TimelinePhases, AfterADeathEveryPhaseIsShown) {
    const Timeline t = failover(2, 10'000);
    EXPECT_EQ(phase(t, "detection"), ms(250));
    EXPECT_EQ(phase(t, "election"), ms(50));
    EXPECT_EQ(phase(t, "vips"), 900);
    EXPECT_EQ(phase(t, "announcement"), ms(201) - 900);
    EXPECT_EQ(phase(t, "total"), ms(501));
}

TEST(TimelinePhases, HandoverHasNoDetectionNorElection) {
    const Timeline t = failover(3, 10'000, /*after_death=*/false);
    EXPECT_EQ(phase(t, "detection"), -1);
    EXPECT_EQ(phase(t, "election"), -1);
    EXPECT_EQ(phase(t, "vips"), 900);
    EXPECT_EQ(phase(t, "total"), ms(201));
}

TEST(TimelinePhases, StepsAfterTheTimelineClosedAreNotPartOfTheFailover) {
    Timeline t;
    t.open_until = TimePoint{ms(10'000)};
    t.add(TimePoint{ms(9'000)}, "promoted to primary (epoch 2)");
    t.add(TimePoint{ms(9'100)}, "vip 198.18.0.10/24 added");
    t.add(TimePoint{ms(3'600'000)}, "vip 198.18.0.10/24 added");  // re-added an hour later
    t.add(TimePoint{ms(3'600'001)}, "gratuitous ARP 1/3 for 198.18.0.10 sent");
    ASSERT_EQ(t.steps.size(), 2u);
    EXPECT_EQ(phase(t, "total"), ms(100));
}

TEST(TimelinePhases, NoTimelineNoPhases) {
    EXPECT_TRUE(timeline_phases(Timeline{}).empty());
}

TEST(FailoverHistory, JsonHasTheDocumentedFields) {
    FailoverHistory h;
    const auto j = h.to_json({failover(2, 10'000)}, {"northbound"});
    ASSERT_EQ(j.size(), 1u);
    const auto& f = j[0];
    EXPECT_EQ(f["group"], "northbound");
    EXPECT_EQ(f["epoch"], 2);
    EXPECT_EQ(f["reason"], "n1 is dead");
    EXPECT_EQ(f["from"], "n1");
    EXPECT_EQ(f["to"], "n2");
    EXPECT_EQ(f["promoted_unix_ms"], 1'700'000'000'000 + 10'000);
    EXPECT_EQ(f["duration_ms"], 501.0);
    EXPECT_EQ(f["phases_ms"]["detection"], 250.0);
    EXPECT_EQ(f["phases_ms"]["vips"], 0.9);
    ASSERT_EQ(f["steps"].size(), 7u);
    EXPECT_EQ(f["steps"][0]["at_ms"], 0.0);
    EXPECT_EQ(f["steps"][0]["event"], "n1 last heard");
    EXPECT_EQ(f["steps"][2]["at_ms"], 300.0);
    EXPECT_EQ(f["steps"][2]["event"], "promoted to primary (epoch 2)");
}

TEST(FailoverHistory, UnknownPredecessorIsNull) {
    Timeline t = failover(1, 5'000, false);
    t.from = "";
    const auto j = FailoverHistory{}.to_json({t}, {"g"});
    EXPECT_TRUE(j[0]["from"].is_null());
}

TEST(FailoverHistory, NewestFirstAcrossGroupsArchivedAndCurrent) {
    FailoverHistory h;
    // Group a: promoted at 1 s, replaced at 3 s. Group b: promoted at 2 s, still current.
    h.archive("a", failover(2, 1'000));
    const auto j = h.to_json({failover(3, 3'000), failover(7, 2'000)}, {"a", "b"});
    ASSERT_EQ(j.size(), 3u);
    EXPECT_EQ(j[0]["group"], "a");
    EXPECT_EQ(j[0]["epoch"], 3);
    EXPECT_EQ(j[1]["group"], "b");
    EXPECT_EQ(j[2]["group"], "a");
    EXPECT_EQ(j[2]["epoch"], 2);
}

TEST(FailoverHistory, EmptyTimelinesAreNeitherKeptNorShown) {
    FailoverHistory h;
    h.archive("a", Timeline{});
    EXPECT_EQ(h.archived_count(), 0u);
    EXPECT_TRUE(h.to_json({Timeline{}}, {"a"}).empty());
}

TEST(FailoverHistory, BoundedToTheNewestTwenty) {
    FailoverHistory h;
    for (int i = 1; i <= 50; ++i) h.archive("a", failover(i, 1'000 * i));
    EXPECT_EQ(h.archived_count(), FailoverHistory::kFailoversMax);
    const auto j = h.to_json({failover(51, 60'000)}, {"a"});
    ASSERT_EQ(j.size(), FailoverHistory::kFailoversMax);
    EXPECT_EQ(j[0]["epoch"], 51);
    EXPECT_EQ(j[19]["epoch"], 51 - 19);
}

}  // namespace
}  // namespace vigil::daemon
