// Goal: EventLoop's timer fires at the deadline asked for, also when the same deadline is
// asked for again (the loop skips re-arming an armed timer, and must re-arm one that has
// fired). Method: a real loop; deadlines in the past fire at once. A guard thread wakes a
// stuck loop after 2 s so that a broken timer fails the test instead of hanging it.
#include "io/event_loop.h"

#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "io/clock.h"

namespace vigil::io {
namespace {

class Guard {
public:
    explicit Guard(EventLoop& loop) : fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
        EXPECT_TRUE(loop.watch(fd_, [this] {
            std::uint64_t v;
            (void)!read(fd_, &v, sizeof v);
            fired_ = true;
        }));
        thread_ = std::thread([this] {
            std::unique_lock lock(mutex_);
            if (!cv_.wait_for(lock, std::chrono::seconds(2), [this] { return done_; })) {
                const std::uint64_t one = 1;
                (void)!write(fd_, &one, sizeof one);
            }
        });
    }
    ~Guard() {
        {
            std::lock_guard lock(mutex_);
            done_ = true;
        }
        cv_.notify_all();
        thread_.join();
        close(fd_);
    }
    bool fired() const { return fired_; }

private:
    int fd_;
    bool fired_ = false;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool done_ = false;
    std::thread thread_;
};

TEST(EventLoop, TheSameDeadlineAskedTwiceFiresOnceAndAgainAfterFiring) {
    EventLoop loop;
    Guard guard(loop);
    int fired = 0;
    const TimePoint past = monotonic_now() - 1000;
    loop.wake_at(past);
    loop.wake_at(past);  // already armed: nothing changes
    ASSERT_TRUE(loop.run_once([&] { ++fired; }));
    EXPECT_EQ(fired, 1);
    // It fired, so it is disarmed: the same deadline again must arm it again.
    loop.wake_at(past);
    ASSERT_TRUE(loop.run_once([&] { ++fired; }));
    EXPECT_EQ(fired, 2);
    EXPECT_FALSE(guard.fired()) << "the timer did not fire; the guard woke the loop";
}

TEST(EventLoop, ANewDeadlineReplacesTheArmedOne) {
    EventLoop loop;
    Guard guard(loop);
    int fired = 0;
    loop.wake_at(monotonic_now() + 60'000'000);  // a minute away
    loop.wake_at(monotonic_now() - 1);           // replaced by one in the past
    ASSERT_TRUE(loop.run_once([&] { ++fired; }));
    EXPECT_EQ(fired, 1);
    EXPECT_FALSE(guard.fired());
}

}  // namespace
}  // namespace vigil::io
