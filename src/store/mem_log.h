// MemLog: a LogStore kept wholly in memory, for unit tests of the key-value state and
// replication and for the simulator. sync() marks everything appended durable;
// fail_next_sync() makes the next sync fail and the log failed, as DiskLog does after an
// I/O error. It models no crash: the simulator uses DiskLog over FakeDisk for that.
#pragma once

#include <algorithm>
#include <deque>
#include <utility>

#include "common/assert.h"
#include "store/log_record.h"
#include "store/log_store.h"

namespace vigil::store {

class MemLog : public LogStore {
public:
    Index first_index() const override { return first_index_; }
    Index last_index() const override { return first_index_ - 1 + entries_.size(); }
    Index durable_index() const override { return durable_index_; }
    std::optional<Epoch> epoch_at(Index index) const override {
        if (index == 0) return Epoch{0};
        if (index == first_index_ - 1) return snapshot_ ? snapshot_->epoch : Epoch{0};
        if (index < first_index_ || index > last_index()) return std::nullopt;
        return entries_[index - first_index_].epoch;
    }

    Result<void> append(const Entry& entry) override {
        VIGIL_ASSERT(entry.index == last_index() + 1);
        VIGIL_ASSERT(entry.epoch >= last_epoch());
        if (failed_) return Error::io("memory log failed after an earlier sync error");
        entries_.push_back(entry);
        return {};
    }
    Result<void> sync() override {
        if (failed_) return Error::io("memory log failed after an earlier sync error");
        if (std::exchange(fail_next_sync_, false)) {
            failed_ = true;
            return Error::io("memory log: sync failed (injected)");
        }
        durable_index_ = last_index();
        return {};
    }
    Result<void> truncate_after(Index index) override {
        VIGIL_ASSERT(index + 1 >= first_index_);
        while (last_index() > index) entries_.pop_back();
        durable_index_ = std::min(durable_index_, index);
        return {};
    }
    std::vector<Entry> read(Index from, std::size_t max_bytes) const override {
        VIGIL_ASSERT(from >= first_index_);
        std::vector<Entry> out;
        std::size_t bytes = 0;
        for (Index i = from; i <= last_index(); ++i) {
            const Entry& e = entries_[i - first_index_];
            bytes += record_bytes(e);
            if (!out.empty() && bytes > max_bytes) break;
            out.push_back(e);
        }
        return out;
    }
    const std::optional<Snapshot>& snapshot() const override { return snapshot_; }
    Result<void> compact(Snapshot snapshot) override {
        VIGIL_ASSERT(snapshot.index <= durable_index_);
        VIGIL_ASSERT(snapshot.index + 1 >= first_index_);
        while (first_index_ <= snapshot.index) {
            entries_.pop_front();
            ++first_index_;
        }
        snapshot_ = std::move(snapshot);
        return {};
    }
    Result<void> install(Snapshot snapshot) override {
        entries_.clear();
        first_index_ = snapshot.index + 1;
        durable_index_ = snapshot.index;
        snapshot_ = std::move(snapshot);
        return {};
    }

    void fail_next_sync() { fail_next_sync_ = true; }
    bool failed() const { return failed_; }

private:
    std::deque<Entry> entries_;
    Index first_index_ = 1;
    Index durable_index_ = 0;
    std::optional<Snapshot> snapshot_;
    bool fail_next_sync_ = false;
    bool failed_ = false;
};

}  // namespace vigil::store
