// Goal: power loss at any step inside compact(), install() and truncate_after() leaves a log
// that opens and holds a consistent history: every entry it recovers is one that was written
// at that index, compaction loses nothing, and an installed snapshot is never followed by
// entries of the old history. Method: FakeDisk::lose_power_after(n) for every n until the
// operation completes, then crash, reopen and compare with the entries written.
#include <gtest/gtest.h>

#include <functional>

#include "store/disk_log.h"
#include "store/fake_disk.h"

namespace vigil::store {
namespace {

constexpr const char* kDir = "/c/log";

Entry make_entry(Index index, Epoch epoch) {
    Entry e;
    e.index = index;
    e.epoch = epoch;
    e.write.op = Write::Op::put;
    e.write.key = "k" + std::to_string(index);
    e.write.value = "v" + std::to_string(index);
    return e;
}

// Entries 1..12 in three segments (log-1: 1..4, log-5: 5..8, log-9: 9..12), snapshot at 2.
std::unique_ptr<DiskLog> three_segments(FakeDisk& disk) {
    auto log = std::move(*DiskLog::open(disk, kDir));
    for (Index i = 1; i <= 12; ++i) {
        EXPECT_TRUE(log->append(make_entry(i, 1)));
        if (i % 4 == 0) {
            EXPECT_TRUE(log->sync());
            EXPECT_TRUE(log->compact({i == 4 ? Index{2} : log->snapshot()->index, 1, "s"}));
        }
    }
    return log;
}

// Runs `operation` with power lost after n changes, for n = 0, 1, ... until it succeeds;
// after each, reopens and lets `check` judge what was recovered.
void at_every_step(const std::function<Result<void>(DiskLog&)>& operation,
                   const std::function<void(DiskLog&, bool completed)>& check) {
    for (std::uint64_t n = 0;; ++n) {
        FakeDisk disk;
        auto log = three_segments(disk);
        disk.lose_power_after(n);
        const bool completed = static_cast<bool>(operation(*log));
        log.reset();
        disk.crash();
        auto reopened = DiskLog::open(disk, kDir);
        ASSERT_TRUE(reopened) << "power lost after " << n
                              << " changes: " << reopened.error().message;
        for (const Entry& e : (*reopened)->read((*reopened)->first_index(), SIZE_MAX))
            ASSERT_EQ(e.write.value, make_entry(e.index, 1).write.value) << "after " << n;
        check(**reopened, completed);
        if (completed || testing::Test::HasFatalFailure()) return;
        ASSERT_LT(n, 100u) << "the operation never completes";
    }
}

TEST(DiskLogCrash, PowerLossDuringCompactLosesNothing) {
    at_every_step(
        [](DiskLog& log) {
            return log.compact({10, 1, "s10"});
        },
        [](DiskLog& log, bool) {
            EXPECT_EQ(log.last_index(), 12u);
            EXPECT_TRUE(log.first_index() == 3 || log.first_index() == 11) << log.first_index();
        });
}

TEST(DiskLogCrash, PowerLossDuringTruncateLeavesAPrefix) {
    at_every_step([](DiskLog& log) { return log.truncate_after(6); },
                  [](DiskLog& log, bool completed) {
                      EXPECT_GE(log.last_index(), 6u);
                      if (completed) {
                          EXPECT_EQ(log.last_index(), 6u);
                      }
                  });
}

TEST(DiskLogCrash, PowerLossDuringInstallNeverMixesHistories) {
    // Behind the log (a divergent suffix to drop) and ahead of it.
    for (Index index : {Index{7}, Index{20}}) {
        at_every_step(
            [index](DiskLog& log) {
                return log.install({index, 5, "installed"});
            },
            [index](DiskLog& log, bool completed) {
                const bool installed = log.snapshot()->state == "installed";
                EXPECT_TRUE(installed || !completed);
                if (installed) {
                    EXPECT_EQ(log.first_index(), index + 1);
                    EXPECT_EQ(log.last_index(), index) << "old entries after it";
                    EXPECT_EQ(log.last_epoch(), 5u);
                }
            });
        if (testing::Test::HasFatalFailure()) return;
    }
}

}  // namespace
}  // namespace vigil::store
