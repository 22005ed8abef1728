// PosixDisk: the real io::Disk (disk.h) over POSIX calls. Appends go through O_APPEND,
// sync is fdatasync, a new file or a removal is followed by an fsync of its directory (the
// name is durable only then), write_atomic replaces a file by temporary file + fsync +
// rename + directory fsync. Every error names the path and the errno text.
#pragma once

#include "io/disk.h"

namespace vigil::io {

class PosixDisk : public Disk {
public:
    Result<std::unique_ptr<AppendFile>> open_append(const std::string& path) override;
    Result<std::string> read_file(const std::string& path) override;
    Result<void> write_atomic(const std::string& dir, const std::string& name,
                              std::string_view bytes) override;
    Result<void> remove(const std::string& path) override;
    Result<std::vector<std::string>> list(const std::string& dir) override;
    Result<void> make_directories(const std::string& dir) override;
};

}  // namespace vigil::io
