#include "io/process.h"

#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace vigil::io {

Result<Child> spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
    if (argv.empty()) return Error::invalid("spawn: empty command");
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
    env_strings.insert(env_strings.end(), env.begin(), env.end());
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);

    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    // The agent blocks signals it reads through signalfd; children must not inherit that.
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    sigset_t defaults;
    sigfillset(&defaults);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(
        &attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    pid_t pid = -1;
    int rc = posix_spawnp(&pid, args[0], nullptr, &attr, args.data(), envp.data());
    posix_spawnattr_destroy(&attr);
    if (rc != 0) return Error::io("spawn " + argv[0] + ": " + std::strerror(rc));
    int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        return Error::io(std::string("pidfd_open: ") + std::strerror(errno));
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
    // The child leads its own process group (setpgroup 0): signal the group so that a
    // hook's own children go too.
    if (child.pid > 0) kill(-child.pid, signal);
}

}  // namespace vigil::io
