// Trace: bounded rings, merged in order with gaps marked, and a hash over every line.
#include "sim/trace.h"

#include <gtest/gtest.h>

namespace vigil::sim {
namespace {

TEST(Trace, KeepsTheLastLinesOfEachRingInOrder) {
    Trace t({"n1", "n2"});
    for (int i = 0; i < 3000; ++i) t.addf(i % 10 == 0, i, 0, TimePoint{i}, "line %d", i);
    std::string dump = t.dump();
    EXPECT_EQ(dump.find("line 0\n"), std::string::npos);  // pushed out
    EXPECT_NE(dump.find("line 2990\n"), std::string::npos);
    EXPECT_NE(dump.find("line 2999\n"), std::string::npos);
    EXPECT_LT(dump.find("line 2990\n"), dump.find("line 2999\n"));
    EXPECT_NE(dump.find("not kept"), std::string::npos);
    EXPECT_EQ(t.lines(), 3000u);
}

TEST(Trace, HashDependsOnEveryLine) {
    Trace a({"n1"}), b({"n1"});
    a.add(false, 1, 0, TimePoint{1}, "x");
    b.add(false, 1, 0, TimePoint{1}, "y");
    EXPECT_NE(a.hash(), b.hash());
}

TEST(Trace, ShowsRealTimeNodeAndItsClock) {
    Trace t({"n1"});
    t.add(true, 1'500'000, 0, TimePoint{2'000'001}, "tick");
    EXPECT_NE(t.dump().find("1.500000 n1 @2.000001"), std::string::npos) << t.dump();
}

}  // namespace
}  // namespace vigil::sim
