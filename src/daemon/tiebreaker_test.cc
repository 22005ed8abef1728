// Goal: the tie-breaker's verdict follows docs/config.md "tiebreaker": the first probe
// decides, then one answer makes the address reachable and two misses in a row make it
// unreachable; the core hears only changes. Method: a table of probe sequences.
#include "daemon/tiebreaker.h"

#include <gtest/gtest.h>

namespace vigil::daemon {
namespace {

// Feeds `probes` ('+' answered, '-' not); returns the reports as a string of '+' and '-'
// with '.' for "no report".
std::string reports(const std::string& probes) {
    TiebreakerVerdict v;
    std::string out;
    for (char p : probes) {
        auto r = v.record(p == '+');
        out += !r ? '.' : *r ? '+' : '-';
    }
    return out;
}

TEST(TiebreakerVerdict, FirstProbeIsReportedEitherWay) {
    EXPECT_EQ(reports("+"), "+");
    EXPECT_EQ(reports("-"), "-");
}

TEST(TiebreakerVerdict, OneMissIsNotEnoughTwoAre) {
    EXPECT_EQ(reports("+-+"), "+..");
    EXPECT_EQ(reports("+--"), "+.-");
    EXPECT_EQ(reports("+-+-+-"), "+.....");
    EXPECT_EQ(reports("+----"), "+.-..");
}

TEST(TiebreakerVerdict, OneAnswerMakesItReachableAgain) {
    EXPECT_EQ(reports("+--+"), "+.-+");
    EXPECT_EQ(reports("--+-+"), "-.+..");
    EXPECT_EQ(reports("-+"), "-+");
}

}  // namespace
}  // namespace vigil::daemon
