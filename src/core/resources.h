// GroupResources: the lifecycle of one group's managed resources on this node, as a
// deterministic state machine (docs/resources.md). Node tells it whether the resources are
// wanted here (acting primary, no planned move under way); it answers with the start, stop
// and monitor commands due now and says when everything has stopped, so that a planned
// move removes the VIPs only after the services are down.
//
// Rules:
//  - At start-up every resource is probed (a monitor); one found running where it is not
//    wanted is stopped (cleanup after a crash). Nothing starts before every probe answered.
//  - Starting goes in order: resource i starts only when every resource before it runs and
//    its own start succeeded and its first monitor passed. Stopping goes in reverse: i
//    stops only when every resource after it has stopped.
//  - A running resource is monitored every monitor_interval_ms. A failure (monitor not 0,
//    the exec process gone) stops it and the ones after it, then starts them again, up to
//    max_restarts in restart_window_s. Past that, or when a start or first monitor fails,
//    the group has failed here: the resources from the failed one on stay stopped and
//    Node hands the group over (or keeps it with FAULT when nobody else can run it).
//  - A failed stop is logged and counted as stopped (its command was killed at the
//    timeout); the group is then failed here, since the service's state is unknown.
//  - Reload (reload()): the slots before the first position where the group's list
//    changed are kept untouched; the old ones from there on retire (stopped last first,
//    then dropped); the new ones are added stopped and start in order once every retiring
//    one is gone.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "common/log.h"
#include "core/config.h"
#include "core/events.h"

namespace vigil::core {

enum class ResourceState : std::uint8_t { unknown, stopped, starting, running, stopping, failed };
const char* resource_state_name(ResourceState state);

struct ResourceStatus {
    std::string name;
    ResourceState state = ResourceState::unknown;
    int restarts = 0;  // within the restart window
    std::string last_failure;
    TimePoint last_failure_at = TimePoint::never();
    std::size_t resource = 0;  // Config::resources index
    bool retiring = false;     // replaced or removed by a reload; stopping, then gone
    std::uint64_t restarts_total = 0;  // since the agent started (vigil_resource_restarts_total)
};

class GroupResources {
public:
    // REQUIRES: config and logger outlive this object; group < config.groups.size().
    // managed = false (a witness): the group's resources are not this node's business.
    GroupResources(const Config& config, std::size_t group, Logger& logger, bool managed);

    void set_wanted(bool wanted) { wanted_ = wanted; }
    bool wanted() const { return wanted_; }
    // A report for one of this group's resources (Config::resources index).
    void on_result(const ResourceResult& result);
    // Operator: restart `resource` (and those after it) without counting a failure.
    // Returns why not, or "" when accepted.
    std::string restart(std::size_t resource, TimePoint now);
    // Operator: forget the failures; the group may run here again.
    void cleanup(TimePoint now);
    // Reload: the group's `resources` list in the config was replaced in place (see
    // ConfigChanged in events.h). Returns the first position where the list changed.
    // REQUIRES: !reloading().
    std::size_t reload(TimePoint now);
    // Resources retired by a reload are still to be stopped.
    bool reloading() const;
    // Expire a failure past failure_timeout_s; returns true if it did.
    bool expire_failure(TimePoint now);
    // Appends the commands due at `now`; role and epoch go into their environment.
    void reconcile(TimePoint now, Role role, std::uint64_t epoch,
                   std::vector<ResourceCommand>& out);

    bool empty() const { return slots_.empty(); }
    // Failed here: may not run on this node until cleanup or failure_timeout_s.
    bool failed() const { return failed_index_.has_value(); }
    const std::string& failure() const { return failure_; }
    // Every resource stopped and no command in flight (probes included).
    bool all_stopped() const;
    bool all_running() const;
    TimePoint next_wakeup() const;
    std::vector<ResourceStatus> status(TimePoint now) const;

private:
    struct Slot {
        std::size_t resource;  // Config::resources index
        ResourceState state = ResourceState::unknown;
        std::optional<ResourceOp> in_flight;
        bool verifying = false;        // started; its first monitor is in flight
        bool restart_pending = false;  // operator restart: stop, then start again
        bool retiring = false;         // reload: stop it, then drop the slot
        TimePoint next_monitor = TimePoint::never();
        TimePoint not_before{INT64_MIN};  // restart backoff
        std::deque<TimePoint> restarts;   // within the window
        std::uint64_t restarts_total = 0;  // never pruned: a counter for the metrics
        std::string last_failure;
        TimePoint last_failure_at = TimePoint::never();
    };

    const ResourceConfig& config_of(const Slot& slot) const;
    const std::string& name_of(const Slot& slot) const { return config_of(slot).name; }
    void resource_failed(Slot& slot, TimePoint now, const std::string& reason, bool counts);
    void group_failed(std::size_t index, TimePoint now, std::string reason);
    bool keep(std::size_t index) const;
    bool must_stop(std::size_t index) const;
    void prune(Slot& slot, TimePoint now) const;
    void issue(Slot& slot, ResourceOp op, Role role, std::uint64_t epoch,
               std::vector<ResourceCommand>& out);
    void log_event(Level level, const char* event, const Slot& slot,
                   std::vector<LogField> fields = {});
    void drop_retired();

    const Config& config_;
    std::size_t group_;
    Logger& log_;
    std::vector<Slot> slots_;
    bool managed_ = false;
    bool wanted_ = false;
    std::optional<std::size_t> failed_index_;  // slots from here on may not run here
    std::string failure_;
    TimePoint failed_at_ = TimePoint::never();
    TimePoint now_{INT64_MIN};
};

}  // namespace vigil::core
