#include "daemon/supervisor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "daemon/agent.h"
#include "daemon/lease_watchdog.h"
#include "daemon/resource_cleanup.h"
#include "daemon/vip_cleanup.h"
#include "io/addresses.h"
#include "io/clock.h"
#include "io/sd_notify.h"

namespace vigil::daemon {

namespace {
volatile sig_atomic_t g_child = -1;
volatile sig_atomic_t g_pending = 0;  // a signal that came before g_child was known

void forward(int signo) {
    if (g_child <= 0) {
        g_pending = signo;  // passed on once the child's pid is known (run_supervised)
        return;
    }
    kill(g_child, signo);
    // SIGABRT is systemd's watchdog signal (WatchdogSignal=), which KillMode=mixed sends to
    // the main process only: this supervisor. It is meant for the agent, whose loop stopped
    // pinging: the agent dies of it (with a core dump of the hung loop) and the supervisor
    // cleans up as after any death. A SIGSTOPped agent acts on it only once continued.
    // (The supervisor's own abort() passes through here too: the agent goes down with it.)
    if (signo == SIGABRT) kill(g_child, SIGCONT);
}

// Without a pidfd (very old kernels) the supervisor looks for the agent's exit this often.
constexpr Micros kExitPollInterval = ms(50);

// The parent's side of the lease pipe and the watchdog it feeds.
class LeaseWatch {
public:
    LeaseWatch(const core::Config& config, Logger& log, int fd)
        : config_(config), log_(log), fd_(fd), watchdog_(config.groups.size(), ms(config.effective_lease_margin_ms()) / 2) {}
    ~LeaseWatch() {
        if (fd_ >= 0) close(fd_);
    }
    int fd() const { return fd_; }
    TimePoint next_deadline() const { return watchdog_.next_deadline(); }

    // Reads every record available; closes the pipe at end of file (the agent is gone).
    void drain() {
        std::uint8_t buf[kLeaseRecordBytes * 64];
        for (;;) {
            ssize_t n = read(fd_, buf + carry_, sizeof buf - carry_);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return;  // EAGAIN: all read
            if (n == 0) {
                close(fd_);
                fd_ = -1;
                return;
            }
            std::size_t have = carry_ + static_cast<std::size_t>(n), at = 0;
            for (; have - at >= kLeaseRecordBytes; at += kLeaseRecordBytes) {
                auto record = decode_lease(buf + at);
                if (!record || !watchdog_.apply(*record))
                    log_.event(Level::error, "lease_record_invalid", {});
            }
            carry_ = have - at;
            std::memmove(buf, buf + at, carry_);
        }
    }

