// RFC 9568 §6.1 arithmetic (core/vrrp_intervals.h) and the one timer heap of all routers
// (core/vrrp_timers.h), the latter against a naive model.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "common/prng.h"
#include "core/vrrp_intervals.h"
#include "core/vrrp_timers.h"

namespace vigil::core {
namespace {

TEST(VrrpIntervals, ExactFiguresInMicroseconds) {
    struct Case {
        int priority, interval_cs;
        Micros skew, down;
    };
    const Case cases[] = {
        {100, 100, 609375, 3609375},      // the figures docs and keepalived users know
        {255, 100, 3906, 3003906},        // 3906.25 truncated: the owner's tiny skew
        {1, 100, 996093, 3996093},        // 996093.75 truncated
        {254, 1, 78, 30078},              // 78.125 truncated
        {200, 10, 21875, 321875},
        {100, 4095, 24953906, 147803906},  // the 12-bit maximum, no overflow
        {128, 100, 500000, 3500000},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(testing::Message() << c.priority << " " << c.interval_cs);
        EXPECT_EQ(vrrp_skew_time_us(c.priority, c.interval_cs), c.skew);
        EXPECT_EQ(vrrp_master_down_interval_us(c.priority, c.interval_cs), c.down);
    }
    EXPECT_EQ(vrrp_interval_us(100), 1'000'000);
}

TEST(VrrpIntervals, MultipliesBeforeDividingForEveryPriority) {
    // Dividing first ((256 - p) / 256 * interval) would give 0; dividing the interval
    // first would lose up to 255 us. Compare with exact rational arithmetic, floored.
    for (int p = 1; p <= 255; ++p)
        for (int cs : {1, 3, 7, 100, 333, 4095}) {
            const long double exact = (256.0L - p) * cs * 10000.0L / 256.0L;
            EXPECT_EQ(vrrp_skew_time_us(p, cs), static_cast<Micros>(std::floor(exact)))
                << p << " " << cs;
            EXPECT_EQ(vrrp_master_down_interval_us(p, cs),
                      3 * cs * 10000 + vrrp_skew_time_us(p, cs));
        }
}

TEST(VrrpTimers, FiresInDeadlineOrderThenSlotOrder) {
    VrrpTimers t(5);
    t.set(3, TimePoint{30});
    t.set(1, TimePoint{10});
    t.set(4, TimePoint{10});
    t.set(0, TimePoint{20});
    EXPECT_EQ(t.size(), 4u);
    EXPECT_EQ(t.next(), TimePoint{10});
    std::vector<std::size_t> fired;
    while (auto s = t.pop_due(TimePoint{25})) fired.push_back(*s);
    EXPECT_EQ(fired, (std::vector<std::size_t>{1, 4, 0}));
    EXPECT_EQ(t.size(), 1u);
    EXPECT_EQ(t.next(), TimePoint{30});
    EXPECT_FALSE(t.pop_due(TimePoint{29}));  // not 1 us early
    EXPECT_EQ(t.pop_due(TimePoint{30}), 3u);
    EXPECT_EQ(t.next(), TimePoint::never());
}

TEST(VrrpTimers, SetReplacesAndCancelRemoves) {
    VrrpTimers t(3);
    t.set(0, TimePoint{100});
    t.set(0, TimePoint{50});  // one slot, one entry: no stale copies
    EXPECT_EQ(t.size(), 1u);
    EXPECT_EQ(t.deadline(0), TimePoint{50});
    t.set(0, TimePoint{200});
    EXPECT_EQ(t.next(), TimePoint{200});
    t.cancel(0);
    t.cancel(0);  // twice is harmless
    EXPECT_EQ(t.size(), 0u);
    EXPECT_FALSE(t.armed(0));
    EXPECT_EQ(t.deadline(0), TimePoint::never());
    t.set(7, TimePoint{1});  // out of range: ignored, not a crash
    t.cancel(7);
    EXPECT_EQ(t.size(), 0u);
}

TEST(VrrpTimers, MatchesANaiveModelUnderRandomOperations) {
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        Prng prng(seed);
        const std::size_t n = 1 + prng.below(64);
        VrrpTimers t(n);
        std::map<std::size_t, TimePoint> model;
        TimePoint now{0};
        for (int op = 0; op < 3000; ++op) {
            const std::size_t s = prng.below(n);
            switch (prng.below(4)) {
                case 0:
                case 1: {
                    TimePoint at = now + static_cast<Micros>(prng.below(1000));
                    t.set(s, at);
                    model[s] = at;
                    break;
                }
                case 2:
                    t.cancel(s);
                    model.erase(s);
                    break;
                case 3: {
                    now = now + static_cast<Micros>(prng.below(300));
                    while (auto fired = t.pop_due(now)) {
                        // The model's earliest (deadline, slot).
                        auto best = model.begin();
                        for (auto it = model.begin(); it != model.end(); ++it)
                            if (std::tie(it->second, it->first) <
                                std::tie(best->second, best->first))
                                best = it;
                        ASSERT_NE(best, model.end());
                        ASSERT_EQ(*fired, best->first) << "seed " << seed;
                        ASSERT_LE(best->second, now);
                        model.erase(best);
                    }
                    for (auto& [slot, at] : model) ASSERT_GT(at, now) << "seed " << seed;
                    break;
                }
            }
            ASSERT_EQ(t.size(), model.size());
            TimePoint next = TimePoint::never();
            for (auto& [slot, at] : model) next = std::min(next, at);
            ASSERT_EQ(t.next(), next) << "seed " << seed;
        }
    }
}

}  // namespace
}  // namespace vigil::core
