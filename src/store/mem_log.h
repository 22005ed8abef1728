// MemLog: a LogStore in memory, for unit tests and the simulator. Entries live in a deque;
// sync() marks everything appended durable. Fault switches: fail_next_sync() (the log then
// refuses everything, like the real one after a failed fsync) and test_lose_unsynced() (a
// crash: entries appended since the last sync vanish).
#pragma once

#include <algorithm>
#include <deque>
#include <utility>

#include "common/assert.h"
#include "store/log_store.h"

namespace vigil::store {

class MemLog : public LogStore {
public:
    Index first_index() const override { return snapshot_ ? snapshot_->index + 1 : 1; }
    Index last_index() const override {
        return entries_.empty() ? first_index() - 1 : entries_.back().index;
    }
    Index durable_index() const override { return durable_; }
    std::optional<Epoch> epoch_at(Index index) const override {
        if (index == 0) return Epoch{0};
        if (snapshot_ && index == snapshot_->index) return snapshot_->epoch;
        if (index < first_index() || index > last_index()) return std::nullopt;
        return entries_[index - first_index()].epoch;
    }

    Result<void> append(const Entry& entry) override {
        if (failed_) return Error::io("mem log: refused after a failed sync");
        VIGIL_ASSERT(entry.index == last_index() + 1);
        VIGIL_ASSERT(entry.epoch >= last_epoch());
        entries_.push_back(entry);
        return {};
    }
    Result<void> sync() override {
        if (failed_) return Error::io("mem log: refused after a failed sync");
        if (fail_next_sync_) {
            failed_ = true;
            return Error::io("mem log: injected sync failure");
        }
        durable_ = last_index();
        return {};
    }
    Result<void> truncate_after(Index index) override {
        if (failed_) return Error::io("mem log: refused after a failed sync");
        VIGIL_ASSERT(index + 1 >= first_index());
        while (!entries_.empty() && entries_.back().index > index) entries_.pop_back();
        durable_ = std::min(durable_, last_index());
        return {};
    }
    std::vector<Entry> read(Index from, std::size_t max_bytes) const override {
        VIGIL_ASSERT(from >= first_index());
        std::vector<Entry> out;
        std::size_t bytes = 0;
        for (Index i = from; i <= last_index(); ++i) {
            const Entry& e = entries_[i - first_index()];
            bytes += entry_bytes(e);
            if (!out.empty() && bytes > max_bytes) break;
            out.push_back(e);
        }
        return out;
    }

    const std::optional<Snapshot>& snapshot() const override { return snapshot_; }
    Result<void> compact(Snapshot snapshot) override {
        if (failed_) return Error::io("mem log: refused after a failed sync");
        VIGIL_ASSERT(snapshot.index <= durable_);
        VIGIL_ASSERT(snapshot.index >= first_index() - 1);
        while (!entries_.empty() && entries_.front().index <= snapshot.index) entries_.pop_front();
        snapshot_ = std::move(snapshot);
        return {};
    }
    Result<void> install(Snapshot snapshot) override {
        if (failed_) return Error::io("mem log: refused after a failed sync");
        entries_.clear();
        durable_ = snapshot.index;
        snapshot_ = std::move(snapshot);
        return {};
    }

    // Fault switches.
    void fail_next_sync() { fail_next_sync_ = true; }
    bool failed() const { return failed_; }
    void test_lose_unsynced() { truncate_unchecked(durable_); }

    // The entry at `index`; REQUIRES: first_index() <= index <= last_index().
    const Entry& entry(Index index) const {
        VIGIL_ASSERT(index >= first_index());
        VIGIL_ASSERT(index <= last_index());
        return entries_[index - first_index()];
    }

private:
    // The size read() budgets with: payload plus a fixed header, like a log record.
    static std::size_t entry_bytes(const Entry& e) {
        return 32 + e.write.key.size() + e.write.value.size() + e.write.request_id.size();
    }
    void truncate_unchecked(Index index) {
        while (!entries_.empty() && entries_.back().index > index) entries_.pop_back();
    }

    std::deque<Entry> entries_;
    std::optional<Snapshot> snapshot_;
    Index durable_ = 0;
    bool fail_next_sync_ = false;
    bool failed_ = false;
};

}  // namespace vigil::store
