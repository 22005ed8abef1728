// Goal: $JOURNAL_STREAM is taken to mean "stderr is the journal" only when its
// DEVICE:INODE are exactly stderr's (systemd.exec(5)); anything malformed means no.
// Method: a table of cases against the pure comparison.
#include "io/journal.h"

#include <gtest/gtest.h>

namespace vigil::io {
namespace {

TEST(JournalStream, MatchesOnlyTheSameDeviceAndInode) {
    EXPECT_TRUE(journal_stream_matches("8:12345", 8, 12345));
    EXPECT_TRUE(journal_stream_matches("0:0", 0, 0));
    EXPECT_TRUE(journal_stream_matches("18446744073709551615:1", 18446744073709551615ull, 1));
    EXPECT_FALSE(journal_stream_matches("8:12345", 8, 12346));  // stderr was redirected
    EXPECT_FALSE(journal_stream_matches("9:12345", 8, 12345));
}

TEST(JournalStream, MalformedValuesNeverMatch) {
    for (const char* bad : {"", ":", "8", "8:", ":12345", "8:12345x", "x8:12345", "8:-1",
                            " 8:12345", "8:12:345", "99999999999999999999:1"})
        EXPECT_FALSE(journal_stream_matches(bad, 8, 12345)) << bad;
}

}  // namespace
}  // namespace vigil::io
