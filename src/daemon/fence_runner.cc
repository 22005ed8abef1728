#include "daemon/fence_runner.h"

#include "io/clock.h"

namespace vigil::daemon {

FenceRunner::FenceRunner(const core::Config& config, HookRunner& hooks, Logger& log, Report report)
    : config_(config), hooks_(hooks), log_(log), report_(std::move(report)) {}

void FenceRunner::start(TimePoint now, const core::FenceRequest& request) {
    const std::size_t g = request.group, n = request.node;
    VIGIL_ASSERT(g < config_.groups.size());
    VIGIL_ASSERT(n < config_.nodes.size());
    if (running(g, n)) return;
    const auto& group = config_.groups[g];
    const std::string& node = config_.nodes[n].name;
    log_.event(Level::warn, "fence_start", {{"group", group.name}, {"node", node}});
    if (group.fence.empty()) {
        failed_starts_.push_back(done(now, g, n, false, "no fence command for this group", 0));
        return;
    }
    auto argv = shell_command_argv(group.fence, "vigil-fence", {node});
    std::vector<std::string> env = {"VIGIL_GROUP=" + group.name, "VIGIL_NODE=" + node};
    auto pid = hooks_.start(now, argv, env, ms(config_.cluster.fence_timeout_ms),
                            [this, g, n](const HookOutcome& o) { finished(g, n, o); });
    if (!pid) {
        failed_starts_.push_back(done(now, g, n, false, pid.error().message, 0));
        return;
    }
    running_.insert({g, n});
}

void FenceRunner::finished(std::size_t g, std::size_t n, const HookOutcome& outcome) {
    running_.erase({g, n});
    std::string detail = outcome.killed
                             ? "killed after fence_timeout_ms (" +
                                   std::to_string(config_.cluster.fence_timeout_ms) + " ms)"
                             : outcome.status.text;
    const bool ok = !outcome.killed && outcome.status.code == 0;
    // Called from the event loop: deliver at once.
    report_(done(io::monotonic_now(), g, n, ok, std::move(detail), outcome.duration));
}

core::FenceResult FenceRunner::done(TimePoint now, std::size_t g, std::size_t n, bool ok,
                                    std::string detail, Micros duration) {
    const std::string& group = config_.groups[g].name;
    const std::string& node = config_.nodes[n].name;
    log_.event(ok ? Level::info : Level::error, "fence_done",
               {{"group", group},
                {"node", node},
                {"ok", ok ? "true" : "false"},
                {"detail", detail},
                {"duration_ms", std::to_string(duration / 1000)}});
    return core::FenceResult{now, g, n, ok, std::move(detail)};
}

void FenceRunner::on_tick(TimePoint now) {
    if (failed_starts_.empty()) return;
    std::vector<core::FenceResult> ready;
    ready.swap(failed_starts_);
    for (auto& r : ready) {
        r.now = now;
        report_(r);
    }
}

TimePoint FenceRunner::next_deadline() const {
    return failed_starts_.empty() ? TimePoint::never() : TimePoint{0};
}

}  // namespace vigil::daemon
