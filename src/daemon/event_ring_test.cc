// Goal: the ring behind `vigil events` keeps the last N events with consecutive sequence
// numbers, answers "what came after seq S" exactly (also after wrapping and for a seq it
// has already forgotten), and the tee logger sends every event both to the ring and to the
// real sink. Method: a fake clock and a recording sink; no I/O.
#include "daemon/event_ring.h"

#include <gtest/gtest.h>

namespace vigil::daemon {
namespace {

EventRecord named(std::string name) {
    return EventRecord{0, 0, Level::info, "n1", "", std::move(name), {}};
}

std::vector<std::string> names(const std::vector<const EventRecord*>& records) {
    std::vector<std::string> out;
    for (const auto* r : records) out.push_back(r->name + "#" + std::to_string(r->seq));
    return out;
}

TEST(EventRing, NumbersEventsFromOne) {
    EventRing ring(4);
    EXPECT_EQ(ring.next_seq(), 1u);
    EXPECT_EQ(ring.push(named("a")), 1u);
    EXPECT_EQ(ring.push(named("b")), 2u);
    EXPECT_EQ(ring.next_seq(), 3u);
    EXPECT_EQ(names(ring.since(0, 10)), (std::vector<std::string>{"a#1", "b#2"}));
}

TEST(EventRing, WrapsAroundKeepingTheNewest) {
    EventRing ring(3);
    for (const char* n : {"a", "b", "c", "d", "e"}) ring.push(named(n));
    EXPECT_EQ(names(ring.since(0, 10)), (std::vector<std::string>{"c#3", "d#4", "e#5"}));
    EXPECT_EQ(ring.next_seq(), 6u);
}

TEST(EventRing, SinceReturnsOnlyLaterEvents) {
    EventRing ring(3);
    for (const char* n : {"a", "b", "c", "d", "e"}) ring.push(named(n));
    EXPECT_EQ(names(ring.since(3, 10)), (std::vector<std::string>{"d#4", "e#5"}));
    EXPECT_EQ(names(ring.since(4, 10)), (std::vector<std::string>{"e#5"}));
    EXPECT_TRUE(ring.since(5, 10).empty());
    EXPECT_TRUE(ring.since(99, 10).empty());
    // Forgotten events cannot be returned: the oldest kept one comes first.
    EXPECT_EQ(names(ring.since(1, 10)), (std::vector<std::string>{"c#3", "d#4", "e#5"}));
}

TEST(EventRing, LimitKeepsTheNewest) {
    EventRing ring(10);
    for (const char* n : {"a", "b", "c", "d"}) ring.push(named(n));
    EXPECT_EQ(names(ring.since(0, 2)), (std::vector<std::string>{"c#3", "d#4"}));
    EXPECT_EQ(names(ring.since(1, 2)), (std::vector<std::string>{"c#3", "d#4"}));
    EXPECT_TRUE(ring.since(0, 0).empty());
}

TEST(EventRing, EmptyRingHasNothing) {
    EventRing ring(2);
    EXPECT_TRUE(ring.since(0, 10).empty());
}

TEST(EventRing, ListenerSeesEachEventWithItsSeq) {
    EventRing ring(2);
    std::vector<std::string> seen;
    ring.set_listener(
        [&](const EventRecord& r) { seen.push_back(r.name + "#" + std::to_string(r.seq)); });
    ring.push(named("a"));
    ring.push(named("b"));
    ring.push(named("c"));
    EXPECT_EQ(seen, (std::vector<std::string>{"a#1", "b#2", "c#3"}));
}

TEST(EventJson, FixedKeysFirstThenFieldsInOrder) {
    EventRecord r{7,
                  1796216645'123000,
                  Level::warn,
                  "n2",
                  "",
                  "role_change",
                  {{"group", "northbound"}, {"epoch", "3"}, {"reason", "primary n1 is dead"}}};
    EXPECT_EQ(event_json(r).dump(),
              R"({"seq":7,"ts":"2026-12-02T13:04:05.123Z","level":"warn","node":"n2",)"
              R"("event":"role_change","group":"northbound","epoch":"3",)"
              R"("reason":"primary n1 is dead"})");
}

TEST(EventJson, ProcessAndFieldsNamedLikeFixedKeys) {
    EventRecord r{1,
                  0,
                  Level::info,
                  "n1",
                  "supervisor",
                  "fence_start",
                  {{"group", "g"}, {"node", "n2"}, {"seq", "9"}}};
    EXPECT_EQ(event_json(r).dump(),
              R"({"seq":1,"ts":"1970-01-01T00:00:00.000Z","level":"info","node":"n1",)"
              R"("process":"supervisor","event":"fence_start","group":"g",)"
              R"("field_node":"n2","field_seq":"9"})");
}

struct RecordingSink final : Logger {
    std::vector<std::string> lines;
    void event(Level level, std::string_view name, std::vector<LogField> fields) override {
        std::string line = std::string(level == Level::debug ? "debug " : "") + std::string(name);
        for (const auto& f : fields) line += " " + f.key + "=" + f.value;
        lines.push_back(line);
    }
};

TEST(TeeLogger, SendsEachEventToTheSinkAndTheRing) {
    RecordingSink sink;
    EventRing ring(10);
    std::int64_t now = 5'000'000;
    TeeLogger tee(sink, ring, "n1", "", [&] { return now; });
    tee.event(Level::info, "role_change", {{"group", "g"}, {"epoch", "2"}});
    now += 1000;
    tee.event(Level::warn, "peer_down", {{"peer", "n2"}});
    EXPECT_EQ(sink.lines,
              (std::vector<std::string>{"role_change group=g epoch=2", "peer_down peer=n2"}));
    auto recent = ring.since(0, 10);
    ASSERT_EQ(recent.size(), 2u);
    EXPECT_EQ(recent[0]->name, "role_change");
    EXPECT_EQ(recent[0]->realtime_us, 5'000'000);
    EXPECT_EQ(recent[0]->node, "n1");
    EXPECT_EQ(recent[0]->fields.size(), 2u);
    EXPECT_EQ(recent[1]->level, Level::warn);
    EXPECT_EQ(recent[1]->realtime_us, 5'001'000);
}

TEST(TeeLogger, DebugEventsStayOutOfTheRing) {
    RecordingSink sink;
    EventRing ring(10);
    TeeLogger tee(sink, ring, "n1", "", [] { return std::int64_t{0}; });
    tee.event(Level::debug, "tick", {});
    EXPECT_EQ(sink.lines, (std::vector<std::string>{"debug tick"}));
    EXPECT_TRUE(ring.since(0, 10).empty());
}

}  // namespace
}  // namespace vigil::daemon
