#include "daemon/service_notifier.h"

#include <algorithm>

#include "common/assert.h"

namespace vigil::daemon {

namespace {

void append(std::string& out, const std::string& part) {
    if (!out.empty()) out += "; ";
    out += part;
}

std::string group_wait(const core::GroupStatus& gs, bool vips_held, bool restart_holdoff,
                       TimePoint now, TimePoint settled_at, Micros dead_time) {
    switch (gs.role) {
        case core::Role::primary: return vips_held ? "" : gs.name + ": primary, adding its VIPs";
        case core::Role::fault: return "";  // settled, badly: the summary and `vigil status` say so
        case core::Role::starting:
        case core::Role::standby: break;
    }
    if (!gs.primary.empty()) return "";
    if (gs.campaigning)
        return gs.name + ": asking for votes (" + std::to_string(gs.votes) + " of " +
               std::to_string(gs.votes_needed) + " needed)";
    // Nobody serves the group yet. An eligible node is about to run for it, or to see the
    // better node's campaign win; so is one that only waits out its restart holdoff.
    if (restart_holdoff) return gs.name + ": waiting out promises made before a restart";
    if (gs.not_eligible.empty()) return gs.name + ": waiting for an election";
    // This node cannot serve it (no quorum, maintenance, no priority, ...): wait one dead
    // time for a primary's heartbeat before calling "no primary" settled.
    if (now < settled_at + dead_time) return gs.name + ": looking for its primary";
    return "";
}

}  // namespace

std::string readiness_wait(const core::NodeStatus& st, const std::vector<bool>& vips_held,
                           TimePoint now, TimePoint settled_at, Micros dead_time) {
    if (!st.settled) return "joining the cluster: waiting to hear from every peer (init_dead)";
    // A witness serves no group: joining is all it does.
    if (st.witness) return "";
    VIGIL_ASSERT(vips_held.size() == st.groups.size());
    std::string out;
    for (std::size_t g = 0; g < st.groups.size(); ++g)
        append(out, group_wait(st.groups[g], vips_held[g], st.restart_holdoff, now, settled_at,
                               dead_time));
    return out;
}

std::string role_summary(const core::NodeStatus& st) {
    std::string out;
    if (st.witness) {
        out = "witness: hears " + std::to_string(st.voters_alive) + " voters, quorum " +
              std::to_string(st.quorum);
        return out;
    }
    for (const auto& gs : st.groups) {
        std::string part = gs.name + ": " + core::role_name(gs.role);
        if (gs.role != core::Role::primary)
            part += gs.primary.empty() ? ", no primary" : ", primary " + gs.primary;
        part += " (epoch " + std::to_string(gs.epoch) + ")";
        append(out, part);
    }
    if (st.maintenance) out += " [maintenance]";
    return out;
}

ServiceNotifier::ServiceNotifier(io::ServiceManager& manager, Logger& log, TimePoint start,
                                 Micros dead_time)
    : manager_(manager),
      log_(log),
      dead_time_(dead_time),
      watchdog_interval_(manager.watchdog_interval()),
      next_ping_(watchdog_interval_ > 0 ? start : TimePoint::never()) {}

void ServiceNotifier::update(TimePoint now, const core::NodeStatus& st,
                             const std::vector<bool>& vips_held) {
    if (stopping_) return;  // STOPPING=1 and its STATUS= stay until the end
    last_update_ = now;
    if (st.settled && settled_at_.is_never()) settled_at_ = now;
    const std::string wait = readiness_wait(st, vips_held, now, settled_at_, dead_time_);
    if (ready_) {
        if (std::string summary = role_summary(st); summary != status_) send("STATUS=" + summary);
        return;
    }
    const bool gave_up =
        !settled_at_.is_never() && now >= settled_at_ + kReadyWaitDeadTimes * dead_time_;
    if (!wait.empty() && !gave_up) {
        if (std::string text = "starting: " + wait; text != status_) send("STATUS=" + text);
        return;
    }
    ready_ = true;
    const std::string summary = role_summary(st);
    send("READY=1\nSTATUS=" + summary);
    std::vector<LogField> fields{{"status", summary}};
    if (!wait.empty()) fields.push_back({"still_waiting", wait});
    log_.event(wait.empty() ? Level::info : Level::warn, "service_ready", std::move(fields));
}

void ServiceNotifier::on_tick(TimePoint now) {
    if (now < next_ping_) return;
    send("WATCHDOG=1");
    // Half the interval, as sd_watchdog_enabled(3) advises: a late wake-up or two still
    // keeps the service alive, a loop that stopped does not.
    next_ping_ = now + watchdog_interval_ / 2;
}

void ServiceNotifier::stopping(const std::string& why) {
    if (stopping_) return;
    stopping_ = true;
    send("STOPPING=1\nSTATUS=stopping: " + why);
}

TimePoint ServiceNotifier::next_deadline() const {
    TimePoint next = next_ping_;
    if (ready_ || stopping_ || settled_at_.is_never()) return next;
    // While not ready, wake at the two instants update() decides by time; past ones are
    // behind us (the readiness they gate is decided by events now) and must not make the
    // loop spin.
    for (TimePoint t : {settled_at_ + dead_time_, settled_at_ + kReadyWaitDeadTimes * dead_time_})
        if (t > last_update_) next = std::min(next, t);
    return next;
}

void ServiceNotifier::send(const std::string& state) {
    if (state.starts_with("STATUS="))
        status_ = state.substr(7);
    else if (auto at = state.find("\nSTATUS="); at != std::string::npos)
        status_ = state.substr(at + 8);
    auto r = manager_.notify(state);
    if (r || send_failed_logged_) return;
    send_failed_logged_ = true;  // once: a broken socket would otherwise log every ping
    log_.event(Level::warn, "sd_notify_failed", {{"error", r.error().message}});
}

}  // namespace vigil::daemon
