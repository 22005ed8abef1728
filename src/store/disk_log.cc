// DiskLog's normal operation: append, group-commit sync, truncation, compaction, install.
// Recovery is in disk_log_recovery.cc.
#include "store/disk_log.h"

#include <algorithm>

#include "common/assert.h"
#include "store/log_record.h"
#include "store/snapshot_file.h"

namespace vigil::store {

std::string DiskLog::segment_name(Index first) {
    std::string digits = std::to_string(first);
    return "log-" + std::string(20 - digits.size(), '0') + digits;
}

std::optional<Epoch> DiskLog::epoch_at(Index index) const {
    if (index == 0) return Epoch{0};
    if (index == first_index_ - 1) return snapshot_ ? snapshot_->epoch : Epoch{0};
    if (index < first_index_ || index > last_index()) return std::nullopt;
    return entries_[index - first_index_].epoch;
}

Result<void> DiskLog::fail(Error error) {
    failed_ = true;
    return error;
}

Error DiskLog::failed_error() const {
    return Error::io("log " + dir_ + " refuses writes after an earlier I/O error");
}

std::size_t DiskLog::segment_of(Index index) const {
    VIGIL_ASSERT(!segments_.empty());
    VIGIL_ASSERT(index >= segments_.front());
    auto it = std::upper_bound(segments_.begin(), segments_.end(), index);
    return static_cast<std::size_t>(it - segments_.begin()) - 1;
}

void DiskLog::push_entry(Entry entry, std::uint64_t offset) {
    entries_.push_back(std::move(entry));
    offsets_.push_back(offset);
}

Result<void> DiskLog::open_segment(Index first) {
    VIGIL_ASSERT(segments_.empty() || segments_.back() < first);
    VIGIL_ASSERT(pending_.empty());
    active_.reset();
    auto file = disk_.open_append(path_of(first));
    if (!file) return fail(file.error());
    active_ = std::move(*file);
    segments_.push_back(first);
    return {};
}

// Newest first, so that a crash in between leaves a prefix of the log, never a gap.
Result<void> DiskLog::remove_segments_after(std::size_t position) {
    while (segments_.size() > position + 1) {
        active_.reset();
        pending_.clear();
        if (auto r = disk_.remove(path_of(segments_.back())); !r) return fail(r.error());
        segments_.pop_back();
    }
    return {};
}

std::uint64_t DiskLog::active_bytes() const {
    return in_flight_ ? in_flight_end_ : active_->size();
}

Result<void> DiskLog::append(const Entry& entry) {
    VIGIL_ASSERT(entry.index == last_index() + 1);
    VIGIL_ASSERT(entry.epoch >= last_epoch());
    if (failed_) return failed_error();
    // Bound the buffer: write (without fsync) what is there before adding more. Not while a
    // sync job writes the file: then the buffer waits for the job (one fdatasync's time).
    if (!in_flight_ && pending_.size() >= kPendingBytesMax) {
        if (auto r = active_->append(pending_); !r) return fail(r.error());
        pending_.clear();
    }
    const std::uint64_t offset = active_bytes() + pending_.size();
    encode_record(entry, pending_);
    push_entry(entry, offset);
    return {};
}

Result<void> DiskLog::sync() {
    VIGIL_ASSERT(!in_flight_);
    if (failed_) return failed_error();
    auto job = begin_sync();
    if (!job) return {};
    Result<void> outcome = job->run();
    return end_sync(std::move(*job), std::move(outcome));
}

std::optional<DiskLog::SyncJob> DiskLog::begin_sync() {
    VIGIL_ASSERT(!in_flight_);
    if (failed_ || (pending_.empty() && durable_index_ == last_index())) return std::nullopt;
    SyncJob job{active_.get(), std::move(pending_), last_index()};
    pending_.clear();
    in_flight_ = true;
    in_flight_end_ = active_->size() + job.bytes.size();
    in_flight_upto_ = job.upto;
    return job;
}

Result<void> DiskLog::SyncJob::run() {
    if (!bytes.empty())
        if (auto r = file->append(bytes); !r) return r;
    return file->sync();
}

Result<void> DiskLog::end_sync(SyncJob job, Result<void> outcome) {
    VIGIL_ASSERT(in_flight_ && job.upto == in_flight_upto_);
    in_flight_ = false;
    if (!outcome) return fail(outcome.error());
    if (failed_) return failed_error();
    VIGIL_ASSERT(active_->size() == in_flight_end_);
    durable_index_ = job.upto;
    if (active_->size() >= segment_bytes_max_) return rotate_segment();
    return {};
}

// Starts a new segment after the last durable entry. Entries appended since (while a job
// was out) have not been written anywhere yet: they move to the new segment.
Result<void> DiskLog::rotate_segment() {
    VIGIL_ASSERT(!in_flight_);
    const Index first = durable_index_ + 1;
    const std::uint64_t base = active_->size();
    for (Index i = first; i <= last_index(); ++i) offsets_[i - first_index_] -= base;
    active_.reset();
    auto file = disk_.open_append(path_of(first));
    if (!file) return fail(file.error());
    active_ = std::move(*file);
    segments_.push_back(first);
    return {};
}

Result<void> DiskLog::truncate_after(Index index) {
    VIGIL_ASSERT(index + 1 >= first_index_);
    if (failed_) return failed_error();
    if (index >= last_index()) return {};
    // With a sync job out, only the buffered entries after it may go (they are in the buffer).
    VIGIL_ASSERT(!in_flight_ || index >= in_flight_upto_);
    const Index drop = index + 1;  // the first entry to go
    const std::size_t position = segment_of(drop);
    const std::uint64_t offset = offsets_[drop - first_index_];
    if (position + 1 < segments_.size()) {
        VIGIL_ASSERT(!in_flight_);
        if (auto r = remove_segments_after(position); !r) return r;
        auto file = disk_.open_append(path_of(segments_.back()));
        if (!file) return fail(file.error());
        active_ = std::move(*file);
    }
    const std::uint64_t written = active_bytes();
    if (offset >= written) {
        pending_.resize(offset - written);  // the cut is in the unwritten buffer
    } else {
        pending_.clear();  // everything buffered comes after the cut
        if (auto r = active_->truncate(offset); !r) return fail(r.error());
    }
    while (last_index() > index) {
        entries_.pop_back();
        offsets_.pop_back();
    }
    durable_index_ = std::min(durable_index_, index);
    VIGIL_ASSERT(last_index() == index);
    return {};
}

std::vector<Entry> DiskLog::read(Index from, std::size_t max_bytes) const {
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

Result<void> DiskLog::compact(Snapshot snapshot) {
    VIGIL_ASSERT(snapshot.index <= durable_index_);
    VIGIL_ASSERT(!in_flight_);
    VIGIL_ASSERT(snapshot.index + 1 >= first_index_);
    if (failed_) return failed_error();
    // Pending entries belong to the current segment: write them before a new one starts.
    if (auto r = sync(); !r) return r;
    if (auto r = disk_.write_atomic(dir_, "snapshot", encode_snapshot(snapshot)); !r)
        return fail(r.error());
    return compact_written(std::move(snapshot));
}

Result<void> DiskLog::compact_written(Snapshot snapshot) {
    VIGIL_ASSERT(snapshot.index <= durable_index_);
    VIGIL_ASSERT(!in_flight_);
    if (failed_) return failed_error();
    if (snapshot.index + 1 < first_index_) return {};  // an older one than we hold: nothing to drop
    if (auto r = sync(); !r) return r;
    while (first_index_ <= snapshot.index) {
        entries_.pop_front();
        offsets_.pop_front();
        ++first_index_;
    }
    snapshot_ = std::move(snapshot);
    if (active_->size() > 0) {
        if (auto r = open_segment(last_index() + 1); !r) return r;
    }
    return drop_covered_segments();
}

// Removes the oldest segments while every entry in them is covered by the snapshot. The
// active segment stays. Oldest first: what remains still starts at or before the snapshot.
Result<void> DiskLog::drop_covered_segments() {
    const Index covered = snapshot_ ? snapshot_->index : 0;
    while (segments_.size() > 1 && segments_[1] - 1 <= covered) {
        if (auto r = disk_.remove(path_of(segments_.front())); !r) return fail(r.error());
        segments_.erase(segments_.begin());
    }
    return {};
}

Result<void> DiskLog::install(Snapshot snapshot) {
    VIGIL_ASSERT(!in_flight_);
    if (failed_) return failed_error();
    // First make the log hold nothing past the snapshot, durably: a crash before the old
    // segments are gone must not leave entries of another history after the new snapshot.
    if (last_index() > snapshot.index) {
        if (snapshot.index + 1 >= first_index_) {
            if (auto r = truncate_after(snapshot.index); !r) return r;
        } else {
            if (auto r = remove_segments_after(0); !r) return r;
            active_.reset();
            if (auto r = disk_.remove(path_of(segments_.front())); !r) return fail(r.error());
            segments_.clear();
        }
    }
    if (auto r = disk_.write_atomic(dir_, "snapshot", encode_snapshot(snapshot)); !r)
        return fail(r.error());
    if (!segments_.empty()) {
        if (auto r = remove_segments_after(0); !r) return r;
        active_.reset();
        if (auto r = disk_.remove(path_of(segments_.front())); !r) return fail(r.error());
        segments_.clear();
    }
    pending_.clear();
    entries_.clear();
    offsets_.clear();
    first_index_ = snapshot.index + 1;
    durable_index_ = snapshot.index;
    snapshot_ = std::move(snapshot);
    return open_segment(first_index_);
}

}  // namespace vigil::store
