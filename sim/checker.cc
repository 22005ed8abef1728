// Checker: see checker.h. Messages name nodes, epochs and leases, with lease ends on the
// node's own clock and converted to real time, since overlaps happen in real time.
#include "sim/checker.h"

#include <algorithm>
#include <cstdio>

namespace vigil::sim {
namespace {

std::string fmt(const char* f, auto... args) {
    char buf[512];
    std::snprintf(buf, sizeof buf, f, args...);
    return buf;
}

unsigned long long ull(std::uint64_t v) {
    return static_cast<unsigned long long>(v);
}

std::string seconds(Micros real) {
    return real == kRealNever ? std::string("never") : fmt("%.6f s", to_ms(real) / 1000.0);
}

// "n2 (paused) role primary, epoch 4, clock @..., lease until @... = real ..., VIPs web#0"
std::string node_line(const World& w, std::size_t n, std::size_t g) {
    const core::Node* node = w.node(n);
    if (!node) return w.name(n) + " (down)";
    TimePoint lease = node->lease_expiry(g);
    std::string until = lease.is_never() ? "never" : fmt("@%.6f", to_ms(lease.us) / 1000.0);
    std::string line =
        fmt("%s (%s) role %s, epoch %llu, clock @%.6f, lease until %s = real %s", w.name(n).c_str(),
            state_name(w.state(n)), core::role_name(node->role(g)), ull(node->epoch(g)),
            to_ms(w.local_now(n).us) / 1000.0, until.c_str(),
            seconds(w.clock(n).real_at(lease)).c_str());
    const core::GroupConfig& group = w.config().groups[g];
    std::string vips;
    for (std::size_t v = 0; v < group.vips.size(); ++v)
        if (w.holds_vip(n, g, v)) vips += " " + group.name + "#" + std::to_string(v);
    return line + (vips.empty() ? ", no VIPs" : ", VIPs" + vips);
}

}  // namespace

Checker::Checker(const World& world)
    : groups_(world.config().groups.size()),
      promoted_epoch_(groups_, 0),
      promoted_by_(groups_, kNoNode),
      epoch_seen_(world.node_count() * groups_, 0),
      losses_seen_(world.node_count(), 0) {}

std::optional<Violation> Checker::check(const World& world, const StepReport& step) {
    if (auto v = check_epochs(world, step)) return v;
    if (auto v = check_actions(world, step)) return v;
    return check_one_acting_primary(world);
}

// 1. At any real instant, at most one node per group may act as primary. A paused node
// counts while its lease, read on its own clock at this real instant, is valid: a frozen
// process still has its VIPs. Checking after every step suffices: between steps the set
// of acting nodes can only shrink (leases run out; nobody gains one without a step).
std::optional<Violation> Checker::check_one_acting_primary(const World& w) const {
    for (std::size_t g = 0; g < groups_; ++g) {
        std::size_t first = kNoNode;
        for (std::size_t n = 0; n < w.node_count(); ++n) {
            const core::Node* node = w.node(n);
            if (!node || !node->acting_primary(g, w.local_now(n))) continue;
            if (first == kNoNode) {
                first = n;
                continue;
            }
            Violation v{1, fmt("group %s has two acting primaries, %s and %s, at real %s",
                               w.config().groups[g].name.c_str(), w.name(first).c_str(),
                               w.name(n).c_str(), seconds(w.real_now()).c_str())};
            v.detail = "  " + node_line(w, first, g) + "\n  " + node_line(w, n, g) + "\n";
            return v;
        }
    }
    return std::nullopt;
}

// 2. Epochs only rise: each promotion in a group is at an epoch above every earlier
// promotion in that group, cluster-wide; no node's epoch(g) goes back, restarts included.
// A lost durable state is outside that promise (docs/design.md "Limits, stated"): once any
// node lost its state, the cluster-wide order is no longer checked, and a node that lost
// its state starts its own "never back" check afresh. Invariant 1 is never relaxed.
std::optional<Violation> Checker::check_epochs(const World& w, const StepReport& step) {
    if (step.node != kNoNode && step.actions) {
        for (const core::RoleChange& rc : step.actions->role_changes) {
            if (rc.to != core::Role::primary) continue;
            std::size_t g = rc.group;
            if (rc.epoch <= promoted_epoch_[g] && promoted_by_[g] != kNoNode &&
                w.state_losses() == 0)
                return Violation{
                    2,
                    fmt("group %s: %s promoted at epoch %llu, not above the "
                        "earlier promotion of %s at epoch %llu",
                        w.config().groups[g].name.c_str(), w.name(step.node).c_str(), ull(rc.epoch),
                        w.name(promoted_by_[g]).c_str(), ull(promoted_epoch_[g])),
                    "  " + node_line(w, promoted_by_[g], g) + "\n  " + node_line(w, step.node, g) +
                        "\n"};
            promoted_epoch_[g] = rc.epoch;
            promoted_by_[g] = step.node;
        }
    }
    for (std::size_t n : {step.started, step.node}) {
        if (n == kNoNode || !w.node(n)) continue;
        if (w.state_losses(n) != losses_seen_[n]) {
            losses_seen_[n] = w.state_losses(n);
            for (std::size_t g = 0; g < groups_; ++g) epoch_seen_[n * groups_ + g] = 0;
        }
        for (std::size_t g = 0; g < groups_; ++g) {
            std::uint64_t& seen = epoch_seen_[n * groups_ + g];
            std::uint64_t now = w.node(n)->epoch(g);
            if (now < seen)
                return Violation{
                    2,
                    fmt("group %s: %s's epoch went back from %llu to %llu%s",
                        w.config().groups[g].name.c_str(), w.name(n).c_str(), ull(seen), ull(now),
                        n == step.started ? " across a restart" : ""),
                    "  " + node_line(w, n, g) + "\n"};
            seen = now;
        }
    }
    return std::nullopt;
}

// 3. A node adds or announces a group's VIPs only if it acts as primary right after that
// step, and a primary whose lease ran out demotes on its next step.
// 4. No busy loop: after a Tick the next wakeup lies in the future.
std::optional<Violation> Checker::check_actions(const World& w, const StepReport& step) const {
    if (step.node == kNoNode || !step.actions) return std::nullopt;
    const core::Actions& a = *step.actions;
    const std::size_t n = step.node;
    const core::Node* node = w.node(n);
    if (node) {  // a node that shut down in this step is gone: nothing to hold
        auto check_vip = [&](const core::VipChange& c,
                             const char* what) -> std::optional<Violation> {
            if (c.kind != core::VipChange::Kind::add || node->acting_primary(c.group, step.local))
                return std::nullopt;
            return Violation{3,
                             fmt("%s %s VIP %s#%zu without acting as primary", w.name(n).c_str(),
                                 what, w.config().groups[c.group].name.c_str(), c.vip),
                             "  " + node_line(w, n, c.group) + "\n"};
        };
        for (const auto& c : a.vip_changes)
            if (auto v = check_vip(c, "added")) return v;
        for (const auto& c : a.announcements)
            if (auto v = check_vip(c, "announced")) return v;
        for (std::size_t g = 0; g < groups_; ++g)
            if (node->role(g) == core::Role::primary && !(step.local < node->lease_expiry(g)))
                return Violation{3,
                                 fmt("%s is still primary of %s after a step at or past its "
                                     "lease expiry",
                                     w.name(n).c_str(), w.config().groups[g].name.c_str()),
                                 "  " + node_line(w, n, g) + "\n"};
    }
    if (step.event == EventKind::tick && !(a.next_wakeup > step.local))
        return Violation{
            4,
            fmt("%s asked to be woken at @%.6f, not after the tick at @%.6f (busy "
                "loop)",
                w.name(n).c_str(), to_ms(a.next_wakeup.us) / 1000.0, to_ms(step.local.us) / 1000.0),
            ""};
    return std::nullopt;
}

Liveness::Liveness(const World& world, Micros healed_at)
    : healed_at_(healed_at),
      bound_(recover_bound(world.config())),
      window_(stable_window(world.config())),
      holders_(world.config().groups.size()) {
    (void)observe(world);  // a primary stable at heal has recovered in 0 s
}

std::optional<Violation> Liveness::observe(const World& w) {
    const Micros now = w.real_now();
    Micros stable_from = healed_at_;
    bool all = true;
    for (std::size_t g = 0; g < holders_.size(); ++g) {
        std::size_t acting = kNoNode;
        std::size_t count = 0;
        for (std::size_t n = 0; n < w.node_count(); ++n) {
            const core::Node* node = w.node(n);
            if (node && node->acting_primary(g, w.local_now(n))) acting = n, ++count;
        }
        Holder& h = holders_[g];
        std::uint64_t epoch = count == 1 ? w.node(acting)->epoch(g) : 0;
        if (count != 1) {
            h = Holder{};
        } else if (h.node != acting || h.epoch != epoch) {
            h = Holder{acting, epoch, now};
        }
        all = all && h.node != kNoNode;
        stable_from = std::max(stable_from, h.since);
    }
    if (all && now - stable_from >= window_) {
        converged_ = true;
        recovered_at_ = stable_from;
        return std::nullopt;
    }
    if (now - healed_at_ <= bound_ + window_) return std::nullopt;
    return Violation{5,
                     fmt("no stable primary for every group within %.3f s of heal (stable for "
                         "%.3f s required)",
                         to_ms(bound_) / 1000.0, to_ms(window_) / 1000.0),
                     describe(w)};
}

std::string Liveness::describe(const World& w) const {
    std::string out;
    for (std::size_t g = 0; g < holders_.size(); ++g) {
        out += "  group " + w.config().groups[g].name + ":\n";
        for (std::size_t n = 0; n < w.node_count(); ++n) out += "    " + node_line(w, n, g) + "\n";
    }
    return out;
}

}  // namespace vigil::sim
