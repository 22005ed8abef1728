// NodeClock: a node's clock is monotonic whatever its rate, and real_at() is the exact
// inverse the World relies on to fire a node's timer neither early nor late.
#include "sim/clock.h"

#include <gtest/gtest.h>

namespace vigil::sim {
namespace {

TEST(NodeClock, RunsFastOrSlowByItsRate) {
    NodeClock fast{1'000, 10'000};
    NodeClock slow{1'000, -10'000};
    EXPECT_EQ(fast.local(1'000'000).us, 1'000 + 1'010'000);
    EXPECT_EQ(slow.local(1'000'000).us, 1'000 + 990'000);
}

TEST(NodeClock, IsMonotonic) {
    for (std::int64_t ppm : {-999'999, -10'000, -1, 0, 1, 7, 10'000, 500'000}) {
        NodeClock c{12'345, ppm};
        for (Micros r = 0; r < 20'000; ++r) ASSERT_LE(c.local(r), c.local(r + 1)) << ppm;
    }
}

TEST(NodeClock, RealAtIsTheFirstInstantShowingTheTime) {
    for (std::int64_t ppm : {-10'000, -333, 0, 333, 10'000}) {
        NodeClock c{5'000'000, ppm};
        for (Micros t = 5'000'000; t < 5'000'000 + 3'000'000; t += 997) {
            Micros r = c.real_at(TimePoint{t});
            ASSERT_GE(c.local(r).us, t) << ppm;
            if (r > 0) {
                ASSERT_LT(c.local(r - 1).us, t) << ppm;
            }
        }
    }
}

TEST(NodeClock, RealAtOfNeverIsNeverAndOfThePastIsZero) {
    NodeClock c{5'000'000, 100};
    EXPECT_EQ(c.real_at(TimePoint::never()), kRealNever);
    EXPECT_EQ(c.real_at(TimePoint{3}), 0);
}

}  // namespace
}  // namespace vigil::sim
