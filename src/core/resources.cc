// GroupResources: see resources.h for the rules; docs/resources.md for the reasoning.
#include "core/resources.h"

#include <algorithm>

#include "common/assert.h"

namespace vigil::core {

const char* resource_state_name(ResourceState state) {
    switch (state) {
        case ResourceState::unknown: return "unknown";
        case ResourceState::stopped: return "stopped";
        case ResourceState::starting: return "starting";
        case ResourceState::running: return "running";
        case ResourceState::stopping: return "stopping";
        case ResourceState::failed: return "failed";
    }
    return "unknown";
}

namespace {
// Restarts after the first come after a pause that doubles, so that a service that dies at
// once is not restarted in a tight loop (supervisord's backoff).
constexpr Micros kBackoffFirst = ms(250);
constexpr Micros kBackoffMax = ms(10000);

Micros backoff(std::size_t restarts_before) {
    if (restarts_before == 0) return 0;
    Micros b = kBackoffFirst;
    for (std::size_t i = 1; i < restarts_before && b < kBackoffMax; ++i) b *= 2;
    return std::min(b, kBackoffMax);
}
}  // namespace

GroupResources::GroupResources(const Config& config, std::size_t group, Logger& logger,
                               bool managed)
    : config_(config), group_(group), log_(logger), managed_(managed) {
    VIGIL_ASSERT(group < config.groups.size());
    if (!managed) return;
    for (std::size_t r : config.groups[group].resources) {
        VIGIL_ASSERT(r < config.resources.size());
        slots_.push_back(Slot{r});
    }
}

const ResourceConfig& GroupResources::config_of(const Slot& slot) const {
    return config_.resources[slot.resource];
}

void GroupResources::log_event(Level level, const char* event, const Slot& slot,
                               std::vector<LogField> fields) {
    fields.insert(fields.begin(), {{"group", config_.groups[group_].name}, {"resource", name_of(slot)}});
    log_.event(level, event, std::move(fields));
}

void GroupResources::prune(Slot& slot, TimePoint now) const {
    const Micros window = ms(std::int64_t{config_of(slot).restart_window_s} * 1000);
    while (!slot.restarts.empty() && now - slot.restarts.front() >= window)
        slot.restarts.pop_front();
}

void GroupResources::group_failed(std::size_t index, TimePoint now, std::string reason) {
    if (failed_index_ && *failed_index_ <= index) return;
    failed_index_ = index;
    failure_ = std::move(reason);
    failed_at_ = now;
    log_.event(Level::error, "group_failed",
               {{"group", config_.groups[group_].name},
                {"resource", name_of(slots_[index])},
                {"reason", failure_}});
}

void GroupResources::resource_failed(Slot& slot, TimePoint now, const std::string& reason,
                                     bool counts) {
    slot.state = ResourceState::failed;
    slot.verifying = false;
    slot.next_monitor = TimePoint::never();
    slot.last_failure = reason;
    slot.last_failure_at = now;
    const std::size_t index = static_cast<std::size_t>(&slot - slots_.data());
    if (!counts || !wanted_ || slot.retiring || (failed_index_ && *failed_index_ <= index))
        return;
    const ResourceConfig& rc = config_of(slot);
    prune(slot, now);
    if (slot.restarts.size() < static_cast<std::size_t>(rc.max_restarts)) {
        slot.not_before = now + backoff(slot.restarts.size());
        slot.restarts.push_back(now);
        slot.restarts_total++;
        log_event(Level::warn, "resource_restart", slot,
                  {{"restarts", std::to_string(slot.restarts.size())},
                   {"max_restarts", std::to_string(rc.max_restarts)},
                   {"window_s", std::to_string(rc.restart_window_s)},
                   {"reason", reason}});
        return;
    }
    group_failed(index, now,
                 rc.name + " failed " + std::to_string(slot.restarts.size() + 1) + " times in " +
                     std::to_string(rc.restart_window_s) + " s (max_restarts " +
                     std::to_string(rc.max_restarts) + "): " + reason);
}

void GroupResources::on_result(const ResourceResult& r) {
    now_ = r.now;
    auto it = std::find_if(slots_.begin(), slots_.end(),
                           [&](const Slot& s) { return s.resource == r.resource; });
    // A late report (an exec process's exit) of a resource a reload retired and dropped
    // once it had stopped: nothing of it runs here any more.
    if (it == slots_.end()) return;
    Slot& slot = *it;
    const std::size_t index = static_cast<std::size_t>(it - slots_.begin());
    const bool ok = r.outcome == ResourceOutcome::ok;
    if (r.unasked || slot.in_flight != r.op) {
        // Unasked: an exec process exited. Only a failure of something that should run
        // matters; anything else is a late echo of a command already accounted for. A
        // command in flight (a monitor too) keeps running: its own result is still due, and
        // the runner takes no other command of this resource before it.
        if (ok || (slot.state != ResourceState::running && !slot.verifying)) return;
        if (slot.verifying) {
            // It died before its first monitor could pass: a failed start, the same however
            // the exit and that monitor are ordered.
            log_event(Level::error, "resource_start_failed", slot, {{"reason", r.detail}});
            resource_failed(slot, r.now, r.detail, false);
            group_failed(index, r.now, name_of(slot) + " could not start: " + r.detail);
            return;
        }
        log_event(Level::error, "resource_failed", slot, {{"reason", r.detail}});
        resource_failed(slot, r.now, r.detail, true);
        return;
    }
    slot.in_flight.reset();
    const std::string what = std::string(resource_op_name(r.op)) + " " + r.detail;
    switch (r.op) {
        case ResourceOp::start:
            if (slot.state != ResourceState::starting) return;
            if (!ok) {
                log_event(Level::error, "resource_start_failed", slot, {{"reason", what}});
                resource_failed(slot, r.now, what, false);
                group_failed(index, r.now, name_of(slot) + " could not start: " + what);
                return;
            }
            slot.verifying = true;  // its first monitor decides (reconcile issues it now)
            return;
        case ResourceOp::stop:
            slot.state = ResourceState::stopped;
            slot.restart_pending = false;
            if (!ok) {
                // The stop command was killed or failed: the service may still run. Count it
                // stopped so that the move goes on, but this node may not run it again.
                log_event(Level::error, "resource_stop_failed", slot, {{"reason", what}});
                slot.last_failure = what;
                slot.last_failure_at = r.now;
                group_failed(index, r.now, name_of(slot) + " did not stop: " + what);
                return;
            }
            log_event(Level::info, "resource_stopped", slot);
            return;
        case ResourceOp::monitor:
            break;
    }
    // A monitor: a probe at start-up, the first after a start, or a routine one.
    const bool running = ok;
    const std::string reason = r.outcome == ResourceOutcome::not_running
                                   ? "monitor: not running (" + r.detail + ")"
                                   : "monitor " + r.detail;
    if (slot.state == ResourceState::unknown) {
        slot.state = running ? ResourceState::running
                     : r.outcome == ResourceOutcome::not_running ? ResourceState::stopped
                                                                 : ResourceState::failed;
        if (slot.state != ResourceState::stopped)
            log_event(Level::warn, "resource_found", slot,
                      {{"state", resource_state_name(slot.state)}, {"detail", r.detail}});
        if (slot.state == ResourceState::running)
            slot.next_monitor = r.now + ms(config_of(slot).monitor_interval_ms);
        return;
    }
    if (slot.verifying) {
        slot.verifying = false;
        if (!running) {
            log_event(Level::error, "resource_start_failed", slot, {{"reason", reason}});
            resource_failed(slot, r.now, reason, false);
            group_failed(index, r.now, name_of(slot) + " could not start: " + reason);
            return;
        }
        slot.state = ResourceState::running;
        slot.next_monitor = r.now + ms(config_of(slot).monitor_interval_ms);
        log_event(Level::info, "resource_running", slot);
        return;
    }
    if (slot.state != ResourceState::running) return;
    if (running) {
        slot.next_monitor = r.now + ms(config_of(slot).monitor_interval_ms);
        return;
    }
    log_event(Level::error, "resource_failed", slot, {{"reason", reason}});
    resource_failed(slot, r.now, reason, true);
}

std::string GroupResources::restart(std::size_t resource, TimePoint now) {
    now_ = now;
    for (Slot& slot : slots_) {
        if (slot.resource != resource) continue;
        if (!wanted_) return "it does not run on this node";
        if (slot.state != ResourceState::running)
            return std::string("it is ") + resource_state_name(slot.state) + ", not running";
        slot.restart_pending = true;
        log_event(Level::info, "resource_restart", slot, {{"reason", "operator request"}});
        return "";
    }
    return "not a resource of this group";
}

void GroupResources::cleanup(TimePoint now) {
    now_ = now;
    log_.event(Level::info, "group_cleanup",
               {{"group", config_.groups[group_].name}, {"was", failure_.empty() ? "-" : failure_}});
    failed_index_.reset();
    failure_.clear();
    failed_at_ = TimePoint::never();
    for (Slot& slot : slots_) {
        slot.restarts.clear();
        slot.not_before = TimePoint{INT64_MIN};
        slot.last_failure.clear();
        slot.last_failure_at = TimePoint::never();
    }
}

std::size_t GroupResources::reload(TimePoint now) {
    VIGIL_ASSERT(!reloading());
    now_ = now;
    const std::vector<std::size_t>& list = config_.groups[group_].resources;
    if (!managed_) return list.size();
    std::size_t first = 0;
    while (first < slots_.size() && first < list.size() && slots_[first].resource == list[first])
        ++first;
    // The old tail stays, in its order, so that the reverse-order stop applies to it; the
    // new tail follows it and waits (keep() is false for a retiring slot, which stops the
    // start loop there) until every retiring slot has stopped and been dropped.
    for (std::size_t i = first; i < slots_.size(); ++i) {
        VIGIL_ASSERT(config_.resources[slots_[i].resource].retired);
        slots_[i].retiring = true;
        slots_[i].restart_pending = false;
    }
    for (std::size_t i = first; i < list.size(); ++i) {
        VIGIL_ASSERT(!config_.resources[list[i]].retired);
        slots_.push_back(Slot{list[i], ResourceState::stopped});
    }
    // A group failed here stays failed (vigil cleanup): whatever was failed from `first` on
    // is replaced, but the new resources do not run here either until then.
    if (failed_index_ && *failed_index_ > first) failed_index_ = first;
    drop_retired();
    return first;
}

bool GroupResources::reloading() const {
    return std::any_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.retiring; });
}

