#include "io/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vigil::io {

namespace {

Error errno_error(const std::string& what) {
    return Error::io(what + ": " + std::strerror(errno));
}

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    // Closes now, so that a failing close (NFS reports write errors there) is seen.
    bool close_checked() {
        int fd = fd_;
        fd_ = -1;
        return close(fd) == 0;
    }

private:
    int fd_;
};

Result<void> write_all(int fd, std::string_view bytes, const std::string& path) {
    while (!bytes.empty()) {
        ssize_t n = write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno_error("write " + path);
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

}  // namespace

Result<void> write_file_durably(const std::string& dir, const std::string& name,
                                std::string_view bytes) {
    const std::string path = dir + "/" + name;
    const std::string tmp = path + ".tmp";
    {
        Fd fd(open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        if (fd.get() < 0) return errno_error("open " + tmp);
        if (auto r = write_all(fd.get(), bytes, tmp); !r) return r;
        if (fsync(fd.get()) != 0) return errno_error("fsync " + tmp);
        if (!fd.close_checked()) return errno_error("close " + tmp);
    }
    if (rename(tmp.c_str(), path.c_str()) != 0) return errno_error("rename " + tmp);
    // The rename is durable only once the directory entry is.
    Fd d(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (d.get() < 0) return errno_error("open directory " + dir);
    if (fsync(d.get()) != 0) return errno_error("fsync directory " + dir);
    return {};
}

Result<std::optional<std::string>> read_small_file(const std::string& path, std::size_t bytes_max) {
    Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        if (errno == ENOENT) return std::optional<std::string>();
        return errno_error("open " + path);
    }
    std::string out;
    char buf[4096];
    for (;;) {
        ssize_t n = read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno_error("read " + path);
        if (n == 0) break;
        out.append(buf, static_cast<std::size_t>(n));
        if (out.size() > bytes_max)
            return Error::invalid(path + ": larger than " + std::to_string(bytes_max) + " bytes");
    }
    return std::optional<std::string>(std::move(out));
}

Result<void> make_directories(const std::string& dir, mode_t mode) {
    if (dir.empty()) return Error::invalid("make_directories: empty path");
    // Each prefix ending before a '/', then the whole path.
    for (std::size_t at = dir.find('/', 1);; at = dir.find('/', at + 1)) {
        const std::string prefix = at == std::string::npos ? dir : dir.substr(0, at);
        if (mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST)
            return errno_error("mkdir " + prefix);
        if (at == std::string::npos) break;
    }
    struct stat st {};
    if (stat(dir.c_str(), &st) != 0) return errno_error("stat " + dir);
    if (!S_ISDIR(st.st_mode)) return Error::invalid(dir + ": not a directory");
    return {};
}

}  // namespace vigil::io
