#include "daemon/child_output.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vigil::daemon {

Result<std::unique_ptr<ChildOutput>> ChildOutput::open(io::EventLoop& loop, Logger& log,
                                                       std::string name) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return Error::io(std::string("pipe2: ") + std::strerror(errno));
    // Only the agent's end is non-blocking: the child writes as to any pipe.
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    std::unique_ptr<ChildOutput> output(
        new ChildOutput(loop, log, std::move(name), fds[0], fds[1]));
    ChildOutput* self = output.get();
    if (auto watched = loop.watch(fds[0], [self] { self->on_readable(); }); !watched) {
        close(fds[0]);
        close(fds[1]);
        self->read_fd_ = self->write_fd_ = -1;
        return watched.error();
    }
    return output;
}

ChildOutput::ChildOutput(io::EventLoop& loop, Logger& log, std::string name, int read_fd,
                         int write_fd)
    : loop_(loop), log_(log), name_(std::move(name)), read_fd_(read_fd), write_fd_(write_fd) {}

ChildOutput::~ChildOutput() {
    close_write_fd();
    close_read_fd();
}

void ChildOutput::close_write_fd() {
    if (write_fd_ >= 0) close(write_fd_);
    write_fd_ = -1;
}

void ChildOutput::close_read_fd() {
    if (read_fd_ < 0) return;
    loop_.unwatch(read_fd_);
    close(read_fd_);
    read_fd_ = -1;
}

void ChildOutput::on_readable() {
    read_some(kReadBytesMax);
}

void ChildOutput::drain() {
    // Bounded too: a child's children may still be writing as fast as we read.
    read_some(16 * kReadBytesMax);
}

void ChildOutput::read_some(std::size_t bytes_max) {
    char buf[4096];
    std::size_t total = 0;
    while (read_fd_ >= 0 && total < bytes_max) {
        ssize_t n = read(read_fd_, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;
        if (n < 0) {
            log_.event(
                Level::error, "child_output_failed",
                {{"output", name_}, {"error", std::string("read: ") + std::strerror(errno)}});
        }
        if (n <= 0) {
            close_read_fd();
            return;
        }
        append(buf, static_cast<std::size_t>(n));
        total += static_cast<std::size_t>(n);
    }
}

void ChildOutput::append(const char* data, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) {
        if (data[i] == '\n') {
            line_done();
            continue;
        }
        partial_ += data[i];
        if (partial_.size() >= kLineBytesMax) line_done();
    }
}

void ChildOutput::line_done() {
    if (!echo_prefix_.empty()) {
        // One write per line, so that lines from several children do not interleave
        // (a pipe write of up to PIPE_BUF bytes is atomic).
        std::string line = echo_prefix_ + partial_ + "\n";
        (void)!write(STDERR_FILENO, line.data(), line.size());
    }
    if (lines_.size() == kLinesMax) lines_.pop_front();
    lines_.push_back(std::move(partial_));
    partial_.clear();
}

std::vector<std::string> ChildOutput::tail() const {
    std::vector<std::string> out(lines_.begin(), lines_.end());
    if (!partial_.empty()) {
        out.push_back(partial_);
        if (out.size() > kLinesMax) out.erase(out.begin());
    }
    return out;
}

}  // namespace vigil::daemon
