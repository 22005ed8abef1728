// Goal: the resource runner carries out start/stop/monitor as docs/resources.md says: exit
// codes read the LSB way, the VIGIL_* environment, a kill of the whole process group at
// timeout_ms, the output tail of failing commands, and the exec kind's supervised process
// (pid, unasked exit report, SIGTERM then SIGKILL at timeout, death with the agent). Every
// command gets exactly one result, from the event loop. Method: real /bin/sh children under
// a real EventLoop, short timeouts, waits bounded by a deadline (never fixed sleeps).
#include "daemon/resource_runner.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>

#include "io/clock.h"
#include "tests/support/child_processes.h"
#include "tests/support/test_cluster.h"

namespace vigil::daemon {
namespace {

using core::ResourceConfig;
using core::ResourceOp;
using core::ResourceOutcome;
using core::Role;

ResourceConfig command_resource(std::string name, std::string start, std::string stop = "true",
                                std::string monitor = "true", int timeout_ms = 2000) {
    ResourceConfig r;
    r.name = std::move(name);
    r.kind = ResourceConfig::Kind::command;
    r.start = std::move(start);
    r.stop = std::move(stop);
    r.monitor = std::move(monitor);
    r.timeout_ms = timeout_ms;
    return r;
}

ResourceConfig exec_resource(std::string name, std::string exec, int timeout_ms = 2000) {
    ResourceConfig r;
    r.name = std::move(name);
    r.kind = ResourceConfig::Kind::exec;
    r.start = std::move(exec);
    r.timeout_ms = timeout_ms;
    return r;
}

// The test cluster's config (nodes n1, n2; group "northbound" with two VIPs) with these
// resources in its group, in this order.
core::Config config_with(std::vector<ResourceConfig> resources) {
    core::Config c = testing::make_config();
    for (auto& r : resources) {
        c.groups[0].resources.push_back(c.resources.size());
        c.resources.push_back(std::move(r));
    }
    return c;
}

struct Harness {
    explicit Harness(core::Config c)
        : config(std::move(c)), runner(config, 0, loop, log, [this](const core::ResourceResult& r) {
              results.push_back(r);
          }) {}

    void run(std::size_t resource, ResourceOp op) {
        runner.run(io::monotonic_now(), {resource, op, 0, Role::primary, 7});
    }
    bool wait_until(const std::function<bool()>& done, Micros limit = ms(3000)) {
        return testing::run_loop_until(
            loop, done, [this](TimePoint now) { runner.on_tick(now); },
            [this] { return runner.next_deadline(); }, limit);
    }
    bool wait_for(std::size_t count, Micros limit = ms(3000)) {
        return wait_until([&] { return results.size() >= count; }, limit);
    }