    // Removes the VIPs of every group whose lease ran out without renewal.
    void expire(TimePoint now) {
        for (std::size_t g : watchdog_.expire(now)) {
            const auto& group = config_.groups[g];
            std::size_t removed = remove_present_vips(
                *addresses_, group, log_,
                "lease expired without renewal (agent stopped or hung); removed by its "
                "supervisor");
            // Rechecked every 100 ms while expired; a healthy agent demotes at the same
            // instant and may have been first. Only a removal is worth a line.
            if (removed > 0)
                log_.event(Level::warn, "lease_watchdog",
                           {{"group", group.name},
                            {"removed", std::to_string(removed)},
                            {"result", "removed vips"}});
        }
    }

private:
    const core::Config& config_;
    Logger& log_;
    int fd_;
    LeaseWatchdog watchdog_;
    std::unique_ptr<io::Addresses> addresses_ = io::make_netlink_addresses();
    std::size_t carry_ = 0;  // bytes of a record split across reads (not expected)
};

// Waits for the agent to exit while serving the lease watchdog; returns its wait status.
int watch_agent(pid_t child, LeaseWatch& leases, Logger& log) {
    int pidfd = static_cast<int>(syscall(SYS_pidfd_open, child, 0));
    if (pidfd < 0)
        log.event(Level::warn, "supervisor_pidfd_unavailable",
                  {{"error", std::strerror(errno)}, {"effect", "polling every 50 ms"}});
    for (;;) {
        int status = 0;
        if (waitpid(child, &status, WNOHANG) == child) {
            if (pidfd >= 0) close(pidfd);
            return status;
        }
        TimePoint now = io::monotonic_now();
        TimePoint wake = leases.next_deadline();
        if (pidfd < 0) wake = std::min(wake, now + kExitPollInterval);
        pollfd fds[2] = {{leases.fd(), POLLIN, 0}, {pidfd, POLLIN, 0}};
        timespec timeout{};
        if (!wake.is_never()) {
            Micros wait = std::max<Micros>(0, wake - now);
            timeout = {static_cast<time_t>(wait / 1'000'000),
                       static_cast<long>(wait % 1'000'000) * 1000};
        }
        // A negative fd is ignored by ppoll: the pipe after EOF, a missing pidfd.
        int n = ppoll(fds, 2, wake.is_never() ? nullptr : &timeout, nullptr);
        if (n < 0 && errno != EINTR) {  // EINTR: a signal forwarded to the agent
            log.event(Level::error, "supervisor_poll_failed", {{"error", std::strerror(errno)}});
            usleep(static_cast<useconds_t>(kExitPollInterval));  // keep watching; never spin
        }
        if (leases.fd() >= 0 && (fds[0].revents & (POLLIN | POLLHUP))) leases.drain();
        leases.expire(io::monotonic_now());
    }
}
}  // namespace

void remove_all_vips(const core::Config& config, Logger& log, const char* reason) {
    auto addresses = io::make_netlink_addresses();
    for (const auto& group : config.groups) remove_present_vips(*addresses, group, log, reason);
    // VRRP routers too: a dead agent sends no adverts, so a backup takes over and must not
    // find the VIPs still answering here (docs/vrrp.md).
    for (const auto& router : config.vrrp) remove_present_vips(*addresses, router, log, reason);
}

int run_supervised(const core::Config& config, std::size_t self, Logger& log,
                   const std::function<int(int lease_fd)>& agent) {
    int lease_pipe[2];
    if (pipe2(lease_pipe, O_CLOEXEC) != 0) {
        log.event(Level::error, "supervisor_failed",
                  {{"error", std::string("pipe2: ") + std::strerror(errno)}});
        return 1;
    }
    // The forwarding handlers go in before the fork: a signal that comes between the fork
    // and g_child being set is dropped (forward() sees no child), where the default action
    // would have killed the supervisor (a SIGABRT from a fast agent did, in a test): it is
    // kept in g_pending and passed on as soon as the child's pid is known.
    g_child = -1;
    g_pending = 0;
    struct sigaction sa {};
    sa.sa_handler = forward;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGHUP, &sa, nullptr);
    sigaction(SIGABRT, &sa, nullptr);
    pid_t parent = getpid();
    pid_t child = fork();
    if (child < 0) {
        log.event(Level::error, "supervisor_failed",
                  {{"error", std::string("fork: ") + std::strerror(errno)}});
        return 1;
    }
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) _exit(1);  // the parent died before prctl took effect
        // The parent's forwarding handlers of an earlier run_supervised in this process
        // (tests) must not reach the agent: SIGABRT, above all, must kill it.
        for (int signo : {SIGTERM, SIGINT, SIGHUP, SIGABRT}) signal(signo, SIG_DFL);
        // The service's main process is this supervisor, but the agent's loop is what must
        // ping the watchdog (WatchdogSec=; docs/systemd.md): the pings are accepted under
        // NotifyAccess=all, and sd_watchdog_enabled wants WATCHDOG_PID to be the pinger.
        io::claim_watchdog_for_this_process();
        close(lease_pipe[0]);
        // The agent never blocks on its supervisor: a full pipe drops the record (agent.cc).
        fcntl(lease_pipe[1], F_SETFL, O_NONBLOCK);
        int code = agent(lease_pipe[1]);
        std::fflush(nullptr);
        _exit(code);
    }
    close(lease_pipe[1]);
    fcntl(lease_pipe[0], F_SETFL, O_NONBLOCK);
    g_child = child;
    if (const int pending = g_pending; pending != 0) forward(pending);
    log.event(Level::info, "supervisor_started",
              {{"pid", std::to_string(getpid())}, {"agent_pid", std::to_string(child)}});
    LeaseWatch leases(config, log, lease_pipe[0]);
    int status = watch_agent(child, leases, log);
    g_child = -1;  // reaped: its pid may be reused
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (code == kExitStartupFailed) {
        // It never started: the VIPs on this host, if any, are another agent's business.
        log.event(Level::error, "agent_start_failed", {{"agent_pid", std::to_string(child)}});
        return code;
    }
    if (WIFSIGNALED(status) || code != 0) {
        log.event(
            Level::error, "agent_died",
            {{"agent_pid", std::to_string(child)},
             {"status", WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                                            : "exit " + std::to_string(code)}});
        remove_all_vips(config, log, "agent died; removed by its supervisor");
        stop_all_resources(config, self, log);
    }
    return code;
}

}  // namespace vigil::daemon