void GroupResources::drop_retired() {
    auto done = [](const Slot& s) {
        return s.retiring && s.state == ResourceState::stopped && !s.in_flight;
    };
    auto first = std::find_if(slots_.begin(), slots_.end(), done);
    if (first == slots_.end()) return;
    const std::size_t position = static_cast<std::size_t>(first - slots_.begin());
    for (const Slot& s : slots_)
        if (done(s)) log_event(Level::info, "resource_retired", s);
    std::erase_if(slots_, done);
    // Slots before `position` keep their place; a failure recorded at or after it still
    // covers everything from there on.
    if (failed_index_ && *failed_index_ > position) failed_index_ = position;
}

bool GroupResources::expire_failure(TimePoint now) {
    const int timeout_s = config_.groups[group_].failure_timeout_s;
    if (!failed_index_ || timeout_s <= 0) return false;
    if (now - failed_at_ < ms(std::int64_t{timeout_s} * 1000)) return false;
    cleanup(now);
    return true;
}

bool GroupResources::keep(std::size_t index) const {
    return wanted_ && !slots_[index].retiring && !(failed_index_ && index >= *failed_index_);
}

bool GroupResources::must_stop(std::size_t index) const {
    const Slot& s = slots_[index];
    switch (s.state) {
        case ResourceState::failed: return true;
        case ResourceState::running:
        case ResourceState::starting: return !keep(index) || s.restart_pending;
        default: return false;
    }
}

