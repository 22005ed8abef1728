// FakeDisk: an in-memory io::Disk for unit tests and the simulator (STYLE.md §2), after
// leveldb's memenv and fault_injection_test. Per file it keeps the bytes that were synced and
// those that were not; a crash keeps only the former (or, torn, a damaged part of the
// latter). Switches fail the next sync, fill the disk, or flip a byte. Deterministic: the
// only randomness is the seed given to crash_torn().
//
// Model: creating a file (open_append), write_atomic and remove sync their directory, so
// they are durable at once; file contents are durable only after AppendFile::sync() or
// truncate(). A crash invalidates every open AppendFile (later calls return Error::io).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "io/disk.h"

namespace vigil::store {

class FakeDisk : public io::Disk {
public:
    FakeDisk() = default;
    FakeDisk(const FakeDisk&) = delete;
    FakeDisk& operator=(const FakeDisk&) = delete;

    Result<std::unique_ptr<io::AppendFile>> open_append(const std::string& path) override;
    Result<std::string> read_file(const std::string& path) override;
    Result<void> write_atomic(const std::string& dir, const std::string& name,
                              std::string_view bytes) override;
    Result<void> remove(const std::string& path) override;
    Result<std::vector<std::string>> list(const std::string& dir) override;
    Result<void> make_directories(const std::string& dir) override;

    // Power loss: every file keeps only its synced bytes.
    void crash();
    // Power loss during write-back: every file keeps its synced bytes plus a prefix of random
    // length of its unsynced bytes (in the store's use, the last append), whose last few
    // bytes may be garbled.
    void crash_torn(std::uint64_t seed);
    void fail_next_sync() { fail_next_sync_ = true; }
    // While full, appends and write_atomic fail with Error::io ("no space").
    void set_full(bool full) { full_ = full; }
    // Flips every bit of the byte at `offset` of `path` (synced or not). REQUIRES: it exists.
    void corrupt(const std::string& path, std::uint64_t offset);
    // Power loss in the middle of a sequence: the next `ops` changes (a file created, an
    // append, sync, truncate, write_atomic or remove) happen, every later one fails with
    // Error::io and changes nothing, until crash() or crash_torn().
    void lose_power_after(std::uint64_t ops) { ops_until_power_loss_ = ops; }
    // Successful AppendFile::sync() calls (fdatasync), for group-commit tests.
    std::uint64_t sync_count() const { return sync_count_; }
    // A file's current content (synced + unsynced), "" if absent. For tests.
    std::string test_content(const std::string& path) const;

    // Shared with the AppendFile handles; public so that they can reach it.
    struct File {
        std::string synced;
        std::string unsynced;
    };

private:
    friend class FakeAppendFile;
    Result<void> change(const std::string& what);  // counts one change toward the power loss
    std::map<std::string, std::shared_ptr<File>> files_;
    std::set<std::string> dirs_;
    std::uint64_t generation_ = 0;  // bumped by a crash: older handles are dead
    std::uint64_t sync_count_ = 0;
    std::uint64_t ops_until_power_loss_ = UINT64_MAX;  // UINT64_MAX = no power loss pending
    bool fail_next_sync_ = false;
    bool full_ = false;
};

}  // namespace vigil::store
