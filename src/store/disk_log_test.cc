// Goal: DiskLog keeps the promises of log_store.h and the recovery rules of
// docs/store-format.md: group commit, nothing synced is lost across a crash, a torn tail is
// dropped and reported, damage elsewhere refuses to open, I/O errors fail the log, and
// truncation, compaction and install survive a reopen. Method: FakeDisk (no real I/O, no
// sleeps); a "reopen" drops the log object, optionally crashes the disk, and recovers.
#include "store/disk_log.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "io/posix_disk.h"

#include "store/fake_disk.h"
#include "store/log_record.h"
#include "store/snapshot_file.h"

namespace vigil::store {
namespace {

constexpr const char* kDir = "/data/store";

Entry make_entry(Index index, Epoch epoch = 1) {
    Entry e;
    e.index = index;
    e.epoch = epoch;
    e.write.op = index % 5 == 0 ? Write::Op::del : Write::Op::put;
    e.write.key = "key-" + std::to_string(index % 7);
    e.write.value = "value-" + std::to_string(index) + "-" + std::to_string(epoch);
    if (index % 3 == 0) e.write.if_match = index - 1;
    if (index % 2 == 0) e.write.request_id = "req-" + std::to_string(index);
    return e;
}

bool same(const Entry& a, const Entry& b) {
    return a.index == b.index && a.epoch == b.epoch && a.write.op == b.write.op &&
           a.write.key == b.write.key && a.write.value == b.write.value &&
           a.write.if_match == b.write.if_match && a.write.request_id == b.write.request_id;
}

std::string segment_path(Index first) {
    return std::string(kDir) + "/" + DiskLog::segment_name(first);
}

class DiskLogTest : public testing::Test {
protected:
    void SetUp() override { reopen(); }
    void reopen() {
        log_.reset();
        auto log = DiskLog::open(disk_, kDir);
        ASSERT_TRUE(log) << log.error().message;
        log_ = std::move(*log);
    }
    Result<std::unique_ptr<DiskLog>> try_reopen() {
        log_.reset();
        return DiskLog::open(disk_, kDir);
    }
    void append_range(Index from, Index to, Epoch epoch = 1) {
        for (Index i = from; i <= to; ++i) ASSERT_TRUE(log_->append(make_entry(i, epoch)));
    }
    void expect_entries(Index from, Index to, Epoch epoch = 1) {
        ASSERT_GE(log_->last_index(), to);
        auto got = log_->read(from, SIZE_MAX);
        ASSERT_GE(got.size(), to - from + 1);
        for (Index i = from; i <= to; ++i)
            EXPECT_TRUE(same(got[i - from], make_entry(i, epoch))) << "entry " << i;
    }
    // Offset of record `index` in a segment starting at `first` that holds only make_entry().
    std::uint64_t offset_of(Index first, Index index, Epoch epoch = 1) {
        std::uint64_t at = 0;
        for (Index i = first; i < index; ++i) at += record_bytes(make_entry(i, epoch));
        return at;
    }

