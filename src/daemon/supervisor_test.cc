// Goal: the supervisor reads the lease records its agent writes and acts when a lease runs
// out without renewal, while the agent is still alive (stopped or hung), and not when the
// agent renewed or gave the group up. Method: run_supervised with a fake agent (a function
// run in the forked child) that writes records and then sleeps, as a hung agent would.
// Groups have no VIPs, so nothing on the host is touched; the debug event lease_expired
// shows the decision.
#include "daemon/supervisor.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "daemon/lease_watchdog.h"
#include "io/clock.h"
#include "tests/support/test_cluster.h"

namespace vigil::daemon {
namespace {

core::Config no_vip_config() {
    core::Config c = testing::make_config();
    c.groups[0].vips.clear();
    return c;
}

void send(int fd, LeaseRecord r) {
    auto bytes = encode_lease(r);
    ASSERT_EQ(write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
}

void sleep_ms(int n) {
    std::this_thread::sleep_for(std::chrono::milliseconds(n));
}

TEST(Supervisor, LeaseThatRunsOutWhileTheAgentHangsIsActedOn) {
    core::Config config = no_vip_config();
    testing::CapturingLogger log;
    int code = run_supervised(config, 0, log, [](int fd) {
        send(fd, {0, io::monotonic_now().us + 100'000});
        sleep_ms(400);  // hung: no renewal
        return 0;
    });
    EXPECT_EQ(code, 0);
    // No VIPs in this config: the watchdog acted (rechecking) but had nothing to remove.
    EXPECT_EQ(log.count("lease_watchdog"), 0);
    EXPECT_EQ(log.count("agent_died"), 0);
}

TEST(Supervisor, RenewedOrReleasedLeasesAreLeftAlone) {
    core::Config config = no_vip_config();
    testing::CapturingLogger log;
    int code = run_supervised(config, 0, log, [](int fd) {
        send(fd, {0, io::monotonic_now().us + 100'000});
        sleep_ms(50);
        send(fd, {0, io::monotonic_now().us + 100'000});  // renewed
        sleep_ms(50);
        send(fd, {0, kNotPrimary});  // demoted: VIPs already removed by the agent
        sleep_ms(300);
        return 0;
    });
    EXPECT_EQ(code, 0);
    EXPECT_EQ(log.count("lease_expired"), 0);
}

TEST(Supervisor, AgentFailureExitCodeIsPassedOn) {
    core::Config config = no_vip_config();
    testing::CapturingLogger log;
    EXPECT_EQ(run_supervised(config, 0, log, [](int) { return 74; }), 74);
    EXPECT_EQ(log.count("agent_died"), 1);
}

// systemd's watchdog signal reaches only the supervisor (KillMode=mixed): it is passed on to
// the agent, and the supervisor cleans up after its death as after any other
// (docs/systemd.md; test_sd_notify.sh shows it with a SIGSTOPped agent). Without the
// forwarding, the SIGABRT would kill this test's process.
TEST(Supervisor, WatchdogSignalIsPassedToTheAgent) {
    core::Config config = no_vip_config();
    testing::CapturingLogger log;
    int code = run_supervised(config, 0, log, [](int) {
        prctl(PR_SET_DUMPABLE, 0);  // no core file from this test
        // As systemd sends it to the main process; again until it lands, since the first may
        // come before the supervisor knows its child's pid.
        for (int i = 0; i < 500; ++i) {
            kill(getppid(), SIGABRT);
            poll(nullptr, 0, 10);
        }
        return 0;
    });
    EXPECT_EQ(code, 128 + SIGABRT);
    ASSERT_EQ(log.count("agent_died"), 1);
}

}  // namespace
}  // namespace vigil::daemon
