// DiskLog: the LogStore on disk (docs/store-format.md). The log lives in one directory as
// segment files "log-<first index, 20 digits>" of checksummed records (log_record.h) plus
// an optional "snapshot" file (snapshot_file.h). Appends go to the newest (active) segment.
//
// Group commit: append() only encodes into a buffer; sync() writes the buffer with one
// append and makes it durable with one fdatasync, however many entries it holds.
// The entries since the snapshot are also kept in memory, so read() and epoch_at() never
// touch the disk. After any I/O error the log is failed: every later append, sync,
// truncate, compact and install returns Error::io (after a failed fsync the page cache's
// content is unknown; only a restart and recovery can say what is on disk).
//
// Not thread-safe: one owner (the store's loop) calls it. The one exception is the slow
// half of a sync, which the owner may run on another thread (begin_sync / end_sync below),
// so that an fdatasync never stalls the event loop.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "io/disk.h"
#include "store/log_store.h"

namespace vigil::store {

// A segment is closed and a new one started once it reaches this size (at a sync), so that
// recovery reads and truncation touch bounded files.
constexpr std::uint64_t kSegmentBytesMax = 64 * 1024 * 1024;
// Encoded entries not yet written are flushed (without fsync) past this many bytes.
constexpr std::size_t kPendingBytesMax = 4 * 1024 * 1024;

class DiskLog : public LogStore {
public:
    // Recovers the log in `dir` (created if missing); docs/store-format.md "Recovery".
    // Error::corruption (naming the file, and the index or offset) if a synced record or the
    // snapshot is damaged: the node must not serve. A torn record at the very end of the log
    // is dropped and reported in recovery_note(). Everything recovered is durable.
    // `segment_bytes_max` is for tests that want many segments from few entries.
    static Result<std::unique_ptr<DiskLog>> open(
        io::Disk& disk, std::string dir, std::uint64_t segment_bytes_max = kSegmentBytesMax);

    Index first_index() const override { return first_index_; }
    Index last_index() const override { return first_index_ - 1 + entries_.size(); }
    Index durable_index() const override { return durable_index_; }
    std::optional<Epoch> epoch_at(Index index) const override;
    Result<void> append(const Entry& entry) override;
    Result<void> sync() override;

    // sync() in two halves, so that the write and fdatasync can run on another thread while
    // the owner goes on appending (the daemon's GroupStore does; tests and the simulator call
    // sync()). begin_sync() hands out the buffered records (nullopt: nothing to sync);
    // SyncJob::run() writes and fdatasyncs them, touching nothing but the job and its file;
    // end_sync() takes the outcome and advances durable_index() to job.upto.
    // While a job is out, append(), read() and epoch_at() work as usual (appends wait in the
    // buffer), truncate_after() may cut only entries after job.upto, and sync(), compact(),
    // compact_written() and install() must not be called: finish the job first.
    struct SyncJob {
        io::AppendFile* file = nullptr;
        std::string bytes;  // records not yet written
        Index upto = 0;     // durable once the job succeeds
        Result<void> run();
    };
    std::optional<SyncJob> begin_sync();
    Result<void> end_sync(SyncJob job, Result<void> outcome);
    bool sync_in_flight() const { return in_flight_; }
    Result<void> truncate_after(Index index) override;
    std::vector<Entry> read(Index from, std::size_t max_bytes) const override;
    const std::optional<Snapshot>& snapshot() const override { return snapshot_; }
    // Also syncs pending entries first, so that the new segment starts after all of them.
    Result<void> compact(Snapshot snapshot) override;
    // compact() in two halves, so that the slow half runs off the event loop (the daemon's
    // GroupStore writes the file from a thread): the caller first writes
    // encode_snapshot(snapshot) durably as snapshot_path() (Disk::write_atomic), then calls
    // this, which drops the entries it covers. A crash between the two leaves a snapshot
    // and segments that overlap it, which open() handles as after any compaction.
    Result<void> compact_written(Snapshot snapshot);
    const std::string& dir() const { return dir_; }
    static constexpr const char* kSnapshotName = "snapshot";
    Result<void> install(Snapshot snapshot) override;

    bool failed() const { return failed_; }
    // What recovery dropped ("dropped 37 torn bytes at the end of log-...01"); "" = nothing.
    const std::string& recovery_note() const { return recovery_note_; }
    static std::string segment_name(Index first);

private:
    DiskLog(io::Disk& disk, std::string dir, std::uint64_t segment_bytes_max)
        : disk_(disk), dir_(std::move(dir)), segment_bytes_max_(segment_bytes_max) {}
    Result<void> recover();
    Result<void> recover_segment(std::size_t position, Index& next);
    Result<void> drop_covered_segments();
    Result<void> open_segment(Index first);
    Result<void> rotate_segment();
    std::uint64_t active_bytes() const;  // the active segment's size, with an in-flight job
    Result<void> remove_segments_after(std::size_t position);
    Result<void> fail(Error error);
    Error failed_error() const;
    std::string path_of(Index first) const { return dir_ + "/" + segment_name(first); }
    std::size_t segment_of(Index index) const;  // position in segments_
    void push_entry(Entry entry, std::uint64_t offset);

    io::Disk& disk_;
    std::string dir_;
    std::uint64_t segment_bytes_max_;
    std::vector<Index> segments_;  // first index of each segment file, ascending; back() active
    std::unique_ptr<io::AppendFile> active_;
    std::deque<Entry> entries_;          // first_index_ .. last_index()
    std::deque<std::uint64_t> offsets_;  // entries_[i]'s byte offset in its segment file
    Index first_index_ = 1;
    Index durable_index_ = 0;
    std::optional<Snapshot> snapshot_;
    std::string pending_;  // encoded records appended but not yet written to active_
    bool failed_ = false;
    std::string recovery_note_;
    bool in_flight_ = false;             // a SyncJob is out
    std::uint64_t in_flight_end_ = 0;    // the active segment's size once it is written
    Index in_flight_upto_ = 0;
};

}  // namespace vigil::store
