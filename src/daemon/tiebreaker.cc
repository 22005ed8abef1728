#include "daemon/tiebreaker.h"

#include "io/clock.h"

namespace vigil::daemon {

std::optional<bool> TiebreakerVerdict::record(bool answered) {
    misses_ = answered ? 0 : misses_ + 1;
    bool verdict = answered;
    if (reported_ && !answered && misses_ < kMissesMax) verdict = *reported_;
    if (reported_ == verdict) return std::nullopt;
    reported_ = verdict;
    return verdict;
}

Tiebreaker::Tiebreaker(std::string address, Micros interval, HookRunner& hooks, Logger& log,
                       Report report)
    : address_(std::move(address)),
      interval_(interval),
      hooks_(hooks),
      log_(log),
      report_(std::move(report)) {}

void Tiebreaker::on_tick(TimePoint now) {
    if (probing_ || now < next_probe_) return;
    next_probe_ = now + interval_;
    // -n: no reverse lookup; -q: only the summary. The exit status is the answer.
    std::vector<std::string> argv = {"ping", "-n", "-q", "-c1", "-W1", address_};
    auto pid = hooks_.start(now, argv, {}, kProbeTimeout, [this](const HookOutcome& o) {
        probing_ = false;
        probed(io::monotonic_now(), !o.killed && o.status.code == 0,
               o.killed ? "ping killed after 3 s" : "ping " + o.status.text);
    });
    if (!pid) {
        if (!start_error_logged_)
            log_.event(Level::error, "tiebreaker_probe_failed",
                       {{"address", address_},
                        {"error", pid.error().message},
                        {"effect", "counts as unreachable"}});
        start_error_logged_ = true;
        probed(now, false, pid.error().message);
        return;
    }
    start_error_logged_ = false;
    probing_ = true;
}

void Tiebreaker::probed(TimePoint now, bool answered, const std::string& detail) {
    auto changed = verdict_.record(answered);
    if (!changed) return;
    log_.event(*changed ? Level::info : Level::warn,
               *changed ? "tiebreaker_reachable" : "tiebreaker_unreachable",
               {{"address", address_}, {"detail", detail}});
    report_(core::TiebreakerResult{now, *changed});
}

TimePoint Tiebreaker::next_deadline() const {
    return probing_ ? TimePoint::never() : next_probe_;
}

}  // namespace vigil::daemon