    FakeDisk disk_;
    std::unique_ptr<DiskLog> log_;
};

TEST_F(DiskLogTest, EmptyLogStartsAtOne) {
    EXPECT_EQ(log_->first_index(), 1u);
    EXPECT_EQ(log_->last_index(), 0u);
    EXPECT_EQ(log_->last_epoch(), 0u);
    EXPECT_EQ(*disk_.list(kDir), std::vector<std::string>{DiskLog::segment_name(1)});
}

TEST_F(DiskLogTest, AppendSyncReopenRoundTrip) {
    append_range(1, 10);
    EXPECT_EQ(log_->durable_index(), 0u);
    ASSERT_TRUE(log_->sync());
    EXPECT_EQ(log_->durable_index(), 10u);
    reopen();
    EXPECT_EQ(log_->last_index(), 10u);
    EXPECT_EQ(log_->durable_index(), 10u);
    EXPECT_EQ(log_->recovery_note(), "");
    expect_entries(1, 10);
}

TEST_F(DiskLogTest, GroupCommitHundredAppendsShareOneSync) {
    const auto before = disk_.sync_count();
    append_range(1, 100);
    EXPECT_EQ(disk_.sync_count(), before) << "append must not sync";
    ASSERT_TRUE(log_->sync());
    EXPECT_EQ(disk_.sync_count(), before + 1);
    ASSERT_TRUE(log_->sync());  // nothing new: no fsync
    EXPECT_EQ(disk_.sync_count(), before + 1);
    EXPECT_EQ(log_->durable_index(), 100u);
}

TEST_F(DiskLogTest, CrashBeforeSyncLosesOnlyUnsyncedEntries) {
    append_range(1, 5);
    ASSERT_TRUE(log_->sync());
    append_range(6, 8);
    disk_.crash();
    reopen();
    EXPECT_EQ(log_->last_index(), 5u);
    expect_entries(1, 5);
    append_range(6, 6, 2);  // the log goes on from there
    ASSERT_TRUE(log_->sync());
}

// kill -9 between a write and its fsync leaves the record in the page cache: the next
// process reads it, and must make it durable before it reports it (a standby's Hello
// would otherwise let the primary count it, and a power loss would then take it).
TEST_F(DiskLogTest, RecoveredEntriesAreSyncedBeforeTheyCountAsDurable) {
    append_range(1, 3);
    ASSERT_TRUE(log_->sync());
    std::string unsynced;
    encode_record(make_entry(4), unsynced);
    {
        auto f = std::move(*disk_.open_append(segment_path(1)));
        ASSERT_TRUE(f->append(unsynced));  // written, never synced: the process died
    }
    reopen();
    EXPECT_EQ(log_->durable_index(), 4u);
    disk_.crash();  // the power goes too
    reopen();
    EXPECT_EQ(log_->last_index(), 4u) << "an entry reported durable was lost";
}

TEST_F(DiskLogTest, TornTailRecordIsDroppedAndReported) {
    append_range(1, 5);
    ASSERT_TRUE(log_->sync());
    const std::uint64_t good = disk_.test_content(segment_path(1)).size();
    std::string torn;
    encode_record(make_entry(6), torn);
    {
        auto f = std::move(*disk_.open_append(segment_path(1)));
        ASSERT_TRUE(f->append(std::string_view(torn).substr(0, torn.size() / 2)));
        ASSERT_TRUE(f->sync());
    }
    reopen();
    EXPECT_EQ(log_->last_index(), 5u);
    // The count stops at the last non-zero byte: zeros after it may be preallocated space.
    const std::size_t written = torn.find_last_not_of('\0', torn.size() / 2 - 1) + 1;
    EXPECT_NE(log_->recovery_note().find("dropped " + std::to_string(written) +
                                         " torn bytes at the end of " + DiskLog::segment_name(1)),
              std::string::npos)
        << log_->recovery_note();
    EXPECT_EQ(disk_.test_content(segment_path(1)).size(), good) << "the file is cut back";
    append_range(6, 7);
    ASSERT_TRUE(log_->sync());
    reopen();
    EXPECT_EQ(log_->recovery_note(), "");
    expect_entries(1, 7);
}

TEST(DiskLog, TornSyncNeverLosesSyncedEntries) {
    for (std::uint64_t seed = 0; seed < 50; ++seed) {
        FakeDisk disk;
        auto log = std::move(*DiskLog::open(disk, kDir));
        for (Index i = 1; i <= 9; ++i) {
            ASSERT_TRUE(log->append(make_entry(i)));
            if (i == 5) {
                ASSERT_TRUE(log->sync());
            }
        }
        disk.fail_next_sync();  // entries 6..9 reach the file but are not synced
        ASSERT_FALSE(log->sync());
        log.reset();
        disk.crash_torn(seed);
        auto reopened = DiskLog::open(disk, kDir);
        ASSERT_TRUE(reopened) << "seed " << seed << ": " << reopened.error().message;
        ASSERT_GE((*reopened)->last_index(), 5u) << "seed " << seed;
        auto got = (*reopened)->read(1, SIZE_MAX);
        for (const Entry& e : got) EXPECT_TRUE(same(e, make_entry(e.index))) << "seed " << seed;
    }
}

TEST_F(DiskLogTest, CorruptRecordFollowedByValidOnesRefusesToOpen) {
    append_range(1, 10);
    ASSERT_TRUE(log_->sync());
    disk_.corrupt(segment_path(1), offset_of(1, 3) + 12);
    auto r = try_reopen();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Error::Code::corruption);
    EXPECT_NE(r.error().message.find(DiskLog::segment_name(1)), std::string::npos);
    EXPECT_NE(r.error().message.find("entry index 3"), std::string::npos) << r.error().message;
}

TEST_F(DiskLogTest, CorruptRecordInMiddleSegmentRefusesToOpen) {
    append_range(1, 5);
    ASSERT_TRUE(log_->sync());
    ASSERT_TRUE(log_->compact({2, 1, "state@2"}));  // log-1 keeps 3..5, log-6 is new
    append_range(6, 8);
    ASSERT_TRUE(log_->sync());
    disk_.corrupt(segment_path(1), offset_of(1, 5) + 20);  // the last record of log-1
    auto r = try_reopen();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Error::Code::corruption);
    EXPECT_NE(r.error().message.find(DiskLog::segment_name(1)), std::string::npos);
    EXPECT_NE(r.error().message.find("middle segment"), std::string::npos);
    EXPECT_NE(r.error().message.find("entry index 5"), std::string::npos) << r.error().message;
}

