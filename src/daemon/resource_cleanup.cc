#include "daemon/resource_cleanup.h"

#include <optional>

#include "daemon/hook_runner.h"
#include "daemon/resource_runner.h"
#include "io/clock.h"

namespace vigil::daemon {

namespace {

// Runs one stop to its end (or its kill at the deadline) in a loop of its own.
core::ResourceResult run_stop(const core::Config& config, std::size_t self,
                              const core::ResourceCommand& command) {
    const core::ResourceConfig& resource = config.resources[command.resource];
    auto failed = [&](std::string detail) {
        return core::ResourceResult{io::monotonic_now(), command.resource, command.op,
                                    core::ResourceOutcome::failed, std::move(detail)};
    };
    auto argv = resource_argv(resource, command.op);
    if (argv.empty()) return failed("no stop command");
    io::EventLoop loop;
    HookRunner hooks(loop);
    std::optional<HookOutcome> outcome;
    auto pid =
        hooks.start(io::monotonic_now(), argv, resource_env(config, self, command),
                    ms(resource.timeout_ms), [&outcome](const HookOutcome& o) { outcome = o; });
    if (!pid) return failed(pid.error().message);
    while (!outcome) {
        loop.wake_at(hooks.next_deadline());
        // A failed wait is retried: the child's deadline still ends it.
        (void)loop.run_once([&hooks] { hooks.on_tick(io::monotonic_now()); });
    }
    auto [result, detail] = command_outcome(resource, command.op, *outcome);
    return {io::monotonic_now(), command.resource, command.op, result, std::move(detail)};
}

const char* outcome_name(core::ResourceOutcome outcome) {
    switch (outcome) {
        case core::ResourceOutcome::ok: return "ok";
        case core::ResourceOutcome::not_running: return "not_running";
        case core::ResourceOutcome::failed: return "failed";
        case core::ResourceOutcome::timed_out: return "timed_out";
    }
    return "unknown";
}

}  // namespace

void stop_all_resources(const core::Config& config, std::size_t self, Logger& log) {
    for (std::size_t g = 0; g < config.groups.size(); ++g) {
        const auto& resources = config.groups[g].resources;
        for (auto it = resources.rbegin(); it != resources.rend(); ++it) {
            const core::ResourceConfig& resource = config.resources[*it];
            if (resource.kind == core::ResourceConfig::Kind::exec) continue;  // PDEATHSIG
            core::ResourceCommand command{*it, core::ResourceOp::stop, g, core::Role::standby, 0};
            core::ResourceResult result = run_stop(config, self, command);
            const bool ok = result.outcome == core::ResourceOutcome::ok;
            log.event(ok ? Level::info : Level::error, "resource_cleanup",
                      {{"group", config.groups[g].name},
                       {"resource", resource.name},
                       {"result", outcome_name(result.outcome)},
                       {"detail", result.detail}});
        }
    }
}

}  // namespace vigil::daemon
