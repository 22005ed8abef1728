// BackgroundWorker: one thread that runs blocking work (an fdatasync) off the event loop,
// one job at a time. The loop hands a job over and goes on serving (heartbeats, requests);
// when the job is done, its `then` runs on the loop, from the loop's own wake-up (an
// eventfd), so the owner never needs a lock: the job's data belongs to the thread while
// busy() and to the loop again when `then` runs.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "io/event_loop.h"

namespace vigil::io {

class BackgroundWorker {
public:
    // Error::io if the eventfd cannot be made or watched (out of file descriptors).
    static Result<std::unique_ptr<BackgroundWorker>> start(EventLoop& loop);
    // Waits for a running job; its `then` is not called.
    ~BackgroundWorker();
    BackgroundWorker(const BackgroundWorker&) = delete;
    BackgroundWorker& operator=(const BackgroundWorker&) = delete;

    // REQUIRES: !busy().
    void run(std::function<void()> work, std::function<void()> then);
    // From run() until `then` has been called.
    bool busy() const { return busy_; }
    // Blocks until the running job is done and calls its `then` now (for the rare steps
    // that must not overlap the job: a truncation, a compaction).
    void wait();

private:
    BackgroundWorker(EventLoop& loop, int event_fd);
    void thread_main();
    void finish();  // on the loop: the job is done, call `then`

    EventLoop& loop_;
    int event_fd_ = -1;
    bool busy_ = false;  // loop's view
    std::function<void()> then_;
    std::mutex mutex_;
    std::condition_variable wake_;  // a job or stop for the thread; done for wait()
    std::function<void()> work_;    // set by run(), taken by the thread
    bool done_ = false;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace vigil::io
