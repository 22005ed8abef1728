// Goal: the libsystemd seam sends each notification as one datagram to NOTIFY_SOCKET, is a
// no-op without it, and enables the watchdog only for the process WATCHDOG_PID names (so
// the supervised agent must claim it), and spawned children never inherit the service
// manager's variables. Method: a real unix datagram socket in a temp dir, and the
// environment set and restored around each test.
#include "io/sd_notify.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "io/process.h"

namespace vigil::io {
namespace {

// Sets (or unsets, with nullptr) a variable for the test's lifetime.
struct EnvVar {
    std::string name;
    std::optional<std::string> saved;
    EnvVar(std::string n, const char* value) : name(std::move(n)) {
        if (const char* v = std::getenv(name.c_str())) saved = v;
        if (value)
            setenv(name.c_str(), value, 1);
        else
            unsetenv(name.c_str());
    }
    ~EnvVar() {
        if (saved)
            setenv(name.c_str(), saved->c_str(), 1);
        else
            unsetenv(name.c_str());
    }
};

struct Listener {
    int fd = -1;
    std::string path;
    Listener() {
        char dir[] = "/tmp/vigil-sdnotify-XXXXXX";
        path = std::string(mkdtemp(dir)) + "/notify";
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un sa{};
        sa.sun_family = AF_UNIX;
        path.copy(sa.sun_path, sizeof sa.sun_path - 1);
        if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) fd = -1;
    }
    ~Listener() {
        if (fd >= 0) close(fd);
        unlink(path.c_str());
        rmdir(path.substr(0, path.rfind('/')).c_str());
    }
    std::string receive() const {
        char buf[512];
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        return n < 0 ? "<nothing>" : std::string(buf, static_cast<std::size_t>(n));
    }
};

TEST(SdNotify, SendsEachNotificationAsOneDatagram) {
    Listener listener;
    ASSERT_GE(listener.fd, 0);
    EnvVar socket_var("NOTIFY_SOCKET", listener.path.c_str());
    auto manager = make_systemd_manager();
    ASSERT_TRUE(manager->notify("READY=1\nSTATUS=northbound: primary (epoch 2)"));
    ASSERT_TRUE(manager->notify("WATCHDOG=1"));
    EXPECT_EQ(listener.receive(), "READY=1\nSTATUS=northbound: primary (epoch 2)");
    EXPECT_EQ(listener.receive(), "WATCHDOG=1");
    EXPECT_EQ(listener.receive(), "<nothing>");
}

TEST(SdNotify, WithoutNotifySocketNothingIsSentAndNothingFails) {
    EnvVar socket_var("NOTIFY_SOCKET", nullptr);
    EnvVar usec("WATCHDOG_USEC", nullptr);
    auto manager = make_systemd_manager();
    EXPECT_TRUE(manager->notify("READY=1"));
    EXPECT_EQ(manager->watchdog_interval(), 0);
}

TEST(SdNotify, AMissingSocketIsAnErrorNotACrash) {
    EnvVar socket_var("NOTIFY_SOCKET", "/nonexistent/vigil/notify");
    auto r = make_systemd_manager()->notify("READY=1");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("sd_notify"), std::string::npos);
}

TEST(SdNotify, WatchdogBelongsToTheProcessWatchdogPidNames) {
    EnvVar usec("WATCHDOG_USEC", "4000000");
    {
        EnvVar pid("WATCHDOG_PID", nullptr);  // no pid: for whoever reads it
        EXPECT_EQ(make_systemd_manager()->watchdog_interval(), 4'000'000);
    }
    {
        // The supervisor's pid, as systemd sets it for the main process: not ours.
        EnvVar pid("WATCHDOG_PID", std::to_string(getppid()).c_str());
        EXPECT_EQ(make_systemd_manager()->watchdog_interval(), 0);
        claim_watchdog_for_this_process();
        EXPECT_EQ(std::string(std::getenv("WATCHDOG_PID")), std::to_string(getpid()));
        EXPECT_EQ(make_systemd_manager()->watchdog_interval(), 4'000'000);
    }
    {
        EnvVar pid("WATCHDOG_PID", nullptr);
        claim_watchdog_for_this_process();  // nothing to claim: stays unset
        EXPECT_EQ(std::getenv("WATCHDOG_PID"), nullptr);
    }
}

TEST(SdNotify, ChildrenDoNotInheritTheServiceManagerVariables) {
    EnvVar socket_var("NOTIFY_SOCKET", "/run/systemd/notify");
    EnvVar usec("WATCHDOG_USEC", "4000000");
    EnvVar pid("WATCHDOG_PID", "1");
    EnvVar other("VIGIL_TEST_KEPT", "yes");
    int pipe_fds[2];
    ASSERT_EQ(pipe(pipe_fds), 0);
    auto child = spawn({"sh", "-c",
                        "echo ${NOTIFY_SOCKET-none} ${WATCHDOG_USEC-none} ${WATCHDOG_PID-none} "
                        "$VIGIL_TEST_KEPT"},
                       {}, SpawnOptions{pipe_fds[1], false});
    close(pipe_fds[1]);
    ASSERT_TRUE(child);
    std::string out;
    char buf[256];
    for (ssize_t n; (n = read(pipe_fds[0], buf, sizeof buf)) > 0;)
        out.append(buf, static_cast<std::size_t>(n));
    close(pipe_fds[0]);
    int status = 0;
    EXPECT_EQ(waitpid(child->pid, &status, 0), child->pid);
    close(child->pidfd);
    EXPECT_EQ(out, "none none none yes\n");
}

}  // namespace
}  // namespace vigil::io
