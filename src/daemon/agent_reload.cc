// Agent: reloading the configuration (`vigil reload`, SIGHUP; docs/config.md "Reload").
// The new file goes through the normal loader; a change the running agent cannot take
// without a restart is refused with the keys named, and the running config is kept. What
// may change live is applied in one step of the loop: the running config is replaced in
// place (the core and the runners hold references to it), the runners learn about new
// resource indexes and checks, and the core turns the difference into stops and starts
// (core::ConfigChanged). Roles, epochs, VIPs and heartbeats are untouched.
#include "daemon/agent.h"
#include "daemon/config_parse.h"
#include "daemon/config_reload.h"
#include "io/clock.h"

namespace vigil::daemon {

namespace {
std::string join(const std::vector<std::string>& lines, const char* separator) {
    std::string out;
    for (const auto& l : lines) out += (out.empty() ? "" : separator) + l;
    return out;
}
}  // namespace

Agent::ReloadOutcome Agent::reload_config(const char* trigger) {
    auto refuse = [&](std::string why) {
        log_.event(Level::error, "config_reload_refused",
                   {{"trigger", trigger},
                    {"file", config_.path},
                    {"error", why},
                    {"effect", "keeping the running configuration"}});
        return ReloadOutcome{false, std::move(why)};
    };
    auto next = load_config(config_.path);
    if (!next) return refuse(next.error().message);
    if (!next->node_index(config_.nodes[self_].name))
        return refuse("node " + config_.nodes[self_].name + " is not in " + config_.path);
    if (std::string busy = node_.reload_blocker(); !busy.empty()) return refuse(busy);
    ReloadPlan plan = plan_reload(config_, std::move(*next));
    if (!plan.refusals.empty()) return refuse(join(plan.refusals, "\n"));
    const std::string changes = plan.changes.empty() ? "none" : join(plan.changes, "; ");
    const bool checks_changed = !(plan.merged.checks == config_.checks);
    // From here on the core's and the runners' references see the new config; the core
    // must hear of it before any other event reaches it.
    config_ = std::move(plan.merged);
    if (resources_) resources_->config_changed(plan.fresh);
    const TimePoint now = io::monotonic_now();
    if (!witness_ && checks_changed) {
        // Probes of the old set still running are killed and their results dropped: their
        // indexes may mean other checks now. The core keeps each unchanged check's verdict
        // meanwhile. The old runner stays until its killed children have been reaped.
        std::erase_if(retired_checks_, [](const auto& r) { return r->idle(); });
        if (checks_) {
            checks_->retire();
            retired_checks_.push_back(std::move(checks_));
        }
        if (!config_.checks.empty()) {
            checks_ = std::make_unique<CheckRunner>(
                config_, loop_, log_, [this](const core::CheckResult& r) { feed(r); });
            checks_->start(now);
        }
    }
    feed(core::ConfigChanged{now});
    log_.event(Level::info, "config_reloaded",
               {{"trigger", trigger}, {"file", config_.path}, {"changes", changes}});
    return ReloadOutcome{
        true, "reloaded " + config_.path +
                  (plan.changes.empty() ? ": no changes" : ":\n  " + join(plan.changes, "\n  "))};
}

}  // namespace vigil::daemon
