// FenceRunner: carries out the core's FenceRequests. For each (group, node) it runs the
// group's fence command with the node's name appended (as notify hooks are run: a shell
// command line, /bin/sh -c 'CMD "$@"' vigil-fence NODE), kills it at fence_timeout_ms, logs
// fence_start / fence_done, and hands the outcome back as a core::FenceResult. Results are
// always delivered from the event loop (on_tick or a child's exit), never from inside
// start(), so that the core is not stepped again while the agent is carrying out a step.
#pragma once

#include <functional>
#include <set>
#include <utility>
#include <vector>

#include "common/log.h"
#include "core/config.h"
#include "core/events.h"
#include "daemon/hook_runner.h"

namespace vigil::daemon {

class FenceRunner {
public:
    using Report = std::function<void(const core::FenceResult&)>;

    FenceRunner(const core::Config& config, HookRunner& hooks, Logger& log, Report report);
    // Starts the fence command for request.node. A request for a (group, node) whose fence
    // is still running is ignored: its result is coming.
    void start(TimePoint now, const core::FenceRequest& request);
    // Delivers the results of requests that could not even start.
    void on_tick(TimePoint now);
    TimePoint next_deadline() const;
    bool running(std::size_t group, std::size_t node) const {
        return running_.count({group, node}) != 0;
    }

private:
    void finished(std::size_t group, std::size_t node, const HookOutcome& outcome);
    // Logs fence_done and makes the result.
    core::FenceResult done(TimePoint now, std::size_t group, std::size_t node, bool ok,
                           std::string detail, Micros duration);

    const core::Config& config_;
    HookRunner& hooks_;
    Logger& log_;
    Report report_;
    std::set<std::pair<std::size_t, std::size_t>> running_;  // (group, node)
    std::vector<core::FenceResult> failed_starts_;           // delivered by on_tick
};

}  // namespace vigil::daemon
