// PosixDisk: the real io::Disk (disk.h) over POSIX calls. Appends write at the file's end,
// sync is fdatasync, a new file or a removal is followed by an fsync of its directory (the
// name is durable only then), write_atomic replaces a file by temporary file + fsync +
// rename + directory fsync. Every error names the path and the errno text.
#pragma once

#include "io/disk.h"

namespace vigil::io {

class PosixDisk : public Disk {
public:
    // preallocate_bytes > 0: an appended file grows in steps of that many zero bytes written
    // ahead of its end, so that most fdatasyncs find the file's size unchanged and need no
    // journal commit, only the data and one cache flush (on ext4 here that halves the time
    // of a log's fdatasync, which every replicated write waits for). size() stays the end
    // of what was appended; the zeros after it are on disk, and a reader of the file must
    // expect them (the store's log does: docs/store-format.md). A reopened file appends
    // after whatever the file holds, zeros included: cut them first (truncate).
    explicit PosixDisk(std::uint64_t preallocate_bytes = 0)
        : preallocate_bytes_(preallocate_bytes) {}
    Result<std::unique_ptr<AppendFile>> open_append(const std::string& path) override;
    Result<std::string> read_file(const std::string& path) override;
    Result<void> write_atomic(const std::string& dir, const std::string& name,
                              std::string_view bytes) override;
    Result<void> remove(const std::string& path) override;
    Result<std::vector<std::string>> list(const std::string& dir) override;
    Result<void> make_directories(const std::string& dir) override;

private:
    std::uint64_t preallocate_bytes_;
};

}  // namespace vigil::io
