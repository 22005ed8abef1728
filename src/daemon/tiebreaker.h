// The two_node tie-breaker (ipfail): every tiebreaker_interval_ms the agent pings the
// configured address once (`ping -c1 -W1 ADDRESS`, through HookRunner) and tells the core,
// as a core::TiebreakerResult, whether it counts as reachable: once, after the first probe,
// then each time the verdict changes. docs/config.md "tiebreaker" explains the rule.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/log.h"
#include "core/events.h"
#include "daemon/hook_runner.h"

namespace vigil::daemon {

// The verdict from the probes, pure. The first probe decides the first verdict; after that
// one answered probe makes the address reachable and kMissesMax unanswered probes in a row
// make it unreachable, so that one lost ICMP packet (or a router rate-limiting its
// replies) does not demote a healthy primary.
class TiebreakerVerdict {
public:
    static constexpr int kMissesMax = 2;

    // Records one probe; returns the verdict if this probe set or changed it.
    std::optional<bool> record(bool answered);
    std::optional<bool> current() const { return reported_; }

private:
    std::optional<bool> reported_;
    int misses_ = 0;  // unanswered probes in a row
};

class Tiebreaker {
public:
    using Report = std::function<void(const core::TiebreakerResult&)>;
    // ping gets this long before it is killed; with -W1 it ends after about a second.
    static constexpr Micros kProbeTimeout = ms(3000);

    Tiebreaker(std::string address, Micros interval, HookRunner& hooks, Logger& log, Report report);
    // Starts a probe when one is due and none is running.
    void on_tick(TimePoint now);
    TimePoint next_deadline() const;
    std::optional<bool> reachable() const { return verdict_.current(); }

private:
    void probed(TimePoint now, bool answered, const std::string& detail);

    std::string address_;
    Micros interval_;
    HookRunner& hooks_;
    Logger& log_;
    Report report_;
    TiebreakerVerdict verdict_;
    TimePoint next_probe_ = TimePoint{0};  // the first probe starts at once
    bool probing_ = false;
    bool start_error_logged_ = false;  // a missing ping is logged once, not every second
};

}  // namespace vigil::daemon
