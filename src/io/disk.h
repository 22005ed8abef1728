// Disk: the store's file system seam (STYLE.md §2). PosixDisk (posix_disk.h) is the real
// one; store/fake_disk.h keeps files in memory and can lose what was not synced, tear the
// last write, fail the next sync or run out of space, for unit tests and the simulator.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace vigil::io {

// A file opened for appending. Nothing written is durable until sync() returns success.
class AppendFile {
public:
    virtual ~AppendFile() = default;
    virtual Result<void> append(std::string_view bytes) = 0;
    virtual Result<void> sync() = 0;  // fdatasync
    // Cuts the file to `size` bytes and syncs (drops a torn tail, a divergent suffix).
    virtual Result<void> truncate(std::uint64_t size) = 0;
    virtual std::uint64_t size() const = 0;
};

class Disk {
public:
    virtual ~Disk() = default;
    // Opens `path` for appending at its end, creating it (and syncing its directory) if
    // it does not exist.
    virtual Result<std::unique_ptr<AppendFile>> open_append(const std::string& path) = 0;
    // Error::not_found if it does not exist.
    virtual Result<std::string> read_file(const std::string& path) = 0;
    // Replaces dir/name with `bytes`: temporary file, fsync, rename, fsync of dir.
    virtual Result<void> write_atomic(const std::string& dir, const std::string& name,
                                      std::string_view bytes) = 0;
    virtual Result<void> remove(const std::string& path) = 0;  // and syncs its directory
    virtual Result<std::vector<std::string>> list(const std::string& dir) = 0;  // names, sorted
    virtual Result<void> make_directories(const std::string& dir) = 0;
};

}  // namespace vigil::io
