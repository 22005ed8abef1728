// ChildOutput: the pipe a child process writes its stdout and stderr to, read in the event
// loop as it arrives (never blocking the loop), of which the last kLinesMax lines are kept
// for `vigil status` and the logs, and which may also be written through to the agent's
// stderr line by line with a prefix ("resource=api: listening on :8080"). Bounded: lines
// are cut at kLineBytesMax, and one wake-up reads at most kReadBytesMax so that a chatty
// child cannot starve the loop.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "common/log.h"
#include "common/result.h"
#include "io/event_loop.h"

namespace vigil::daemon {

class ChildOutput {
public:
    static constexpr std::size_t kLinesMax = 10;
    static constexpr std::size_t kLineBytesMax = 1024;  // a longer line is cut into pieces
    static constexpr std::size_t kReadBytesMax = 64 * 1024;

    // Makes the pipe and watches its read end. `name` identifies it in error logs.
    static Result<std::unique_ptr<ChildOutput>> open(io::EventLoop& loop, Logger& log,
                                                     std::string name);
    ~ChildOutput();  // stops watching and closes; writers then get EPIPE
    ChildOutput(const ChildOutput&) = delete;
    ChildOutput& operator=(const ChildOutput&) = delete;

    // The write end, for io::SpawnOptions::output_fd. Close it once the child has it, so
    // that end of file comes when the child and its own children are done with it.
    int write_fd() const { return write_fd_; }
    void close_write_fd();
    // Reads what is in the pipe now: call when the child exited, before looking at tail().
    void drain();
    // From now on, each complete line is also written to stderr after `prefix` ("" = not).
    void set_echo_prefix(std::string prefix) { echo_prefix_ = std::move(prefix); }
    // The last lines, oldest first; an unfinished last line counts as a line.
    std::vector<std::string> tail() const;
    // Every writer closed its end (or reading failed): nothing more will come.
    bool at_end() const { return read_fd_ < 0; }

private:
    ChildOutput(io::EventLoop& loop, Logger& log, std::string name, int read_fd, int write_fd);
    void on_readable();
    // Reads at most `bytes_max`; closes at end of file or on an error.
    void read_some(std::size_t bytes_max);
    void append(const char* data, std::size_t size);
    void line_done();
    void close_read_fd();

    io::EventLoop& loop_;
    Logger& log_;
    std::string name_;
    int read_fd_ = -1;
    int write_fd_ = -1;
    std::string echo_prefix_;
    std::deque<std::string> lines_;  // at most kLinesMax
    std::string partial_;            // the line being read, at most kLineBytesMax
};

}  // namespace vigil::daemon