TEST_F(DiskLogTest, MissingSegmentIsAGapAndRefusesToOpen) {
    append_range(1, 3);
    ASSERT_TRUE(log_->compact({0, 0, ""}));  // a snapshot of nothing just starts log-4
    ASSERT_TRUE(log_->sync());
    append_range(4, 6);
    ASSERT_TRUE(log_->compact({0, 0, ""}));  // log-7
    ASSERT_TRUE(disk_.remove(segment_path(4)));
    auto r = try_reopen();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Error::Code::corruption);
    EXPECT_NE(r.error().message.find(DiskLog::segment_name(7)), std::string::npos)
        << r.error().message;
}

TEST_F(DiskLogTest, FailedSyncMakesTheLogFailed) {
    append_range(1, 3);
    ASSERT_TRUE(log_->sync());
    append_range(4, 4);
    disk_.fail_next_sync();
    auto r = log_->sync();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Error::Code::io);
    EXPECT_TRUE(log_->failed());
    EXPECT_EQ(log_->durable_index(), 3u);
    EXPECT_FALSE(log_->append(make_entry(5)));
    EXPECT_FALSE(log_->sync()) << "a later sync must not report success";
    disk_.crash();
    reopen();
    EXPECT_FALSE(log_->failed());
    expect_entries(1, 3);
}

TEST_F(DiskLogTest, DiskFullFailsTheSyncAndKeepsWhatWasSynced) {
    append_range(1, 3);
    ASSERT_TRUE(log_->sync());
    disk_.set_full(true);
    append_range(4, 5);
    auto r = log_->sync();
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("no space"), std::string::npos) << r.error().message;
    EXPECT_TRUE(log_->failed());
    disk_.set_full(false);
    disk_.crash();
    reopen();
    EXPECT_EQ(log_->last_index(), 3u);
    expect_entries(1, 3);
}

TEST_F(DiskLogTest, TruncateAfterIsDurableAndTheLogGoesOn) {
    append_range(1, 10);
    ASSERT_TRUE(log_->sync());
    ASSERT_TRUE(log_->truncate_after(6));
    EXPECT_EQ(log_->last_index(), 6u);
    EXPECT_EQ(log_->durable_index(), 6u);
    disk_.crash();
    reopen();
    EXPECT_EQ(log_->last_index(), 6u);
    append_range(7, 8, 2);
    ASSERT_TRUE(log_->sync());
    reopen();
    expect_entries(1, 6);
    expect_entries(7, 8, 2);
}

