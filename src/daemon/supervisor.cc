#include "daemon/supervisor.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "daemon/agent.h"
#include "daemon/vip_cleanup.h"
#include "io/addresses.h"

namespace vigil::daemon {

namespace {
volatile sig_atomic_t g_child = -1;

void forward(int signo) {
    if (g_child > 0) kill(g_child, signo);
}
}  // namespace

void remove_all_vips(const core::Config& config, Logger& log, const char* reason) {
    auto addresses = io::make_netlink_addresses();
    for (const auto& group : config.groups) remove_present_vips(*addresses, group, log, reason);
}

int run_supervised(const core::Config& config, Logger& log, const std::function<int()>& agent) {
    pid_t parent = getpid();
    pid_t child = fork();
    if (child < 0) {
        log.event(Level::error, "supervisor_failed",
                  {{"error", std::string("fork: ") + std::strerror(errno)}});
        return 1;
    }
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) return 1;  // the parent died before prctl took effect
        int code = agent();
        std::fflush(nullptr);
        _exit(code);
    }
    g_child = child;
    struct sigaction sa {};
    sa.sa_handler = forward;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGHUP, &sa, nullptr);
    log.event(Level::info, "supervisor_started",
              {{"pid", std::to_string(getpid())}, {"agent_pid", std::to_string(child)}});
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
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
    }
    return code;
}

}  // namespace vigil::daemon
