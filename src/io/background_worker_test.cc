// Goal: BackgroundWorker runs a job on its thread and calls `then` on the loop's thread,
// from the loop's own wake-up; wait() finishes a job at once, and the wake-up that follows
// calls nothing twice. Method: a real EventLoop and thread; the jobs block on a promise the
// test fulfils, so no timing is assumed (no sleeps; a lost wake-up fails after 100 turns).
#include "io/background_worker.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "io/clock.h"

namespace vigil::io {
namespace {

template <class Done>
bool run_until(EventLoop& loop, Done done) {
    for (int turn = 0; turn < 100 && !done(); ++turn) {
        loop.wake_at(monotonic_now() + 50'000);
        EXPECT_TRUE(loop.run_once([] {}));
    }
    return done();
}

TEST(BackgroundWorker, RunsWorkOnItsThreadAndThenOnTheLoop) {
    EventLoop loop;
    auto started = BackgroundWorker::start(loop);
    ASSERT_TRUE(started);
    BackgroundWorker& worker = **started;
    std::promise<void> release;
    auto released = release.get_future();
    std::thread::id work_thread, then_thread;
    int thens = 0;
    worker.run(
        [&] {
            released.wait();
            work_thread = std::this_thread::get_id();
        },
        [&] {
            then_thread = std::this_thread::get_id();
            ++thens;
        });
    EXPECT_TRUE(worker.busy());
    EXPECT_EQ(thens, 0) << "the job is blocked; nothing may be called yet";
    release.set_value();
    ASSERT_TRUE(run_until(loop, [&] { return thens == 1; }));
    EXPECT_FALSE(worker.busy());
    EXPECT_NE(work_thread, std::this_thread::get_id());
    EXPECT_EQ(then_thread, std::this_thread::get_id());
}

TEST(BackgroundWorker, WaitFinishesTheJobNowAndTheLaterWakeUpCallsNothing) {
    EventLoop loop;
    auto started = BackgroundWorker::start(loop);
    ASSERT_TRUE(started);
    BackgroundWorker& worker = **started;
    int thens = 0;
    worker.run([] {}, [&] { ++thens; });
    worker.wait();
    EXPECT_EQ(thens, 1);
    EXPECT_FALSE(worker.busy());
    worker.run([] {}, [&] { ++thens; });  // the worker takes the next job
    ASSERT_TRUE(run_until(loop, [&] { return thens == 2; }));
    loop.wake_at(monotonic_now() + 1'000);
    ASSERT_TRUE(loop.run_once([] {}));
    EXPECT_EQ(thens, 2);
}

TEST(BackgroundWorker, DestructionWaitsForTheRunningJob) {
    EventLoop loop;
    bool finished = false;
    {
        auto started = BackgroundWorker::start(loop);
    ASSERT_TRUE(started);
    BackgroundWorker& worker = **started;
        worker.run([&] { finished = true; }, [] { FAIL() << "then after destruction"; });
    }
    EXPECT_TRUE(finished);
}

}  // namespace
}  // namespace vigil::io
