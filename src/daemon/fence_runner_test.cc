// Goal: fence commands and the hook runner under them behave as docs/config.md "fence"
// says: the node's name is the last argument (never parsed by the shell), exit 0 is
// success, anything else or a run past fence_timeout_ms is a failure, and every outcome
// comes back as one FenceResult from the event loop, with fence_start / fence_done logged.
// Method: real child processes (/bin/sh) under a real EventLoop, with short timeouts.
#include "daemon/fence_runner.h"

#include <gtest/gtest.h>

#include "io/clock.h"
#include "tests/support/test_cluster.h"

namespace vigil::daemon {
namespace {

core::Config fence_config(const std::string& fence) {
    core::Config c = testing::make_config();
    c.groups[0].fence = fence;
    c.cluster.fence_timeout_ms = 300;
    return c;
}

struct Harness {
    explicit Harness(const core::Config& config)
        : config(config),
          hooks(loop),
          fence(this->config, hooks, log,
                [this](const core::FenceResult& r) { results.push_back(r); }) {}

    // Runs the loop until `count` results arrived or `limit` passed.
    void wait_for(std::size_t count, Micros limit = ms(5000)) {
        TimePoint give_up = io::monotonic_now() + limit;
        while (results.size() < count && io::monotonic_now() < give_up) {
            TimePoint next = std::min(
                {hooks.next_deadline(), fence.next_deadline(), io::monotonic_now() + ms(20)});
            loop.wake_at(next);
            (void)loop.run_once([this] {
                TimePoint now = io::monotonic_now();
                hooks.on_tick(now);
                fence.on_tick(now);
            });
        }
    }

    core::Config config;
    testing::CapturingLogger log;
    io::EventLoop loop;
    HookRunner hooks;
    FenceRunner fence;
    std::vector<core::FenceResult> results;
};

std::string field(const testing::CapturingLogger& log, std::string_view event,
                  std::string_view key) {
    for (const auto& e : log.entries)
        if (e.name == event)
            for (const auto& f : e.fields)
                if (f.key == key) return f.value;
    return "<none>";
}

TEST(FenceRunner, NodeNameIsTheLastArgumentAndExitZeroIsSuccess) {
    // `test n2 = "$@"` succeeds only if the appended argument is exactly "n2".
    Harness h(fence_config("test n2 ="));
    h.fence.start(io::monotonic_now(), {0, 1});
    EXPECT_TRUE(h.fence.running(0, 1));
    h.wait_for(1);
    ASSERT_EQ(h.results.size(), 1u);
    EXPECT_EQ(h.results[0].group, 0u);
    EXPECT_EQ(h.results[0].node, 1u);
    EXPECT_TRUE(h.results[0].ok) << h.results[0].detail;
    EXPECT_EQ(h.results[0].detail, "exit 0");
    EXPECT_FALSE(h.fence.running(0, 1));
    EXPECT_EQ(h.log.count("fence_start"), 1);
    EXPECT_EQ(field(h.log, "fence_done", "ok"), "true");
    EXPECT_EQ(field(h.log, "fence_done", "node"), "n2");
    EXPECT_EQ(field(h.log, "fence_done", "group"), "northbound");
    EXPECT_NE(field(h.log, "fence_done", "duration_ms"), "<none>");
}

TEST(FenceRunner, NonZeroExitIsAFailure) {
    Harness h(fence_config("test n2 ="));
    h.fence.start(io::monotonic_now(), {0, 0});  // n1: `test n2 = n1` fails
    h.wait_for(1);
    ASSERT_EQ(h.results.size(), 1u);
    EXPECT_FALSE(h.results[0].ok);
    EXPECT_EQ(h.results[0].detail, "exit 1");
    EXPECT_EQ(field(h.log, "fence_done", "ok"), "false");
}

TEST(FenceRunner, CommandPastTheTimeoutIsKilledAndFails) {
    Harness h(fence_config("sleep 30; true"));
    TimePoint started = io::monotonic_now();
    h.fence.start(started, {0, 1});
    h.wait_for(1);
    ASSERT_EQ(h.results.size(), 1u);
    EXPECT_FALSE(h.results[0].ok);
    EXPECT_EQ(h.results[0].detail, "killed after fence_timeout_ms (300 ms)");
    EXPECT_LT(io::monotonic_now() - started, ms(3000));
}

TEST(FenceRunner, DuplicateRequestWhileRunningIsIgnored) {
    Harness h(fence_config("sleep 0.1; test n2 ="));
    h.fence.start(io::monotonic_now(), {0, 1});
    h.fence.start(io::monotonic_now(), {0, 1});
    h.wait_for(1);
    h.wait_for(2, ms(300));  // a second result would have come by now
    EXPECT_EQ(h.results.size(), 1u);
    EXPECT_EQ(h.log.count("fence_start"), 1);
}

TEST(FenceRunner, MissingCommandFailsThroughTheLoopNotInline) {
    Harness h(fence_config(""));
    h.fence.start(io::monotonic_now(), {0, 1});
    EXPECT_TRUE(h.results.empty());  // never from inside start()
    h.wait_for(1);
    ASSERT_EQ(h.results.size(), 1u);
    EXPECT_FALSE(h.results[0].ok);
    EXPECT_EQ(h.results[0].detail, "no fence command for this group");
}

TEST(HookRunner, ArgumentsAreNeverParsedByTheShell) {
    EXPECT_EQ(shell_command_argv("hook --x", "vigil-notify", {"g", "primary", "7"}),
              (std::vector<std::string>{"/bin/sh", "-c", "hook --x \"$@\"", "vigil-notify", "g",
                                        "primary", "7"}));
    io::EventLoop loop;
    HookRunner hooks(loop);
    std::optional<HookOutcome> outcome;
    auto pid =
        hooks.start(io::monotonic_now(), shell_command_argv("test \"x y;z\" =", "t", {"x y;z"}), {},
                    ms(2000), [&](const HookOutcome& o) { outcome = o; });
    ASSERT_TRUE(pid) << pid.error().message;
    EXPECT_EQ(hooks.running(), 1u);
    TimePoint give_up = io::monotonic_now() + ms(5000);
    while (!outcome && io::monotonic_now() < give_up) {
        loop.wake_at(io::monotonic_now() + ms(20));
        (void)loop.run_once([] {});
    }
    ASSERT_TRUE(outcome);
    EXPECT_EQ(outcome->status.code, 0);
    EXPECT_FALSE(outcome->killed);
    EXPECT_EQ(hooks.running(), 0u);
}

TEST(HookRunner, MissingProgramIsAnErrorAndNothingRuns) {
    io::EventLoop loop;
    HookRunner hooks(loop);
    bool called = false;
    auto pid = hooks.start(io::monotonic_now(), {"/nonexistent/vigil-test-program"}, {}, ms(100),
                           [&](const HookOutcome&) { called = true; });
    EXPECT_FALSE(pid);
    EXPECT_EQ(hooks.running(), 0u);
    EXPECT_FALSE(called);
}

}  // namespace
}  // namespace vigil::daemon