void GroupResources::issue(Slot& slot, ResourceOp op, Role role, std::uint64_t epoch,
                           std::vector<ResourceCommand>& out) {
    slot.in_flight = op;
    out.push_back({slot.resource, op, group_, role, epoch});
}

void GroupResources::reconcile(TimePoint now, Role role, std::uint64_t epoch,
                               std::vector<ResourceCommand>& out) {
    now_ = now;
    drop_retired();
    bool probing = false;
    for (Slot& slot : slots_) {
        if (slot.state != ResourceState::unknown) continue;
        probing = true;
        if (!slot.in_flight) issue(slot, ResourceOp::monitor, role, epoch, out);
    }
    // A started resource's first monitor, and routine monitors; none for a resource about
    // to be stopped, which would only delay its stop.
    for (std::size_t i = 0; i < slots_.size(); ++i) {
        Slot& slot = slots_[i];
        if (slot.in_flight || must_stop(i)) continue;
        if (slot.verifying || (slot.state == ResourceState::running && now >= slot.next_monitor))
            issue(slot, ResourceOp::monitor, role, epoch, out);
    }
    // Stops, in reverse: everything from the lowest resource that must stop on is stopped,
    // the last one first.
    std::optional<std::size_t> frontier;
    for (std::size_t i = 0; i < slots_.size() && !frontier; ++i)
        if (must_stop(i)) frontier = i;
    if (frontier) {
        for (std::size_t i = slots_.size(); i-- > *frontier;) {
            Slot& slot = slots_[i];
            // Wait for whatever runs (a start, a monitor, a probe, the stop itself): a probe
            // may yet find this one running, and it must stop before those below it.
            if (slot.in_flight) return;
            if (slot.state == ResourceState::stopped || slot.state == ResourceState::unknown)
                continue;
            slot.state = ResourceState::stopping;
            slot.verifying = false;
            slot.next_monitor = TimePoint::never();
            log_event(Level::info, "resource_stop", slot);
            issue(slot, ResourceOp::stop, role, epoch, out);
            return;
        }
        return;
    }
    if (probing) return;  // nothing starts before every leftover was found and stopped
    // Starts, in order: the first resource wanted but not running.
    for (std::size_t i = 0; i < slots_.size(); ++i) {
        Slot& slot = slots_[i];
        if (!keep(i)) return;
        if (slot.state == ResourceState::running) continue;
        if (slot.state != ResourceState::stopped || slot.in_flight || now < slot.not_before)
            return;
        slot.state = ResourceState::starting;
        log_event(Level::info, "resource_start", slot,
                  {{"epoch", std::to_string(epoch)}});
        issue(slot, ResourceOp::start, role, epoch, out);
        return;
    }
}