    core::Config config;
    testing::CapturingLogger log;
    io::EventLoop loop;
    ResourceRunner runner;
    std::vector<core::ResourceResult> results;
};

TEST(ResourceArgv, EachKindAndOperation) {
    ResourceConfig cmd = command_resource("api", "api-ctl start", "api-ctl stop", "api-ctl status");
    EXPECT_EQ(resource_argv(cmd, ResourceOp::start),
              (std::vector<std::string>{"/bin/sh", "-c", "api-ctl start \"$@\"", "vigil-api"}));
    EXPECT_EQ(resource_argv(cmd, ResourceOp::monitor)[2], "api-ctl status \"$@\"");
    cmd.monitor.clear();
    EXPECT_TRUE(resource_argv(cmd, ResourceOp::monitor).empty());

    ResourceConfig unit;
    unit.name = "db";
    unit.kind = ResourceConfig::Kind::systemd_unit;
    unit.unit = "postgresql.service";
    EXPECT_EQ(resource_argv(unit, ResourceOp::start),
              (std::vector<std::string>{"systemctl", "start", "postgresql.service"}));
    EXPECT_EQ(resource_argv(unit, ResourceOp::stop),
              (std::vector<std::string>{"systemctl", "stop", "postgresql.service"}));
    EXPECT_EQ(
        resource_argv(unit, ResourceOp::monitor),
        (std::vector<std::string>{"systemctl", "is-active", "--quiet", "postgresql.service"}));

    ResourceConfig exec = exec_resource("worker", "/usr/bin/worker --port 9");
    EXPECT_EQ(resource_argv(exec, ResourceOp::start),
              (std::vector<std::string>{"/bin/sh", "-c", "exec /usr/bin/worker --port 9 \"$@\"",
                                        "vigil-worker"}));
    EXPECT_TRUE(resource_argv(exec, ResourceOp::stop).empty());  // a signal, not a command
    EXPECT_TRUE(resource_argv(exec, ResourceOp::monitor).empty());
    exec.monitor = "curl -fs localhost:9";
    EXPECT_EQ(resource_argv(exec, ResourceOp::monitor)[2], "curl -fs localhost:9 \"$@\"");
}

TEST(ResourceEnv, NamesNodeGroupRoleEpochVipsResourceAndAction) {
    core::Config config = config_with({command_resource("api", "true")});
    EXPECT_EQ(
        resource_env(config, 1, {0, ResourceOp::stop, 0, Role::standby, 12}),
        (std::vector<std::string>{"VIGIL_NODE=n2", "VIGIL_GROUP=northbound", "VIGIL_ROLE=standby",
                                  "VIGIL_EPOCH=12", "VIGIL_VIPS=198.18.0.10/24 fd00:18::10/64",
                                  "VIGIL_RESOURCE=api", "VIGIL_ACTION=stop"}));
}

TEST(ResourceRunner, MonitorExitCodesAreReadTheLsbWay) {
    Harness h(config_with({command_resource("running", "exit 3", "true", "exit 0"),
                           command_resource("stopped", "true", "true", "exit 3"),
                           command_resource("broken", "true", "true", "exit 1")}));
    h.run(0, ResourceOp::monitor);
    h.run(1, ResourceOp::monitor);
    h.run(2, ResourceOp::monitor);
    ASSERT_TRUE(h.wait_for(3));
    std::map<std::size_t, core::ResourceResult> by_resource;
    for (const auto& r : h.results) by_resource[r.resource] = r;
    EXPECT_EQ(by_resource[0].outcome, ResourceOutcome::ok);
    EXPECT_EQ(by_resource[1].outcome, ResourceOutcome::not_running);
    EXPECT_EQ(by_resource[1].detail, "exit 3");
    EXPECT_EQ(by_resource[2].outcome, ResourceOutcome::failed);
    EXPECT_EQ(by_resource[2].detail, "exit 1");
    for (const auto& r : h.results) EXPECT_EQ(r.op, ResourceOp::monitor);

    h.run(0, ResourceOp::start);  // exit 3 means "not running" only for a monitor
    ASSERT_TRUE(h.wait_for(4));
    EXPECT_EQ(h.results[3].op, ResourceOp::start);
    EXPECT_EQ(h.results[3].outcome, ResourceOutcome::failed);
    EXPECT_FALSE(h.runner.busy());
}

TEST(ResourceRunner, StartSeesTheVigilEnvironment) {
    testing::TempDir dir("vigil-resource");
    ASSERT_TRUE(dir.ok());
    const std::string file = dir.path("env");
    Harness h(config_with({command_resource("api", "env | grep ^VIGIL_ | sort > " + file)}));
    h.run(0, ResourceOp::start);
    ASSERT_TRUE(h.wait_for(1));
    EXPECT_EQ(h.results[0].outcome, ResourceOutcome::ok) << h.results[0].detail;
    EXPECT_EQ(testing::read_text(file),
              "VIGIL_ACTION=start\nVIGIL_EPOCH=7\nVIGIL_GROUP=northbound\nVIGIL_NODE=n1\n"
              "VIGIL_RESOURCE=api\nVIGIL_ROLE=primary\n"
              "VIGIL_VIPS=198.18.0.10/24 fd00:18::10/64\n");
}

TEST(ResourceRunner, HungCommandIsKilledWithItsChildrenAtTheTimeout) {
    testing::TempDir dir("vigil-resource");
    ASSERT_TRUE(dir.ok());
    const std::string file = dir.path("child");
    Harness h(config_with(
        {command_resource("api", "sleep 30 & echo $! > " + file + "; wait", "true", "true", 200)}));
    const TimePoint started = io::monotonic_now();
    h.run(0, ResourceOp::start);
    ASSERT_TRUE(h.wait_for(1));
    EXPECT_EQ(h.results[0].outcome, ResourceOutcome::timed_out);
    EXPECT_EQ(h.results[0].detail, "killed at timeout 200 ms");
    EXPECT_LT(io::monotonic_now() - started, ms(1000));
    const pid_t child = std::stoi(testing::read_text(file));
    EXPECT_TRUE(h.wait_until([&] { return testing::process_gone(child); }, ms(1000)))
        << "the command's own child survived";
}

TEST(ResourceRunner, OutputTailKeepsTheLastLinesOfTheLastFailure) {
    Harness h(config_with({command_resource(
        "api", "for i in $(seq 1 15); do echo line $i; done; echo oops >&2; exit 1", "true",
        "echo all fine")}));
    EXPECT_TRUE(h.runner.output_tail(0).empty());
    h.run(0, ResourceOp::start);
    ASSERT_TRUE(h.wait_for(1));
    EXPECT_EQ(h.results[0].outcome, ResourceOutcome::failed);
    EXPECT_EQ(h.runner.output_tail(0),
              (std::vector<std::string>{"line 7", "line 8", "line 9", "line 10", "line 11",
                                        "line 12", "line 13", "line 14", "line 15", "oops"}));
    h.run(0, ResourceOp::monitor);  // succeeds: the tail of the failure stays
    ASSERT_TRUE(h.wait_for(2));
    EXPECT_EQ(h.results[1].outcome, ResourceOutcome::ok);
    EXPECT_EQ(h.runner.output_tail(0).back(), "oops");
}

TEST(ResourceRunner, ResultsComeFromTheLoopNeverFromRun) {
    ResourceConfig no_stop = command_resource("api", "true", "");
    Harness h(config_with({no_stop, exec_resource("worker", "sleep 30")}));
    h.run(0, ResourceOp::stop);  // nothing to run
    h.run(1, ResourceOp::stop);  // an exec resource that is not running
    EXPECT_TRUE(h.results.empty());
    EXPECT_TRUE(h.runner.busy());
    EXPECT_EQ(h.runner.next_deadline(), TimePoint{0});
    ASSERT_TRUE(h.wait_for(2));
    EXPECT_EQ(h.results[0].outcome, ResourceOutcome::failed);
    EXPECT_EQ(h.results[0].detail, "no stop command");
    EXPECT_EQ(h.results[1].outcome, ResourceOutcome::ok);
    EXPECT_EQ(h.results[1].detail, "not running");
    EXPECT_FALSE(h.runner.busy());
}

TEST(ResourceRunner, UnitWithoutSystemctlFailsFromTheLoopAndIsLogged) {
    ResourceConfig unit;
    unit.name = "db";
    unit.kind = ResourceConfig::Kind::systemd_unit;
    unit.unit = "postgresql.service";
    Harness h(config_with({unit}));
    const std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
    setenv("PATH", "/nonexistent-vigil-test", 1);  // systemctl cannot be found
    h.run(0, ResourceOp::start);
    setenv("PATH", path.c_str(), 1);
    EXPECT_TRUE(h.results.empty());
    ASSERT_TRUE(h.wait_for(1));
    EXPECT_EQ(h.results[0].outcome, ResourceOutcome::failed);
    EXPECT_EQ(h.results[0].detail, "spawn systemctl: No such file or directory");
    EXPECT_EQ(h.log.count("resource_spawn_failed"), 1);
    EXPECT_FALSE(h.runner.busy());
}

TEST(ResourceRunner, SecondCommandOfAResourceIsRefusedWhileOneRuns) {
    Harness h(config_with({command_resource("api", "sleep 0.1")}));
    h.run(0, ResourceOp::start);
    h.run(0, ResourceOp::monitor);
    ASSERT_TRUE(h.wait_for(2));
    EXPECT_EQ(h.results[0].op, ResourceOp::monitor);
    EXPECT_EQ(h.results[0].outcome, ResourceOutcome::failed);
    EXPECT_EQ(h.results[1].op, ResourceOp::start);
    EXPECT_EQ(h.results[1].outcome, ResourceOutcome::ok);
    EXPECT_EQ(h.log.count("resource_command_refused"), 1);
}

TEST(ResourceRunner, ExecProcessExitIsReportedUnaskedAsNotRunning) {
    testing::TempDir dir("vigil-resource");
    ASSERT_TRUE(dir.ok());
    // The process exits when the test creates its cue file, so the test decides when.
    const std::string cue = dir.path("cue");
    Harness h(config_with(
        {exec_resource("worker", "sh -c 'echo started; while [ ! -e " + cue +
                                     " ]; do sleep 0.02; done; echo bye >&2; exit 4'")}));
    h.run(0, ResourceOp::start);
    const std::optional<pid_t> pid = h.runner.pid(0);
    ASSERT_TRUE(pid.has_value());
    EXPECT_EQ(getpgid(*pid), *pid);  // leads its own group: stop reaches its children
    ASSERT_TRUE(h.wait_for(1));
    EXPECT_EQ(h.results[0].op, ResourceOp::start);
    EXPECT_EQ(h.results[0].outcome, ResourceOutcome::ok);
    h.run(0, ResourceOp::monitor);  // no monitor command: alive = ok
    ASSERT_TRUE(h.wait_for(2));
    EXPECT_EQ(h.results[1].outcome, ResourceOutcome::ok);

    std::ofstream(cue).put('\n');
    ASSERT_TRUE(h.wait_for(3));
    EXPECT_EQ(h.results[2].op, ResourceOp::monitor);
    EXPECT_EQ(h.results[2].outcome, ResourceOutcome::not_running);
    EXPECT_EQ(h.results[2].detail, "process exited: exit 4");
    EXPECT_TRUE(h.results[2].unasked);  // it answers no command
    EXPECT_FALSE(h.results[1].unasked);
    EXPECT_FALSE(h.runner.pid(0).has_value());
    EXPECT_EQ(h.runner.output_tail(0), (std::vector<std::string>{"started", "bye"}));
    h.run(0, ResourceOp::monitor);
    ASSERT_TRUE(h.wait_for(4));
    EXPECT_EQ(h.results[3].outcome, ResourceOutcome::not_running);
    EXPECT_FALSE(h.runner.busy());
}

TEST(ResourceRunner, ExecStopSendsSigtermAndReportsOk) {
    Harness h(config_with({exec_resource("worker", "sleep 30")}));
    h.run(0, ResourceOp::start);
    ASSERT_TRUE(h.wait_for(1));
    ASSERT_EQ(h.results[0].outcome, ResourceOutcome::ok);
    const pid_t pid = *h.runner.pid(0);
    h.run(0, ResourceOp::stop);
    ASSERT_TRUE(h.wait_for(2));
    EXPECT_EQ(h.results[1].op, ResourceOp::stop);
    EXPECT_EQ(h.results[1].outcome, ResourceOutcome::ok);
    EXPECT_EQ(h.results[1].detail, "stopped: killed by signal 15");  // sleep itself: exec
    EXPECT_TRUE(testing::process_gone(pid));
    EXPECT_FALSE(h.runner.pid(0).has_value());
    EXPECT_FALSE(h.wait_for(3, ms(100)));  // and no unasked not_running after it
}

TEST(ResourceRunner, ExecProcessIgnoringSigtermIsKilledAtTheTimeout) {
    testing::TempDir dir("vigil-resource");
    ASSERT_TRUE(dir.ok());
    const std::string ready = dir.path("ready");
    Harness h(config_with({exec_resource(
        "worker", "sh -c 'trap \"\" TERM; touch " + ready + "; while :; do sleep 0.05; done'",
        250)}));
    h.run(0, ResourceOp::start);
    ASSERT_TRUE(
        h.wait_until([&] { return h.results.size() == 1 && access(ready.c_str(), F_OK) == 0; }));
    const TimePoint stopped = io::monotonic_now();
    h.run(0, ResourceOp::stop);
    ASSERT_TRUE(h.wait_for(2));
    EXPECT_EQ(h.results[1].op, ResourceOp::stop);
    EXPECT_EQ(h.results[1].outcome, ResourceOutcome::timed_out);
    EXPECT_EQ(h.results[1].detail, "killed at timeout 250 ms");
    EXPECT_GE(io::monotonic_now() - stopped, ms(250));
    EXPECT_LT(io::monotonic_now() - stopped, ms(1000));
}

TEST(ResourceRunner, ExecOutputIsWrittenThroughPrefixedWithTheResource) {
    testing::TempDir dir("vigil-resource");
    ASSERT_TRUE(dir.ok());
    const std::string captured = dir.path("stderr");
    Harness h(config_with({exec_resource("worker", "sh -c 'echo hello; echo world >&2'")}));
    int saved_stderr = dup(STDERR_FILENO);
    int file = open(captured.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ASSERT_GE(file, 0);
    dup2(file, STDERR_FILENO);
    close(file);
    h.run(0, ResourceOp::start);
    bool exited = h.wait_for(2);
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    ASSERT_TRUE(exited);
    EXPECT_EQ(testing::read_text(captured), "resource=worker: hello\nresource=worker: world\n");
}

TEST(ResourceRunner, ExecProcessDiesWithTheAgent) {
    // The "agent": a child of this test that starts the process and then dies abruptly.
    int report[2];
    ASSERT_EQ(pipe(report), 0);
    pid_t agent = fork();
    ASSERT_GE(agent, 0);
    if (agent == 0) {
        close(report[0]);
        Harness h(config_with({exec_resource("worker", "sleep 30")}));
        h.run(0, ResourceOp::start);
        pid_t pid = h.runner.pid(0).value_or(-1);
        (void)!write(report[1], &pid, sizeof pid);
        _exit(0);  // no stop, no destructors: as kill -9 would leave it
    }
    close(report[1]);
    pid_t pid = -1;
    ASSERT_EQ(read(report[0], &pid, sizeof pid), static_cast<ssize_t>(sizeof pid));
    close(report[0]);
    ASSERT_GT(pid, 0);
    int status = 0;
    ASSERT_EQ(waitpid(agent, &status, 0), agent);
    io::EventLoop loop;
    EXPECT_TRUE(testing::run_loop_until(
        loop, [&] { return testing::process_gone(pid); }, [](TimePoint) {},
        [] { return TimePoint::never(); }, ms(1000)))
        << "the exec process outlived its agent";
}

}  // namespace
}  // namespace vigil::daemon
