#include "io/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

extern char** environ;

namespace vigil::io {

namespace {

// The service manager's variables for vigil itself (io/sd_notify.h). Under NotifyAccess=all
// a child that speaks sd_notify (a daemon run as a resource) would otherwise send READY=1
// or WATCHDOG=1 in vigil's name, and its pings would hide a hung agent.
bool is_service_manager_variable(std::string_view name) {
    return name == "NOTIFY_SOCKET=" || name == "WATCHDOG_USEC=" || name == "WATCHDOG_PID=";
}

// The agent's environment, less the names that `env` sets and the service manager's, then
// `env`: the child sees vigil's value (VIGIL_NODE, say) even if the agent was started with
// one of its own.
std::vector<std::string> child_environment(const std::vector<std::string>& env) {
    std::vector<std::string> out;
    for (char** e = environ; *e; ++e) {
        std::string_view entry(*e);
        std::string_view name = entry.substr(0, entry.find('=') + 1);  // "NAME="
        bool replaced = is_service_manager_variable(name);
        for (const auto& ours : env) replaced = replaced || ours.starts_with(name);
        if (!replaced) out.emplace_back(entry);
    }
    out.insert(out.end(), env.begin(), env.end());
    return out;
}

// Between fork and exec: async-signal-safe calls only (the agent's tests run threads).
// On failure the errno goes to the parent through `report_fd` (close-on-exec, so a
// successful exec closes it and the parent reads end of file).
[[noreturn]] void exec_child(char* const* args, char* const* envp, const SpawnOptions& options,
                             pid_t parent, int report_fd) {
    // A group of its own, so that kill_child reaches the command's children too.
    setpgid(0, 0);
    if (options.die_with_agent) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        // The agent died before prctl took effect: the signal will never come.
        if (getppid() != parent) _exit(127);
    }
    if (options.output_fd >= 0) {
        for (int target : {STDOUT_FILENO, STDERR_FILENO}) {
            if (options.output_fd == target)
                fcntl(target, F_SETFD, 0);  // dup2 onto itself would keep close-on-exec
            else
                dup2(options.output_fd, target);
        }
    }
    // The agent blocks the signals it reads through signalfd and may ignore SIGPIPE;
    // children must not inherit either.
    struct sigaction defaults {};
    defaults.sa_handler = SIG_DFL;
    for (int signo = 1; signo < NSIG; ++signo) sigaction(signo, &defaults, nullptr);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execvpe(args[0], args, envp);
    int error = errno;
    (void)!write(report_fd, &error, sizeof error);
    _exit(127);
}

}  // namespace

Result<Child> spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                    const SpawnOptions& options) {
    if (argv.empty()) return Error::invalid("spawn: empty command");
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<std::string> env_strings = child_environment(env);
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);

    // fork rather than posix_spawn: PR_SET_PDEATHSIG must be set in the child.
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0)
        return Error::io(std::string("spawn: pipe2: ") + std::strerror(errno));
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0) {
        int error = errno;
        close(report[0]);
        close(report[1]);
        return Error::io("spawn " + argv[0] + ": fork: " + std::strerror(error));
    }
    if (pid == 0) exec_child(args.data(), envp.data(), options, parent, report[1]);
    close(report[1]);
    // Blocks only until the child has exec'd or failed to (as posix_spawn does).
    int child_error = 0;
    ssize_t n;
    do {
        n = read(report[0], &child_error, sizeof child_error);
    } while (n < 0 && errno == EINTR);
    close(report[0]);
    if (n == static_cast<ssize_t>(sizeof child_error)) {
        waitpid(pid, nullptr, 0);
        return Error::io("spawn " + argv[0] + ": " + std::strerror(child_error));
    }
    int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) {
        int error = errno;
        kill(-pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        return Error::io(std::string("pidfd_open: ") + std::strerror(error));
    }
    return Child{pid, pidfd};
}

Result<ExitStatus> reap(Child& child) {
    int status = 0;
    pid_t rc = waitpid(child.pid, &status, WNOHANG);
    if (rc == 0) return Error::busy("still running");
    if (rc < 0) return Error::io(std::string("waitpid: ") + std::strerror(errno));
    close(child.pidfd);
    child.pidfd = -1;
    if (WIFEXITED(status))
        return ExitStatus{WEXITSTATUS(status), "exit " + std::to_string(WEXITSTATUS(status))};
    int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    return ExitStatus{128 + sig, "killed by signal " + std::to_string(sig)};
}

void kill_child(const Child& child, int signal) {
    // The child leads its own process group (setpgid in exec_child): signal the group so
    // that a hook's own children go too.
    if (child.pid > 0) kill(-child.pid, signal);
}

}  // namespace vigil::io
