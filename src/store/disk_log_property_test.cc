// Goal: under any sequence of appends, syncs, truncations, compactions, installs, injected
// sync failures, a full disk and crashes (clean or torn), DiskLog never loses an entry it
// reported durable, never brings back a truncated one, and everything it recovers is an
// entry that was appended at that index. Method: a model (what was appended at each index,
// and the durable index the log reported) driven by a seeded Prng; after every crash the
// log is reopened and compared with the model. A failure prints the seed.
#include <gtest/gtest.h>

#include "common/prng.h"
#include "store/disk_log.h"
#include "store/fake_disk.h"

namespace vigil::store {
namespace {

constexpr const char* kDir = "/p/log";

bool same(const Entry& a, const Entry& b) {
    return a.index == b.index && a.epoch == b.epoch && a.write.op == b.write.op &&
           a.write.key == b.write.key && a.write.value == b.write.value &&
           a.write.if_match == b.write.if_match && a.write.request_id == b.write.request_id;
}

class PropertyRun {
public:
    explicit PropertyRun(std::uint64_t seed) : seed_(seed), prng_(seed) { reopen(); }

    void step() {
        switch (prng_.below(20)) {
            case 0: crash(); break;
            case 1: truncate(); break;
            case 2: compact(); break;
            case 3:
                if (prng_.below(4) == 0) install();
                break;
            case 4: sync_with_fault(); break;
            case 5:
            case 6:
            case 7: sync(); break;
            default: append(); break;
        }
    }

private:
    void append() {
        Entry e;
        e.index = log_->last_index() + 1;
        e.epoch = log_->last_epoch() + (prng_.below(10) == 0 ? 1 : 0);
        e.write.op = static_cast<Write::Op>(prng_.below(3));
        e.write.key = "k" + std::to_string(prng_.below(50));
        e.write.value = std::string(prng_.below(300), static_cast<char>('a' + prng_.below(26)));
        if (prng_.below(3) == 0) e.write.if_match = prng_.below(100);
        if (prng_.below(2) == 0) e.write.request_id = "r" + std::to_string(prng_.next());
        ASSERT_TRUE(log_->append(e)) << "seed " << seed_;
        model_.resize(e.index - 1);
        model_.push_back(e);
    }
    void sync() {
        ASSERT_TRUE(log_->sync()) << "seed " << seed_;
        durable_ = log_->durable_index();
        ASSERT_EQ(durable_, log_->last_index());
    }
    void sync_with_fault() {
        if (log_->durable_index() == log_->last_index()) return;  // sync would not fsync
        if (prng_.below(2) == 0)
            disk_.fail_next_sync();
        else
            disk_.set_full(true);
        const bool ok = static_cast<bool>(log_->sync());
        disk_.set_full(false);
        ASSERT_FALSE(ok) << "seed " << seed_;
        ASSERT_TRUE(log_->failed());
        crash();  // the only way on after an I/O error: restart and recover
    }
    void truncate() {
        const Index low = log_->first_index() - 1;
        const Index index = low + prng_.below(log_->last_index() - low + 1);
        ASSERT_TRUE(log_->truncate_after(index)) << "seed " << seed_;
        model_.resize(index);
        durable_ = std::min(durable_, index);
    }
    void compact() {
        const Index low = log_->first_index() - 1;
        if (durable_ < low) return;
        const Index index = low + prng_.below(durable_ - low + 1);
        Snapshot s{index, *log_->epoch_at(index), "state@" + std::to_string(index)};
        ASSERT_TRUE(log_->compact(s)) << "seed " << seed_;
        durable_ = log_->durable_index();
        snapshot_ = s;
    }
    void install() {
        const Index index = log_->last_index() + 1 + prng_.below(30);
        Snapshot s{index, log_->last_epoch() + 1, "installed@" + std::to_string(index)};
        ASSERT_TRUE(log_->install(s)) << "seed " << seed_;
        model_.assign(index, Entry{});  // entries up to the snapshot are never read again
        durable_ = index;
        snapshot_ = s;
    }
    void crash() {
        log_.reset();
        if (prng_.below(2) == 0)
            disk_.crash();
        else
            disk_.crash_torn(prng_.next());
        reopen();
    }
    void reopen() {
        ++reopens;
        // Small segments, so that truncation and compaction cross segment boundaries.
        auto log = DiskLog::open(disk_, kDir, 2000);
        ASSERT_TRUE(log) << "seed " << seed_ << ": " << log.error().message;
        log_ = std::move(*log);
        check_recovered();
    }
    void check_recovered() {
        ASSERT_GE(log_->last_index(), durable_) << "seed " << seed_ << ": lost a synced entry";
        ASSERT_LE(log_->last_index(), model_.size()) << "seed " << seed_ << ": entry came back";
        EXPECT_EQ(log_->first_index(), snapshot_.index + 1) << "seed " << seed_;
        if (snapshot_.index > 0) {
            ASSERT_TRUE(log_->snapshot());
            EXPECT_EQ(log_->snapshot()->state, snapshot_.state) << "seed " << seed_;
        }
        for (const Entry& e : log_->read(log_->first_index(), SIZE_MAX))
            ASSERT_TRUE(same(e, model_[e.index - 1])) << "seed " << seed_ << " index " << e.index;
        segments_max = std::max(segments_max, disk_.list(kDir)->size() - 1);
        model_.resize(log_->last_index());  // recovered unsynced entries now count as durable
        durable_ = log_->last_index();
        ASSERT_EQ(log_->durable_index(), durable_);
    }

public:
    int reopens = 0;
    std::size_t segments_max = 0;  // the most segment files seen, to show they were many

private:
    std::uint64_t seed_;
    Prng prng_;
    FakeDisk disk_;
    std::unique_ptr<DiskLog> log_;
    std::vector<Entry> model_;  // model_[i - 1] = what was appended at index i
    Index durable_ = 0;
    Snapshot snapshot_;
};

TEST(DiskLogProperty, RandomOpsAndCrashesNeverLoseASyncedEntry) {
    int reopens = 0;
    std::size_t segments_max = 0;
    for (std::uint64_t seed = 1; seed <= 40; ++seed) {
        PropertyRun run(seed);
        for (int i = 0; i < 600; ++i) {
            run.step();
            if (testing::Test::HasFatalFailure()) return;
        }
        reopens += run.reopens;
        segments_max = std::max(segments_max, run.segments_max);
    }
    EXPECT_GT(reopens, 1000) << "the run should crash and recover often";
    EXPECT_GT(segments_max, 3u) << "the run should span several segments";
}

}  // namespace
}  // namespace vigil::store
