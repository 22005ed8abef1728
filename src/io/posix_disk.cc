#include "io/posix_disk.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "io/durable_file.h"

namespace vigil::io {

namespace {

Error errno_error(const std::string& what) {
    return Error::io(what + ": " + std::strerror(errno));
}

std::string parent_of(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

// A new or removed name is durable only once its directory is synced.
Result<void> sync_directory(const std::string& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno_error("open directory " + dir);
    const bool ok = fsync(fd) == 0;
    const int saved = errno;
    close(fd);
    errno = saved;
    if (!ok) return errno_error("fsync directory " + dir);
    return {};
}

class PosixAppendFile : public AppendFile {
public:
    PosixAppendFile(int fd, std::string path, std::uint64_t size, std::uint64_t step)
        : fd_(fd), path_(std::move(path)), size_(size), allocated_(size), step_(step) {}
    ~PosixAppendFile() override { close(fd_); }
    PosixAppendFile(const PosixAppendFile&) = delete;
    PosixAppendFile& operator=(const PosixAppendFile&) = delete;

    Result<void> append(std::string_view bytes) override {
        if (step_ > 0 && size_ + bytes.size() > allocated_) {
            if (auto r = preallocate(size_ + bytes.size()); !r) return r;
        }
        if (auto r = write_at(bytes, size_); !r) return r;
        size_ += bytes.size();
        return {};
    }
    Result<void> sync() override {
        if (fdatasync(fd_) != 0) return errno_error("fdatasync " + path_);
        return {};
    }
    Result<void> truncate(std::uint64_t size) override {
        if (ftruncate(fd_, static_cast<off_t>(size)) != 0) return errno_error("ftruncate " + path_);
        size_ = allocated_ = size;
        // The size is metadata that fdatasync covers, since later reads depend on it.
        if (fdatasync(fd_) != 0) return errno_error("fdatasync " + path_);
        return {};
    }
    std::uint64_t size() const override { return size_; }

private:
    Result<void> write_at(std::string_view bytes, std::uint64_t offset) {
        while (!bytes.empty()) {
            const ssize_t n = ::pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(offset));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return errno_error("write " + path_);
            bytes.remove_prefix(static_cast<std::size_t>(n));
            offset += static_cast<std::uint64_t>(n);
        }
        return {};
    }
    // Zeros written, not fallocate(): an unwritten extent would need a journal commit at
    // the first write into it, which is what preallocating is meant to avoid.
    Result<void> preallocate(std::uint64_t at_least) {
        const std::uint64_t target = (at_least + step_ - 1) / step_ * step_;
        static const std::string zeros(1 << 20, '\0');
        while (allocated_ < target) {
            const std::uint64_t n = std::min<std::uint64_t>(zeros.size(), target - allocated_);
            if (auto r = write_at(std::string_view(zeros).substr(0, n), allocated_); !r) return r;
            allocated_ += n;
        }
        return {};
    }

    int fd_;
    std::string path_;
    std::uint64_t size_;       // what was appended
    std::uint64_t allocated_;  // the file's size: size_ and the zeros after it
    std::uint64_t step_;
};

}  // namespace

Result<std::unique_ptr<AppendFile>> PosixDisk::open_append(const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    bool created = false;
    if (fd < 0 && errno == ENOENT) {
        fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        created = true;
    }
    if (fd < 0) return errno_error("open " + path);
    struct stat st {};
    if (fstat(fd, &st) != 0) {
        Error e = errno_error("fstat " + path);
        close(fd);
        return e;
    }
    auto file = std::make_unique<PosixAppendFile>(fd, path, static_cast<std::uint64_t>(st.st_size),
                                                  preallocate_bytes_);
    if (created) {
        if (auto r = sync_directory(parent_of(path)); !r) return r.error();
    }
    return std::unique_ptr<AppendFile>(std::move(file));
}

Result<std::string> PosixDisk::read_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) return Error::not_found("open " + path + ": no such file");
    if (fd < 0) return errno_error("open " + path);
    std::string out;
    char buffer[64 * 1024];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            Error e = errno_error("read " + path);
            close(fd);
            return e;
        }
        if (n == 0) break;
        out.append(buffer, static_cast<std::size_t>(n));
    }
    close(fd);
    return out;
}

Result<void> PosixDisk::write_atomic(const std::string& dir, const std::string& name,
                                     std::string_view bytes) {
    return write_file_durably(dir, name, bytes);
}

Result<void> PosixDisk::remove(const std::string& path) {
    if (unlink(path.c_str()) != 0) {
        if (errno == ENOENT) return Error::not_found("unlink " + path + ": no such file");
        return errno_error("unlink " + path);
    }
    return sync_directory(parent_of(path));
}

Result<std::vector<std::string>> PosixDisk::list(const std::string& dir) {
    DIR* d = opendir(dir.c_str());
    if (d == nullptr && errno == ENOENT)
        return Error::not_found("opendir " + dir + ": no such directory");
    if (d == nullptr) return errno_error("opendir " + dir);
    std::vector<std::string> names;
    while (const dirent* e = readdir(d)) {
        const std::string name = e->d_name;
        if (name != "." && name != "..") names.push_back(name);
    }
    closedir(d);
    std::sort(names.begin(), names.end());
    return names;
}

Result<void> PosixDisk::make_directories(const std::string& dir) {
    return io::make_directories(dir, 0755);
}

}  // namespace vigil::io