bool GroupResources::all_stopped() const {
    return std::all_of(slots_.begin(), slots_.end(), [](const Slot& s) {
        return s.state == ResourceState::stopped && !s.in_flight;
    });
}

bool GroupResources::all_running() const {
    return std::all_of(slots_.begin(), slots_.end(),
                       [](const Slot& s) { return s.state == ResourceState::running; });
}

TimePoint GroupResources::next_wakeup() const {
    TimePoint next = TimePoint::never();
    for (std::size_t i = 0; i < slots_.size(); ++i) {
        const Slot& s = slots_[i];
        // A resource waiting to be stopped is not monitored (reconcile).
        if (s.state == ResourceState::running && !s.in_flight && !must_stop(i))
            next = std::min(next, s.next_monitor);
        if (s.state == ResourceState::stopped && wanted_ && s.not_before > now_)
            next = std::min(next, s.not_before);
    }
    const int timeout_s = config_.groups[group_].failure_timeout_s;
    if (failed_index_ && timeout_s > 0)
        next = std::min(next, failed_at_ + ms(std::int64_t{timeout_s} * 1000));
    return next;
}

std::vector<ResourceStatus> GroupResources::status(TimePoint now) const {
    std::vector<ResourceStatus> out;
    for (const Slot& s : slots_) {
        ResourceStatus st{name_of(s),        s.state,    0,          s.last_failure,
                          s.last_failure_at, s.resource, s.retiring, s.restarts_total};
        const Micros window = ms(std::int64_t{config_of(s).restart_window_s} * 1000);
        for (TimePoint t : s.restarts)
            if (now - t < window) ++st.restarts;
        out.push_back(std::move(st));
    }
    return out;
}

}  // namespace vigil::core
