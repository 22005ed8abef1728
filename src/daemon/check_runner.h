// CheckRunner: probes every [[check]] of the config (docs/config.md) every interval_ms, each
// probe bounded by timeout_ms, and hands each outcome to the core as one core::CheckResult;
// the core applies fall, rise and weight. Kinds: command (a shell command, exit 0 = pass),
// ping (one ICMP echo through `ping`), tcp (a connect completes) and http (GET, a 2xx or
// 3xx status line). Children run under a HookRunner of its own; sockets are watched in the
// agent's event loop, which is never blocked. A probe still running is not started again.
// Results come from the event loop (a child's exit, a socket, on_tick), never from start().
// A child's output is kept off the agent's log (ping would write its summary every
// interval); the last line of a failing probe's output ends its detail instead.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/log.h"
#include "core/config.h"
#include "core/events.h"
#include "daemon/child_output.h"
#include "daemon/hook_runner.h"
#include "io/event_loop.h"
#include "io/net_probe.h"

namespace vigil::daemon {

// `ping -n -q -c1 -W<secs> ADDRESS`, secs = timeout_ms rounded up to whole seconds (at
// least 1); the runner still kills it at timeout_ms. iputils ping takes IPv6 literals too.
std::vector<std::string> ping_argv(const std::string& address, int timeout_ms);

class CheckRunner {
public:
    using Report = std::function<void(const core::CheckResult&)>;

    CheckRunner(const core::Config& config, io::EventLoop& loop, Logger& log, Report report);
    // Stops watching; a probe's child still running is left to finish on its own.
    ~CheckRunner();
    CheckRunner(const CheckRunner&) = delete;
    CheckRunner& operator=(const CheckRunner&) = delete;

    // Starts the first probe of every check at once.
    void start(TimePoint now);
    // Ends probes past their timeout, starts those that are due, delivers results decided
    // without waiting (a target that cannot be parsed, a connect refused at once).
    void on_tick(TimePoint now);
    TimePoint next_deadline() const;
    // Reload: this runner's checks are replaced by a new runner's. Kills its probes that are
    // still running and reports nothing any more; keep it until idle(), so that the killed
    // children are reaped (from the event loop) rather than left as zombies.
    void retire();
    bool idle() const { return hooks_.running() == 0; }

private:
    struct Slot {
        TimePoint next_probe = TimePoint::never();  // never until start()
        bool probing = false;
        TimePoint deadline = TimePoint::never();  // a socket probe's timeout
        std::unique_ptr<io::NetProbe> net;
        std::unique_ptr<ChildOutput> output;       // a child probe's, while it runs
        std::optional<io::SocketAddress> address;  // tcp and http
        std::string request;                       // http
        std::string target_error;                  // why the target is unusable
        bool start_error_logged = false;           // logged once, not every interval
        pid_t pid = -1;                            // a child probe's, while it runs
    };

    void probe(TimePoint now, std::size_t check);
    void probe_child(TimePoint now, std::size_t check);
    void probe_socket(TimePoint now, std::size_t check);
    void child_exited(std::size_t check, const HookOutcome& outcome);
    // A probe ended: clears it, then reports (from the loop).
    void probed(std::size_t check, bool ok, std::string detail);
    void queue(std::size_t check, bool ok, std::string detail);
    std::string timeout_detail(std::size_t check) const;

    // A copy: a reload replaces the agent's config while a retired runner still reaps its
    // killed probes, whose indexes belong to the old check list.
    const std::vector<core::CheckConfig> checks_;
    Logger& log_;
    Report report_;
    io::EventLoop& loop_;
    HookRunner hooks_;
    std::vector<Slot> slots_;  // indexed like checks_
    std::vector<core::CheckResult> pending_;
    bool retired_ = false;
};

}  // namespace vigil::daemon
