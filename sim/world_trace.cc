// World: the trace lines of node steps. One line for the event a node handled, then one
// indented "->" line per consequence (role, peer, VIP changes, persisted state, fences,
// the core's own log lines, the datagrams sent). Routine steps (a heartbeat or tick that
// changed nothing) go to the routine ring, the rest to the notable one (trace.h).
#include <algorithm>
#include <cstdio>

#include "sim/world.h"

namespace vigil::sim {
namespace {

// Appends printf output to buf at *len, never past size.
void append(char* buf, std::size_t size, int* len, const char* fmt, auto... args) {
    if (*len < 0 || static_cast<std::size_t>(*len) >= size) return;
    int n = trace_format(buf + *len, size - static_cast<std::size_t>(*len), fmt, args...);
    if (n > 0) *len = std::min<int>(*len + n, static_cast<int>(size) - 1);
}

unsigned long long ull(std::uint64_t v) {
    return static_cast<unsigned long long>(v);
}

// A heartbeat's content, compactly: per group its role, epoch, and the fields that steer
// elections (primary seen, handover, campaign, vote).
void describe(const wire::Heartbeat& hb, TraceLine& line) {
    if (hb.maintenance) line.text(" [maintenance]");
    if (hb.leaving) line.text(" [leaving]");
    for (const wire::GroupState& g : hb.groups) {
        line.text(" | ").text(g.group).text(" ").text(core::role_name(g.role)).text(" e");
        line.number(g.epoch);
        if (!g.primary.empty() && g.role != core::Role::primary)
            line.text(" primary=").text(g.primary);
        if (!g.handoff_to.empty()) line.text(" handoff=").text(g.handoff_to);
        if (!g.switchover_to.empty()) line.text(" switchover=").text(g.switchover_to);
        if (g.campaign_epoch) line.text(" campaign e").number(g.campaign_epoch);
        if (!g.vote_for.empty())
            line.text(" vote ").text(g.vote_for).text("@e").number(g.vote_epoch);
    }
}

}  // namespace

void World::NodeLogger::event(Level level, std::string_view name, std::vector<LogField> fields) {
    if (level == Level::debug) return;
    if (used == lines.size()) lines.emplace_back();
    lines[used].warn = level >= Level::warn;
    std::string& line = lines[used++].text;
    const char* names[] = {"debug", "info", "warn", "error"};
    line.assign("  -> log ");
    line += names[static_cast<int>(level)];
    line += ' ';
    line += name;
    for (const LogField& f : fields) line += " " + f.key + "=" + f.value;
    warned = warned || level >= Level::warn;
}

bool World::notable(std::size_t n, const core::Actions& a) const {
    return a.persist || !a.vip_changes.empty() || !a.announcements.empty() ||
           !a.role_changes.empty() || !a.peer_changes.empty() || !a.fences.empty() ||
           !a.rejected.empty() || !a.accepted.empty() || nodes_[n].logger.warned;
}

void World::trace_event(bool notable, std::size_t n, const core::Event& event, EventKind kind) {
    bool routine = kind == EventKind::tick || kind == EventKind::heartbeat;
    TimePoint local = local_now(n);
    if (const auto* h = std::get_if<core::HeartbeatReceived>(&event)) {
        TraceLine line;
        line.text("recv ").text(name(h->sender)).text("/l").number(h->link);
        line.text(" seq ").number(h->heartbeat.seq).text(" boot ").number(h->heartbeat.boot_id);
        line.text(":");
        describe(h->heartbeat, line);
        trace_.add(notable, real_now_, n, local, line.view());
        return;
    }
    if (std::holds_alternative<core::Tick>(event)) {
        trace_.add(notable, real_now_, n, local, "tick");
        return;
    }
    char buf[400];
    int len = 0;
    const core::Config& c = config();
    if (const auto* s = std::get_if<core::AdminSwitchover>(&event)) {
        append(buf, sizeof buf, &len, "admin: switchover %s to %s", s->group.c_str(),
               s->target.empty() ? "(best)" : s->target.c_str());
    } else if (const auto* m = std::get_if<core::AdminMaintenance>(&event)) {
        append(buf, sizeof buf, &len, "admin: standby %s", m->on ? "on" : "off");
    } else if (const auto* v = std::get_if<core::VipLost>(&event)) {
        append(buf, sizeof buf, &len, "fault: vip %s#%zu lost", c.groups[v->group].name.c_str(),
               v->vip);
    } else if (std::holds_alternative<core::Shutdown>(event)) {
        append(buf, sizeof buf, &len, "admin: shutdown (SIGTERM)");
    } else if (const auto* p = std::get_if<core::StoreProgress>(&event)) {
        routine = true;
        append(buf, sizeof buf, &len, "store %s: log e%llu i%llu, caught up mask %#x",
               c.groups[p->group].name.c_str(), ull(p->last_epoch), ull(p->last_index),
               static_cast<unsigned>(p->caught_up_mask));
    } else if (const auto* f = std::get_if<core::FenceResult>(&event)) {
        append(buf, sizeof buf, &len, "fence of %s for %s: %s", name(f->node).c_str(),
               c.groups[f->group].name.c_str(), f->ok ? "ok (powered off)" : "failed");
    }
    trace_.add(notable || !routine, real_now_, n, local,
               std::string_view(buf, static_cast<std::size_t>(std::max(len, 0))));
}

void World::trace_consequences(std::size_t n, const core::Actions& a) {
    const core::Config& c = config();
    TimePoint local = local_now(n);
    auto line = [&](bool notable, const char* fmt, auto... args) {
        trace_.addf(notable, real_now_, n, local, fmt, args...);
    };
    const NodeLogger& log = nodes_[n].logger;
    for (std::size_t i = 0; i < log.used; ++i)
        trace_.add(log.lines[i].warn, real_now_, n, local, log.lines[i].text);
    if (a.persist) {
        std::string s;
        for (const core::DurableGroup& g : a.persist->groups)
            s += " " + g.group + ":e" + std::to_string(g.epoch) +
                 (g.voted_for.empty() ? "" : "/voted " + g.voted_for);
        line(true, "  -> persist%s", s.c_str());
    }
    for (const core::RoleChange& rc : a.role_changes)
        line(true, "  -> role %s %s -> %s at e%llu: %s", c.groups[rc.group].name.c_str(),
             core::role_name(rc.from), core::role_name(rc.to), ull(rc.epoch), rc.reason.c_str());
    for (const core::VipChange& v : a.vip_changes)
        line(true, "  -> vip %s %s#%zu", v.kind == core::VipChange::Kind::add ? "add" : "remove",
             c.groups[v.group].name.c_str(), v.vip);
    for (const core::VipChange& v : a.announcements)
        line(true, "  -> announce %s#%zu", c.groups[v.group].name.c_str(), v.vip);
    for (const core::PeerChange& p : a.peer_changes) {
        if (p.link)
            line(true, "  -> peer %s link %zu %s: %s", name(p.node).c_str(), *p.link,
                 p.alive ? "up" : "down", p.reason.c_str());
        else
            line(true, "  -> peer %s %s: %s", name(p.node).c_str(), p.alive ? "alive" : "dead",
                 p.reason.c_str());
    }
    for (const core::FenceRequest& f : a.fences)
        line(true, "  -> fence %s for %s", name(f.node).c_str(), c.groups[f.group].name.c_str());
    if (!a.rejected.empty()) line(true, "  -> rejected: %s", a.rejected.c_str());
    if (!a.accepted.empty()) line(true, "  -> accepted: %s", a.accepted.c_str());
}

}  // namespace vigil::sim