TEST_F(DiskLogTest, TruncateInsideTheUnwrittenBufferKeepsTheRest) {
    append_range(1, 3);
    ASSERT_TRUE(log_->sync());
    append_range(4, 8);
    ASSERT_TRUE(log_->truncate_after(5));
    EXPECT_EQ(log_->durable_index(), 3u);
    ASSERT_TRUE(log_->sync());
    reopen();
    EXPECT_EQ(log_->last_index(), 5u);
    expect_entries(1, 5);
}

TEST_F(DiskLogTest, TruncateIntoAnEarlierSegmentRemovesLaterOnes) {
    append_range(1, 4);
    ASSERT_TRUE(log_->sync());
    ASSERT_TRUE(log_->compact({1, 1, "s1"}));  // log-5 starts
    append_range(5, 8);
    ASSERT_TRUE(log_->sync());
    ASSERT_TRUE(log_->truncate_after(3));
    EXPECT_EQ(*disk_.list(kDir), (std::vector<std::string>{DiskLog::segment_name(1), "snapshot"}));
    append_range(4, 6, 3);
    ASSERT_TRUE(log_->sync());
    reopen();
    EXPECT_EQ(log_->first_index(), 2u);
    expect_entries(2, 3);
    expect_entries(4, 6, 3);
}

TEST_F(DiskLogTest, LargeBatchIsWrittenEarlyButSyncedOnce) {
    const auto before = disk_.sync_count();
    for (Index i = 1; i <= 6; ++i) {
        Entry e = make_entry(i);
        e.write.value = std::string(kValueBytesMax, static_cast<char>('a' + i));
        ASSERT_TRUE(log_->append(e));
    }
    EXPECT_GE(disk_.test_content(segment_path(1)).size(), kPendingBytesMax)
        << "the buffer is bounded: it was written out before growing past its limit";
    EXPECT_EQ(disk_.sync_count(), before);
    ASSERT_TRUE(log_->truncate_after(3));  // the cut falls in the written, unsynced part
    ASSERT_TRUE(log_->sync());
    reopen();
    EXPECT_EQ(log_->last_index(), 3u);
    EXPECT_EQ(log_->read(3, SIZE_MAX).front().write.value[0], 'a' + 3);
}

TEST(DiskLog, SegmentsRollAtTheSizeLimitAndRecoverInOrder) {
    FakeDisk disk;
    auto log = std::move(*DiskLog::open(disk, kDir, 200));
    for (Index i = 1; i <= 20; ++i) {
        ASSERT_TRUE(log->append(make_entry(i)));
        ASSERT_TRUE(log->sync());
    }
    const std::size_t files = disk.list(kDir)->size();
    EXPECT_GT(files, 5u);
    log.reset();
    log = std::move(*DiskLog::open(disk, kDir, 200));
    ASSERT_EQ(log->last_index(), 20u);
    for (const Entry& e : log->read(1, SIZE_MAX)) EXPECT_TRUE(same(e, make_entry(e.index)));
    ASSERT_TRUE(log->truncate_after(3));
    EXPECT_LT(disk.list(kDir)->size(), files);
    log.reset();
    log = std::move(*DiskLog::open(disk, kDir, 200));
    EXPECT_EQ(log->last_index(), 3u);
}

TEST_F(DiskLogTest, CompactThenReopenKeepsSnapshotAndDropsOldSegments) {
    append_range(1, 10);
    ASSERT_TRUE(log_->sync());
    ASSERT_TRUE(log_->compact({7, 1, "state@7"}));
    EXPECT_EQ(log_->first_index(), 8u);
    EXPECT_EQ(log_->epoch_at(7), Epoch{1});
    EXPECT_EQ(log_->epoch_at(6), std::nullopt);
    append_range(11, 12);
    ASSERT_TRUE(log_->sync());
    ASSERT_TRUE(log_->compact({11, 1, "state@11"}));
    EXPECT_EQ(*disk_.list(kDir), (std::vector<std::string>{DiskLog::segment_name(11),
                                                           DiskLog::segment_name(13), "snapshot"}));
    reopen();
    EXPECT_EQ(log_->first_index(), 12u);
    EXPECT_EQ(log_->last_index(), 12u);
    ASSERT_TRUE(log_->snapshot());
    EXPECT_EQ(log_->snapshot()->index, 11u);
    EXPECT_EQ(log_->snapshot()->state, "state@11");
    expect_entries(12, 12);
}

