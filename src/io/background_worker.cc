#include "io/background_worker.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "common/assert.h"

namespace vigil::io {

Result<std::unique_ptr<BackgroundWorker>> BackgroundWorker::start(EventLoop& loop) {
    const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) return Error::io(std::string("eventfd: ") + std::strerror(errno));
    std::unique_ptr<BackgroundWorker> worker(new BackgroundWorker(loop, fd));
    if (auto r = loop.watch(fd, [w = worker.get()] { w->finish(); }); !r) {
        ::close(fd);
        worker->event_fd_ = -1;
        return r.error();
    }
    worker->thread_ = std::thread([w = worker.get()] { w->thread_main(); });
    return worker;
}

BackgroundWorker::BackgroundWorker(EventLoop& loop, int event_fd)
    : loop_(loop), event_fd_(event_fd) {}

BackgroundWorker::~BackgroundWorker() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();  // after the job it is running, if any
    if (event_fd_ < 0) return;
    loop_.unwatch(event_fd_);
    ::close(event_fd_);
}

void BackgroundWorker::run(std::function<void()> work, std::function<void()> then) {
    VIGIL_ASSERT(!busy_);
    busy_ = true;
    then_ = std::move(then);
    {
        std::lock_guard lock(mutex_);
        work_ = std::move(work);
        done_ = false;
    }
    wake_.notify_all();
}

void BackgroundWorker::thread_main() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stop_ || work_; });
        if (!work_) return;  // stopping, nothing to do
        auto work = std::move(work_);
        work_ = nullptr;
        lock.unlock();
        work();
        lock.lock();
        done_ = true;
        const std::uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(event_fd_, &one, sizeof one);
        wake_.notify_all();
        if (stop_) return;
    }
}

void BackgroundWorker::finish() {
    std::uint64_t count = 0;
    [[maybe_unused]] auto n = ::read(event_fd_, &count, sizeof count);  // drain the wake-up
    {
        std::lock_guard lock(mutex_);
        if (!busy_ || !done_) return;  // a stale wake-up: wait() took this job already
        done_ = false;
    }
    busy_ = false;
    auto then = std::move(then_);
    then_ = nullptr;
    then();
}

void BackgroundWorker::wait() {
    if (!busy_) return;
    {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return done_; });
    }
    finish();
}

}  // namespace vigil::io
