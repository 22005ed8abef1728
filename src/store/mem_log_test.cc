// Goal: MemLog, the stand-in for DiskLog in unit tests and the simulator, keeps the same
// LogStore contract for durability, failure, truncation, compaction and install.
#include "store/mem_log.h"

#include <gtest/gtest.h>

namespace vigil::store {
namespace {

Entry entry(Index index, Epoch epoch = 1) {
    Entry e;
    e.index = index;
    e.epoch = epoch;
    e.write.op = Write::Op::put;
    e.write.key = "k";
    return e;
}

TEST(MemLog, SyncMarksDurableAndAFailedSyncFailsTheLog) {
    MemLog log;
    ASSERT_TRUE(log.append(entry(1)));
    EXPECT_EQ(log.durable_index(), 0u);
    ASSERT_TRUE(log.sync());
    EXPECT_EQ(log.durable_index(), 1u);
    ASSERT_TRUE(log.append(entry(2)));
    log.fail_next_sync();
    EXPECT_FALSE(log.sync());
    EXPECT_TRUE(log.failed());
    EXPECT_FALSE(log.append(entry(3)));
    EXPECT_EQ(log.durable_index(), 1u);
}

TEST(MemLog, TruncateCompactAndInstall) {
    MemLog log;
    for (Index i = 1; i <= 6; ++i) ASSERT_TRUE(log.append(entry(i)));
    ASSERT_TRUE(log.sync());
    ASSERT_TRUE(log.truncate_after(4));
    EXPECT_EQ(log.last_index(), 4u);
    ASSERT_TRUE(log.compact({2, 1, "s"}));
    EXPECT_EQ(log.first_index(), 3u);
    EXPECT_EQ(log.epoch_at(2), Epoch{1});
    EXPECT_EQ(log.read(3, SIZE_MAX).size(), 2u);
    ASSERT_TRUE(log.install({50, 4, "t"}));
    EXPECT_EQ(log.first_index(), 51u);
    EXPECT_EQ(log.last_epoch(), 4u);
    EXPECT_EQ(log.durable_index(), 50u);
}

}  // namespace
}  // namespace vigil::store