TEST_F(DiskLogTest, CorruptSnapshotRefusesToOpen) {
    append_range(1, 3);
    ASSERT_TRUE(log_->sync());
    ASSERT_TRUE(log_->compact({3, 1, "state@3"}));
    disk_.corrupt(std::string(kDir) + "/snapshot", 40);
    auto r = try_reopen();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Error::Code::corruption);
    EXPECT_NE(r.error().message.find("/snapshot"), std::string::npos) << r.error().message;
}

// A crash inside compact() after the snapshot was written: old segments are still there.
TEST_F(DiskLogTest, SnapshotWithLeftoverSegmentsRecovers) {
    append_range(1, 10);
    ASSERT_TRUE(log_->sync());
    ASSERT_TRUE(disk_.write_atomic(kDir, "snapshot", encode_snapshot({7, 1, "state@7"})));
    reopen();
    EXPECT_EQ(log_->first_index(), 8u);
    EXPECT_EQ(log_->durable_index(), 10u);
    expect_entries(8, 10);
}

// A crash inside install() after the snapshot was written: the old, shorter log is covered.
TEST_F(DiskLogTest, SnapshotPastTheWholeLogStartsAFreshSegment) {
    append_range(1, 10);
    ASSERT_TRUE(log_->sync());
    ASSERT_TRUE(disk_.write_atomic(kDir, "snapshot", encode_snapshot({12, 2, "state@12"})));
    reopen();
    EXPECT_EQ(log_->first_index(), 13u);
    EXPECT_EQ(log_->last_index(), 12u);
    EXPECT_EQ(log_->last_epoch(), 2u);
    EXPECT_EQ(*disk_.list(kDir), (std::vector<std::string>{DiskLog::segment_name(13), "snapshot"}));
}

TEST_F(DiskLogTest, RecordWithTheWrongIndexOrAnOlderEpochRefusesToOpen) {
    std::string bytes;
    encode_record(make_entry(1, 2), bytes);
    encode_record(make_entry(2, 1), bytes);  // epoch goes back
    {
        auto f = std::move(*disk_.open_append(segment_path(1)));
        ASSERT_TRUE(f->append(bytes));
        ASSERT_TRUE(f->sync());
    }
    auto r = try_reopen();
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("entry 2 has an epoch older"), std::string::npos)
        << r.error().message;

    bytes.clear();
    encode_record(make_entry(1), bytes);
    encode_record(make_entry(3), bytes);  // index 2 is missing
    {
        auto f = std::move(*disk_.open_append(segment_path(1)));
        ASSERT_TRUE(f->truncate(0));
        ASSERT_TRUE(f->append(bytes));
        ASSERT_TRUE(f->sync());
    }
    r = try_reopen();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Error::Code::corruption);
    EXPECT_NE(r.error().message.find("has index 3, expected 2"), std::string::npos)
        << r.error().message;
}

TEST_F(DiskLogTest, InstallReplacesTheLogAndSurvivesReopen) {
    append_range(1, 5);
    ASSERT_TRUE(log_->sync());
    ASSERT_TRUE(log_->install({100, 3, "state@100"}));
    EXPECT_EQ(log_->first_index(), 101u);
    EXPECT_EQ(log_->last_index(), 100u);
    EXPECT_EQ(log_->durable_index(), 100u);
    EXPECT_EQ(log_->last_epoch(), 3u);
    EXPECT_EQ(*disk_.list(kDir),
              (std::vector<std::string>{DiskLog::segment_name(101), "snapshot"}));
    append_range(101, 102, 3);
    ASSERT_TRUE(log_->sync());
    disk_.crash();
    reopen();
    EXPECT_EQ(log_->snapshot()->state, "state@100");
    EXPECT_EQ(log_->first_index(), 101u);
    expect_entries(101, 102, 3);
}

