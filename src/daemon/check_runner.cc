#include "daemon/check_runner.h"

#include <csignal>

#include "io/clock.h"

namespace vigil::daemon {

using core::CheckConfig;

std::vector<std::string> ping_argv(const std::string& address, int timeout_ms) {
    // -n: no reverse lookup; -q: only the summary. The exit status is the answer.
    int seconds = std::max(1, (timeout_ms + 999) / 1000);
    return {"ping", "-n", "-q", "-c1", "-W" + std::to_string(seconds), address};
}

CheckRunner::CheckRunner(const core::Config& config, io::EventLoop& loop, Logger& log,
                         Report report)
    : checks_(config.checks),
      log_(log),
      report_(std::move(report)),
      loop_(loop),
      hooks_(loop),
      slots_(config.checks.size()) {
    for (std::size_t c = 0; c < slots_.size(); ++c) {
        const CheckConfig& check = config.checks[c];
        Slot& slot = slots_[c];
        if (check.kind == CheckConfig::Kind::tcp) {
            auto address = io::parse_host_port(check.target);
            if (address)
                slot.address = *address;
            else
                slot.target_error = address.error().message;
        } else if (check.kind == CheckConfig::Kind::http) {
            auto target = io::parse_http_url(check.target);
            if (target) {
                slot.address = target->address;
                slot.request = target->request;
            } else {
                slot.target_error = target.error().message;
            }
        }
        // The config parser checks targets; this is a second line of defence.
        if (!slot.target_error.empty())
            log_.event(Level::error, "check_target_invalid",
                       {{"check", check.name}, {"error", slot.target_error}});
    }
}

CheckRunner::~CheckRunner() = default;

void CheckRunner::retire() {
    retired_ = true;
    pending_.clear();
    for (Slot& slot : slots_) {
        slot.net.reset();  // a socket probe: closed, its callback never runs
        if (slot.pid > 0) (void)hooks_.signal(slot.pid, SIGKILL);
    }
}

void CheckRunner::start(TimePoint now) {
    for (std::size_t c = 0; c < slots_.size(); ++c) probe(now, c);
}

void CheckRunner::on_tick(TimePoint now) {
    hooks_.on_tick(now);
    for (std::size_t c = 0; c < slots_.size(); ++c) {
        Slot& slot = slots_[c];
        if (slot.net && now >= slot.deadline) {
            slot.net.reset();
            slot.probing = false;
            queue(c, false, timeout_detail(c));
        }
        if (!slot.probing && now >= slot.next_probe) probe(now, c);
    }
    std::vector<core::CheckResult> due;
    due.swap(pending_);
    for (auto& result : due) {
        result.now = io::monotonic_now();
        report_(result);
    }
}

TimePoint CheckRunner::next_deadline() const {
    if (!pending_.empty()) return TimePoint{0};
    TimePoint next = hooks_.next_deadline();
    for (const Slot& slot : slots_)
        next = std::min(next, slot.probing ? slot.deadline : slot.next_probe);
    return next;
}

void CheckRunner::probe(TimePoint now, std::size_t check) {
    Slot& slot = slots_[check];
    VIGIL_ASSERT(!slot.probing);
    slot.next_probe = now + ms(checks_[check].interval_ms);
    if (!slot.target_error.empty()) return queue(check, false, slot.target_error);
    switch (checks_[check].kind) {
        case CheckConfig::Kind::command:
        case CheckConfig::Kind::ping: return probe_child(now, check);
        case CheckConfig::Kind::tcp:
        case CheckConfig::Kind::http: return probe_socket(now, check);
    }
}

void CheckRunner::probe_child(TimePoint now, std::size_t check) {
    const CheckConfig& config = checks_[check];
    Slot& slot = slots_[check];
    auto argv = config.kind == CheckConfig::Kind::ping
                    ? ping_argv(config.target, config.timeout_ms)
                    : shell_command_argv(config.target, "vigil-check-" + config.name, {});
    auto output = ChildOutput::open(loop_, log_, "check=" + config.name);
    if (output) slot.output = std::move(*output);  // else its output goes to our stderr
    io::SpawnOptions options;
    options.output_fd = slot.output ? slot.output->write_fd() : -1;
    auto pid = hooks_.start(
        now, argv, {}, ms(config.timeout_ms),
        [this, check](const HookOutcome& o) { child_exited(check, o); }, options);
    if (slot.output) slot.output->close_write_fd();
    if (!pid) {
        slot.output.reset();
        if (!slot.start_error_logged)
            log_.event(Level::error, "check_probe_failed",
                       {{"check", config.name},
                        {"error", pid.error().message},
                        {"effect", "counts as failed"}});
        slot.start_error_logged = true;
        return queue(check, false, pid.error().message);
    }
    slot.start_error_logged = false;
    slot.pid = *pid;
    slot.probing = true;
    slot.deadline = TimePoint::never();  // the hook runner kills it at the timeout
}

void CheckRunner::child_exited(std::size_t check, const HookOutcome& outcome) {
    constexpr std::size_t kDetailLineBytesMax = 200;
    Slot& slot = slots_[check];
    slot.pid = -1;
    std::vector<std::string> tail;
    if (slot.output) {
        slot.output->drain();
        tail = slot.output->tail();
        slot.output.reset();
    }
    if (outcome.killed) return probed(check, false, timeout_detail(check));
    const bool ok = outcome.status.code == 0;
    std::string detail = outcome.status.text;
    if (checks_[check].kind == CheckConfig::Kind::ping) detail = "ping " + detail;
    if (!ok && !tail.empty() && !tail.back().empty())
        detail += ": " + tail.back().substr(0, kDetailLineBytesMax);
    probed(check, ok, std::move(detail));
}

void CheckRunner::probe_socket(TimePoint now, std::size_t check) {
    Slot& slot = slots_[check];
    auto net = io::NetProbe::start(
        loop_, *slot.address, slot.request,
        [this, check](bool ok, const std::string& detail) { probed(check, ok, detail); });
    if (!net) return queue(check, false, net.error().message);
    slot.net = std::move(*net);
    slot.probing = true;
    slot.deadline = now + ms(checks_[check].timeout_ms);
}

void CheckRunner::probed(std::size_t check, bool ok, std::string detail) {
    Slot& slot = slots_[check];
    slot.probing = false;
    slot.deadline = TimePoint::never();
    slot.net.reset();  // a socket probe's own callback: it touches nothing after this
    if (retired_) return;
    report_(core::CheckResult{io::monotonic_now(), check, ok, std::move(detail)});
}

void CheckRunner::queue(std::size_t check, bool ok, std::string detail) {
    pending_.push_back(core::CheckResult{TimePoint{}, check, ok, std::move(detail)});
}

std::string CheckRunner::timeout_detail(std::size_t check) const {
    return "timeout after " + std::to_string(checks_[check].timeout_ms) + " ms";
}

}  // namespace vigil::daemon
