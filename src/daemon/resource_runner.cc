#include "daemon/resource_runner.h"

#include <signal.h>

#include "io/clock.h"

namespace vigil::daemon {

using core::ResourceConfig;
using core::ResourceOp;
using core::ResourceOutcome;

std::vector<std::string> resource_argv(const ResourceConfig& resource, ResourceOp op) {
    // $0 of the shell names the resource in `ps` and in the shell's own error messages.
    const std::string arg0 = "vigil-" + resource.name;
    switch (resource.kind) {
        case ResourceConfig::Kind::command: {
            const std::string& command = op == ResourceOp::start  ? resource.start
                                         : op == ResourceOp::stop ? resource.stop
                                                                  : resource.monitor;
            if (command.empty()) return {};
            return shell_command_argv(command, arg0, {});
        }
        case ResourceConfig::Kind::systemd_unit:
            switch (op) {
                case ResourceOp::start: return {"systemctl", "start", resource.unit};
                case ResourceOp::stop: return {"systemctl", "stop", resource.unit};
                case ResourceOp::monitor:
                    return {"systemctl", "is-active", "--quiet", resource.unit};
            }
            return {};
        case ResourceConfig::Kind::exec:
            // exec: the shell becomes the process, so its pid and process group are the
            // service's own and SIGTERM reaches the service, not a shell waiting for it.
            if (op == ResourceOp::start)
                return shell_command_argv("exec " + resource.start, arg0, {});
            if (op == ResourceOp::monitor && !resource.monitor.empty())
                return shell_command_argv(resource.monitor, arg0, {});
            return {};
    }
    return {};
}

std::vector<std::string> resource_env(const core::Config& config, std::size_t self,
                                      const core::ResourceCommand& command) {
    const auto& group = config.groups[command.group];
    std::string vips;
    for (const auto& vip : group.vips) vips += (vips.empty() ? "" : " ") + vip.cidr();
    return {
        "VIGIL_NODE=" + config.nodes[self].name,
        "VIGIL_GROUP=" + group.name,
        std::string("VIGIL_ROLE=") + core::role_name(command.role),
        "VIGIL_EPOCH=" + std::to_string(command.epoch),
        "VIGIL_VIPS=" + vips,
        "VIGIL_RESOURCE=" + config.resources[command.resource].name,
        std::string("VIGIL_ACTION=") + core::resource_op_name(command.op),
    };
}

std::pair<ResourceOutcome, std::string> command_outcome(const ResourceConfig& resource,
                                                        ResourceOp op, const HookOutcome& outcome) {
    return {core::resource_outcome(op, outcome.status.code, outcome.killed),
            outcome.killed ? "killed at timeout " + std::to_string(resource.timeout_ms) + " ms"
                           : outcome.status.text};
}

ResourceRunner::ResourceRunner(const core::Config& config, std::size_t self, io::EventLoop& loop,
                               Logger& log, Report report)
    : config_(config),
      self_(self),
      loop_(loop),
      log_(log),
      report_(std::move(report)),
      hooks_(loop),
      slots_(config.resources.size()) {}

ResourceRunner::~ResourceRunner() = default;

void ResourceRunner::config_changed(const std::vector<std::size_t>& fresh) {
    // Indexes never go away (retired entries stay), so the slots only grow.
    VIGIL_ASSERT(config_.resources.size() >= slots_.size());
    slots_.resize(config_.resources.size());
    for (std::size_t r : fresh) slots_[r].failure_tail.clear();
}

void ResourceRunner::run(TimePoint now, const core::ResourceCommand& command) {
    VIGIL_ASSERT(command.resource < slots_.size());
    VIGIL_ASSERT(command.group < config_.groups.size());
    Slot& slot = slots_[command.resource];
    if (slot.active) {
        log_.event(Level::error, "resource_command_refused",
                   {{"resource", config_.resources[command.resource].name},
                    {"op", core::resource_op_name(command.op)},
                    {"running", core::resource_op_name(*slot.active)}});
        queue(command.resource, command.op, ResourceOutcome::failed,
              std::string("refused: ") + core::resource_op_name(*slot.active) +
                  " of this resource is still running",
              false);
        return;
    }
    slot.active = command.op;
    const ResourceConfig& resource = config_.resources[command.resource];
    if (resource.kind != ResourceConfig::Kind::exec) return start_command(now, command);
    switch (command.op) {
        case ResourceOp::start: return start_process(now, command);
        case ResourceOp::stop: return stop_process(now, command.resource);
        case ResourceOp::monitor:
            // The monitor command is a check besides "the process is alive", not instead.
            if (!slot.process)
                return queue(command.resource, command.op, ResourceOutcome::not_running,
                             "process not running");
            if (resource.monitor.empty())
                return queue(command.resource, command.op, ResourceOutcome::ok,
                             "process running, pid " + std::to_string(slot.process->pid));
            return start_command(now, command);
    }
}

void ResourceRunner::start_command(TimePoint now, const core::ResourceCommand& command) {
    const std::size_t r = command.resource;
    const ResourceConfig& resource = config_.resources[r];
    auto argv = resource_argv(resource, command.op);
    if (argv.empty())
        return queue(r, command.op, ResourceOutcome::failed,
                     std::string("no ") + core::resource_op_name(command.op) + " command");
    auto output = open_output(r);
    io::SpawnOptions options;
    options.output_fd = output ? output->write_fd() : -1;
    auto pid = hooks_.start(
        now, argv, resource_env(config_, self_, command), ms(resource.timeout_ms),
        [this, r](const HookOutcome& o) { command_exited(r, o); }, options);
    if (output) output->close_write_fd();
    if (!pid) {
        log_.event(Level::error, "resource_spawn_failed",
                   {{"resource", resource.name},
                    {"op", core::resource_op_name(command.op)},
                    {"error", pid.error().message}});
        return queue(r, command.op, ResourceOutcome::failed, pid.error().message);
    }
    slots_[r].command = Command{command.op, std::move(output)};
}

void ResourceRunner::command_exited(std::size_t resource, const HookOutcome& outcome) {
    Slot& slot = slots_[resource];
    VIGIL_ASSERT(slot.command.has_value());
    Command command = std::move(*slot.command);
    slot.command.reset();
    auto [result, detail] = command_outcome(config_.resources[resource], command.op, outcome);
    if (command.output) command.output->drain();
    if (result != ResourceOutcome::ok)
        slot.failure_tail = command.output ? command.output->tail() : std::vector<std::string>{};
    linger(resource, std::move(command.output));
    deliver(Pending{{io::monotonic_now(), resource, command.op, result, std::move(detail)}});
}

void ResourceRunner::start_process(TimePoint now, const core::ResourceCommand& command) {
    const std::size_t r = command.resource;
    const ResourceConfig& resource = config_.resources[r];
    Slot& slot = slots_[r];
    if (slot.process)
        return queue(r, ResourceOp::start, ResourceOutcome::ok,
                     "already running, pid " + std::to_string(slot.process->pid));
    auto output = open_output(r);
    io::SpawnOptions options;
    options.output_fd = output ? output->write_fd() : -1;
    options.die_with_agent = true;
    auto pid = hooks_.start(
        now, resource_argv(resource, ResourceOp::start), resource_env(config_, self_, command),
        HookRunner::kNoTimeout, [this, r](const HookOutcome& o) { process_exited(r, o); }, options);
    if (output) output->close_write_fd();
    if (!pid) {
        log_.event(Level::error, "resource_spawn_failed",
                   {{"resource", resource.name}, {"op", "start"}, {"error", pid.error().message}});
        return queue(r, ResourceOp::start, ResourceOutcome::failed, pid.error().message);
    }
    if (output) output->set_echo_prefix("resource=" + resource.name + ": ");
    slot.process = Process{*pid, std::move(output), false};
    // An immediate exit is reported after this, as the process's own not_running.
    queue(r, ResourceOp::start, ResourceOutcome::ok, "started, pid " + std::to_string(*pid));
}

void ResourceRunner::stop_process(TimePoint now, std::size_t resource) {
    Slot& slot = slots_[resource];
    if (!slot.process) return queue(resource, ResourceOp::stop, ResourceOutcome::ok, "not running");
    slot.process->stopping = true;
    // The slot's process and the hook runner's run end in the same callback.
    const bool signalled = hooks_.signal(slot.process->pid, SIGTERM);
    VIGIL_ASSERT(signalled);
    hooks_.kill_at(slot.process->pid, now + ms(config_.resources[resource].timeout_ms));
}

void ResourceRunner::process_exited(std::size_t resource, const HookOutcome& outcome) {
    Slot& slot = slots_[resource];
    VIGIL_ASSERT(slot.process.has_value());
    Process process = std::move(*slot.process);
    slot.process.reset();
    if (process.output) process.output->drain();
    std::vector<std::string> tail =
        process.output ? process.output->tail() : std::vector<std::string>{};
    linger(resource, std::move(process.output));
    const TimePoint now = io::monotonic_now();
    if (!process.stopping) {
        slot.failure_tail = std::move(tail);
        return deliver(Pending{{now, resource, ResourceOp::monitor, ResourceOutcome::not_running,
                                "process exited: " + outcome.status.text, /*unasked=*/true},
                               false});
    }
    // Any exit after SIGTERM is a stop that worked; only the kill at the deadline is not.
    auto [result, detail] = command_outcome(config_.resources[resource], ResourceOp::stop, outcome);
    if (outcome.killed) slot.failure_tail = std::move(tail);
    deliver(Pending{{now, resource, ResourceOp::stop, outcome.killed ? result : ResourceOutcome::ok,
                     outcome.killed ? detail : "stopped: " + outcome.status.text}});
}

std::unique_ptr<ChildOutput> ResourceRunner::open_output(std::size_t resource) {
    const std::string& name = config_.resources[resource].name;
    auto output = ChildOutput::open(loop_, log_, "resource=" + name);
    if (output) return std::move(*output);
    // The command still runs, its output going to the agent's stderr.
    log_.event(Level::error, "resource_output_failed",
               {{"resource", name}, {"error", output.error().message}});
    return nullptr;
}

void ResourceRunner::linger(std::size_t resource, std::unique_ptr<ChildOutput> output) {
    std::erase_if(lingering_, [](const auto& o) { return o->at_end(); });
    if (!output || output->at_end()) return;
    output->set_echo_prefix("resource=" + config_.resources[resource].name + ": ");
    lingering_.push_back(std::move(output));
    if (lingering_.size() <= kLingeringMax) return;
    log_.event(Level::warn, "resource_output_dropped",
               {{"reason", "too many output pipes held open by background processes"},
                {"effect", "their next write fails with EPIPE"}});
    lingering_.pop_front();
}

void ResourceRunner::queue(std::size_t resource, ResourceOp op, ResourceOutcome outcome,
                           std::string detail, bool ends_command) {
    pending_.push_back(
        Pending{{TimePoint{}, resource, op, outcome, std::move(detail)}, ends_command});
}

void ResourceRunner::deliver(std::optional<Pending> result) {
    std::deque<Pending> due;
    due.swap(pending_);  // a report may run() the next command, which may queue again
    if (result) due.push_back(std::move(*result));
    for (auto& p : due) {
        if (p.ends_command) slots_[p.result.resource].active.reset();
        if (p.result.now == TimePoint{}) p.result.now = io::monotonic_now();
        report_(p.result);
    }
}

void ResourceRunner::on_tick(TimePoint now) {
    hooks_.on_tick(now);
    std::erase_if(lingering_, [](const auto& o) { return o->at_end(); });
    if (!pending_.empty()) deliver(std::nullopt);
}

TimePoint ResourceRunner::next_deadline() const {
    return pending_.empty() ? hooks_.next_deadline() : TimePoint{0};
}

std::optional<pid_t> ResourceRunner::pid(std::size_t resource) const {
    VIGIL_ASSERT(resource < slots_.size());
    const auto& process = slots_[resource].process;
    return process ? std::optional<pid_t>(process->pid) : std::nullopt;
}

std::vector<std::string> ResourceRunner::output_tail(std::size_t resource) const {
    VIGIL_ASSERT(resource < slots_.size());
    return slots_[resource].failure_tail;
}

bool ResourceRunner::busy() const {
    return !pending_.empty() || hooks_.running() > 0;
}

}  // namespace vigil::daemon