TEST_F(DiskLogTest, InstallBehindTheLogDropsTheDivergentSuffix) {
    append_range(1, 10);
    ASSERT_TRUE(log_->sync());
    ASSERT_TRUE(log_->install({4, 2, "state@4"}));
    reopen();
    EXPECT_EQ(log_->first_index(), 5u);
    EXPECT_EQ(log_->last_index(), 4u);
    EXPECT_EQ(log_->last_epoch(), 2u);
}

// The daemon runs a sync's write and fdatasync on another thread (begin_sync / run /
// end_sync) and goes on appending meanwhile: those appends wait in the buffer, are not
// durable with the job, and are made durable by the next one.
TEST_F(DiskLogTest, AppendsDuringASyncJobWaitForTheNextJob) {
    append_range(1, 5);
    auto job = log_->begin_sync();
    ASSERT_TRUE(job);
    EXPECT_EQ(job->upto, 5u);
    EXPECT_TRUE(log_->sync_in_flight());
    append_range(6, 9);  // while the job runs
    EXPECT_EQ(log_->last_index(), 9u);
    expect_entries(1, 9);
    auto outcome = job->run();
    ASSERT_TRUE(log_->end_sync(std::move(*job), std::move(outcome)));
    EXPECT_EQ(log_->durable_index(), 5u) << "entries appended after the job are not durable";
    auto next = log_->begin_sync();
    ASSERT_TRUE(next);
    EXPECT_EQ(next->upto, 9u);
    auto next_outcome = next->run();
    ASSERT_TRUE(log_->end_sync(std::move(*next), std::move(next_outcome)));
    EXPECT_EQ(log_->durable_index(), 9u);
    EXPECT_FALSE(log_->begin_sync()) << "nothing left to sync";
    disk_.crash();
    reopen();
    EXPECT_EQ(log_->last_index(), 9u);
    expect_entries(1, 9);
}

TEST_F(DiskLogTest, CrashWithASyncJobOutKeepsOnlyWhatAJobSynced) {
    append_range(1, 4);
    ASSERT_TRUE(log_->sync());
    append_range(5, 6);
    auto job = log_->begin_sync();
    ASSERT_TRUE(job);
    append_range(7, 8);
    disk_.crash();  // before the job ran: 5..8 were never written
    job.reset();
    reopen();
    EXPECT_EQ(log_->last_index(), 4u);
    expect_entries(1, 4);
}

TEST_F(DiskLogTest, FailedSyncJobFailsTheLog) {
    append_range(1, 3);
    auto job = log_->begin_sync();
    ASSERT_TRUE(job);
    disk_.fail_next_sync();
    auto outcome = job->run();
    EXPECT_FALSE(outcome);
    EXPECT_FALSE(log_->end_sync(std::move(*job), std::move(outcome)));
    EXPECT_TRUE(log_->failed());
    EXPECT_EQ(log_->durable_index(), 0u);
    EXPECT_FALSE(log_->append(make_entry(4)));
}

// A standby may have to cut entries that arrived while a job was out (a new primary's
// log differs there); those are still in the buffer, and the job's entries stay.
TEST_F(DiskLogTest, TruncatingBufferedEntriesDuringASyncJobKeepsTheJobs) {
    append_range(1, 3);
    auto job = log_->begin_sync();
    ASSERT_TRUE(job);
    append_range(4, 7);
    ASSERT_TRUE(log_->truncate_after(5));
    auto outcome = job->run();
    ASSERT_TRUE(log_->end_sync(std::move(*job), std::move(outcome)));
    append_range(6, 6, 2);
    ASSERT_TRUE(log_->sync());
    reopen();
    EXPECT_EQ(log_->last_index(), 6u);
    expect_entries(1, 5);
    EXPECT_EQ(log_->epoch_at(6), 2u);
}

