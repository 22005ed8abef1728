// Goal: the text form of events is the same in the log and in `vigil events`: values are
// quoted only when needed, one event stays one line, timestamps are UTC with milliseconds.
// Method: tables of cases; dates checked against values computed independently (Python's
// calendar.timegm), leap days and the epoch included.
#include "common/logfmt.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

TEST(Logfmt, ValuesAreQuotedOnlyWhenNeeded) {
    EXPECT_EQ(logfmt_value("northbound"), "northbound");
    EXPECT_EQ(logfmt_value(""), "\"\"");
    EXPECT_EQ(logfmt_value("primary n1 is dead"), "\"primary n1 is dead\"");
    EXPECT_EQ(logfmt_value("a=b"), "\"a=b\"");
    EXPECT_EQ(logfmt_value("say \"hi\""), "\"say \\\"hi\\\"\"");
    EXPECT_EQ(logfmt_value("two\nlines"), "\"two\\nlines\"");
}

TEST(Logfmt, TimestampsAreUtcWithMilliseconds) {
    EXPECT_EQ(utc_timestamp(0), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(utc_timestamp(1796216645'123456), "2026-12-02T13:04:05.123Z");
    EXPECT_EQ(utc_timestamp(951868799'999000), "2000-02-29T23:59:59.999Z");
    EXPECT_EQ(utc_timestamp(951868800'000000), "2000-03-01T00:00:00.000Z");
    EXPECT_EQ(utc_timestamp(-1'000), "1969-12-31T23:59:59.999Z");
}

TEST(Logfmt, LevelNames) {
    EXPECT_STREQ(level_name(Level::debug), "debug");
    EXPECT_STREQ(level_name(Level::info), "info");
    EXPECT_STREQ(level_name(Level::warn), "warn");
    EXPECT_STREQ(level_name(Level::error), "error");
}

}  // namespace
}  // namespace vigil