// A segment that reaches its size limit at the end of a job rolls over; the entries
// appended during the job move to the new segment (their offsets with them: a truncation
// there must cut at the right place), and everything recovers in order.
TEST(DiskLog, SegmentRollsAfterASyncJobWithEntriesAppendedMeanwhile) {
    constexpr Index kEntries = 24;
    // For every entry appended during a job: a log built the same way, cut just before it.
    for (Index cut = 2; cut <= kEntries; cut += 2) {
        FakeDisk disk;
        auto log = std::move(*DiskLog::open(disk, kDir, 200));
        for (Index next = 1; next <= kEntries;) {
            ASSERT_TRUE(log->append(make_entry(next++)));
            auto job = log->begin_sync();
            ASSERT_TRUE(job);
            ASSERT_TRUE(log->append(make_entry(next++)));  // during the job
            auto outcome = job->run();
            ASSERT_TRUE(log->end_sync(std::move(*job), std::move(outcome)));
        }
        ASSERT_TRUE(log->sync());
        EXPECT_GT(disk.list(kDir)->size(), 4u);
        ASSERT_TRUE(log->truncate_after(cut - 1)) << "cut " << cut;
        ASSERT_TRUE(log->append(make_entry(cut, 2)));
        ASSERT_TRUE(log->sync());
        log.reset();
        disk.crash();
        log = std::move(*DiskLog::open(disk, kDir, 200));
        EXPECT_EQ(log->recovery_note(), "") << "cut " << cut;
        ASSERT_EQ(log->last_index(), cut) << "cut " << cut;
        for (const Entry& e : log->read(1, SIZE_MAX))
            EXPECT_TRUE(same(e, make_entry(e.index, e.index == cut ? 2 : 1))) << "cut " << cut;
    }
}

// The real disk preallocates (io/posix_disk.h): zeros after the last record are free
// space, in the active segment (cut on recovery, appends continue after the last record)
// and in older ones.
TEST(DiskLog, ZerosAfterTheLastRecordArePreallocatedSpaceNotDamage) {
    FakeDisk disk;
    auto log = std::move(*DiskLog::open(disk, kDir, 200));
    for (Index i = 1; i <= 12; ++i) {
        ASSERT_TRUE(log->append(make_entry(i)));
        ASSERT_TRUE(log->sync());
    }
    log.reset();
    const auto names = *disk.list(kDir);
    ASSERT_GT(names.size(), 2u);
    for (const auto& name : names) {  // every segment, the active one too
        auto f = std::move(*disk.open_append(std::string(kDir) + "/" + name));
        ASSERT_TRUE(f->append(std::string(300, '\0')));
        ASSERT_TRUE(f->sync());
    }
    log = std::move(*DiskLog::open(disk, kDir, 200));
    EXPECT_EQ(log->recovery_note(), "");
    ASSERT_EQ(log->last_index(), 12u);
    ASSERT_TRUE(log->append(make_entry(13)));
    ASSERT_TRUE(log->sync());
    log.reset();
    log = std::move(*DiskLog::open(disk, kDir, 200));
    ASSERT_EQ(log->last_index(), 13u);
    for (const Entry& e : log->read(1, SIZE_MAX)) EXPECT_TRUE(same(e, make_entry(e.index)));
}

TEST_F(DiskLogTest, TornRecordInPreallocatedSpaceIsATornTail) {
    append_range(1, 3);
    ASSERT_TRUE(log_->sync());
    std::string torn;
    encode_record(make_entry(4), torn);
    torn.resize(torn.size() / 2);
    {
        auto f = std::move(*disk_.open_append(segment_path(1)));
        ASSERT_TRUE(f->append(torn + std::string(500, '\0')));
        ASSERT_TRUE(f->sync());
    }
    reopen();
    EXPECT_EQ(log_->last_index(), 3u);
    EXPECT_NE(log_->recovery_note().find("torn"), std::string::npos) << log_->recovery_note();
    append_range(4, 4);
    ASSERT_TRUE(log_->sync());
    reopen();
    expect_entries(1, 4);
}

// A power cut during a sync into preallocated space may leave any subset of the batch's
// pages: a page that never arrived reads as zeros, with whole records of the same batch
// after it. The batch was not synced, so nothing in it was acknowledged: recovery cuts at
// the damage instead of refusing to start.
TEST_F(DiskLogTest, BatchWithAMissingPageInPreallocatedSpaceIsCut) {
    append_range(1, 3);
    ASSERT_TRUE(log_->sync());
    const std::uint64_t base = offset_of(1, 4);
    std::string batch;
    for (Index i = 4; i <= 300; ++i) encode_record(make_entry(i), batch);
    ASSERT_GT(batch.size(), 3 * 4096u);
    const std::size_t hole = (base + 4096 - 1) / 4096 * 4096 + 4096 - base;  // 2nd page
    batch.replace(hole, 4096, std::string(4096, '\0'));
    {
        auto f = std::move(*disk_.open_append(segment_path(1)));
        ASSERT_TRUE(f->append(batch + std::string(8192, '\0')));
        ASSERT_TRUE(f->sync());
    }
    auto reopened = try_reopen();
    ASSERT_TRUE(reopened) << reopened.error().message;
    log_ = std::move(*reopened);
    EXPECT_GE(log_->last_index(), 3u);
    EXPECT_LT(log_->last_index(), 300u);
    EXPECT_NE(log_->recovery_note().find("never synced"), std::string::npos)
        << log_->recovery_note();
    expect_entries(1, log_->last_index());
    const Index last = log_->last_index();
    append_range(last + 1, last + 1, 2);  // and the log goes on after the cut
    ASSERT_TRUE(log_->sync());
    reopen();
    EXPECT_EQ(log_->last_index(), last + 1);
    EXPECT_EQ(log_->recovery_note(), "");
}

// The same with the real disk: a preallocating PosixDisk's log survives a reopen.
TEST(DiskLog, PreallocatedSegmentsOnARealDiskReopen) {
    namespace fs = std::filesystem;
    std::string dir = (fs::temp_directory_path() / "vigil-log-XXXXXX").string();
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    {
        io::PosixDisk disk(4096);
        auto log = std::move(*DiskLog::open(disk, dir, 2000));
        for (Index i = 1; i <= 40; ++i) {
            ASSERT_TRUE(log->append(make_entry(i)));
            if (i % 3 == 0) ASSERT_TRUE(log->sync());
        }
        ASSERT_TRUE(log->sync());
        log.reset();
        EXPECT_EQ(fs::file_size(dir + "/" + DiskLog::segment_name(1)), 4096u);
        log = std::move(*DiskLog::open(disk, dir, 2000));
        EXPECT_EQ(log->recovery_note(), "");
        ASSERT_EQ(log->last_index(), 40u);
        for (const Entry& e : log->read(1, SIZE_MAX)) EXPECT_TRUE(same(e, make_entry(e.index)));
        ASSERT_TRUE(log->append(make_entry(41)));
        ASSERT_TRUE(log->sync());
        log.reset();
        log = std::move(*DiskLog::open(disk, dir, 2000));
        EXPECT_EQ(log->last_index(), 41u);
    }
    fs::remove_all(dir);
}

TEST_F(DiskLogTest, ReadStopsAtMaxBytesButReturnsAtLeastOne) {
    append_range(1, 10);
    EXPECT_EQ(log_->read(3, 1).size(), 1u);
    const std::size_t two = record_bytes(make_entry(3)) + record_bytes(make_entry(4));
    EXPECT_EQ(log_->read(3, two).size(), 2u);
    EXPECT_TRUE(log_->read(11, SIZE_MAX).empty());
}

}  // namespace
}  // namespace vigil::store
