// Agent: the HTTP endpoints (docs/metrics.md). [metrics] serves GET /metrics, the
// Prometheus text format; [status_page] serves GET / (web/status.html, embedded at build)
// and GET /status.json (the verbose status of the control socket plus "failovers"). When
// both tables name the same address, one server serves all three routes.
#include <nlohmann/json.hpp>

#include "daemon/agent.h"
#include "daemon/metrics.h"
#include "daemon/status_page_html.h"
#include "io/clock.h"

#ifndef VIGIL_VERSION
#define VIGIL_VERSION "unknown"
#endif

namespace vigil::daemon {

using json = nlohmann::json;

namespace {
std::string listen_text(const core::HttpListenConfig& l) {
    return (l.ipv6 ? "[" + l.address + "]" : l.address) + ":" + std::to_string(l.port);
}
}  // namespace

Result<void> Agent::open_http() {
    const core::HttpListenConfig& m = config_.metrics;
    const core::HttpListenConfig& s = config_.status_page;
    auto open = [this](const core::HttpListenConfig& l) -> Result<io::HttpServer*> {
        auto server = std::make_unique<io::HttpServer>(loop_, [] { return io::monotonic_now(); });
        if (auto r = server->listen(l.address, l.port, l.ipv6); !r) return r.error();
        http_.push_back(std::move(server));
        return http_.back().get();
    };
    io::HttpServer* metrics_server = nullptr;
    if (m.enabled) {
        auto server = open(m);
        if (!server) return server.error();
        metrics_server = *server;
        metrics_server->route("/metrics", [this] {
            return io::HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8",
                                    metrics_text()};
        });
        log_.event(Level::info, "http_listening",
                   {{"address", listen_text(m)}, {"serves", "/metrics"}});
    }
    if (s.enabled) {
        const bool shared = m.enabled && m.address == s.address && m.port == s.port;
        io::HttpServer* server = metrics_server;
        if (!shared) {
            auto opened = open(s);
            if (!opened) return opened.error();
            server = *opened;
        }
        server->route("/", [] {
            return io::HttpResponse{200, "text/html; charset=utf-8",
                                    std::string(status_page_html())};
        });
        server->route("/status.json", [this] {
            return io::HttpResponse{200, "application/json", status_page_json().dump()};
        });
        log_.event(Level::info, "http_listening",
                   {{"address", listen_text(s)}, {"serves", "/ /status.json"}});
    }
    return {};
}

json Agent::status_page_json() {
    json out = status_json(/*verbose=*/true);
    std::vector<std::string> names;
    for (const auto& g : config_.groups) names.push_back(g.name);
    out["failovers"] = failovers_.to_json(timelines_, names);
    out["ok"] = true;  // the same object as the control socket's reply
    return out;
}

std::string Agent::metrics_text() {
    const TimePoint now = io::monotonic_now();
    const core::NodeStatus st = node_.status();
    // `healthy` has one definition: the one `vigil status` shows.
    const json status = status_json(/*verbose=*/false);
    MetricsSnapshot s;
    s.version = VIGIL_VERSION;
    s.start_time_seconds = static_cast<double>(started_realtime_us_) / 1e6;
    s.healthy = status.value("healthy", false);
    s.maintenance = st.maintenance;
    s.voters_alive = st.voters_alive;
    s.quorum = st.quorum;
    const Counters& c = counters_;
    s.heartbeats_sent = c.sent;
    s.send_errors = c.send_errors;
    s.packets_received = c.received;
    s.heartbeats_accepted = c.accepted;
    s.malformed = c.malformed;
    s.auth_failures = c.auth_failures;
    s.replays = c.replays;
    s.unknown_sender = c.unknown_sender;
    s.wrong_link = c.wrong_link;
    s.vips_readded = c.vips_readded;
    s.announcements = c.announcements;
    for (std::size_t g = 0; g < st.groups.size(); ++g) {
        const core::GroupStatus& gs = st.groups[g];
        MetricsSnapshot::Group mg{gs.name,      core::role_name(gs.role),       gs.epoch,
                                  gs.elections, timeline_phases(timelines_[g]), {}};
        for (const auto& r : gs.resources) {
            // A definition retired by a reload shares its name with its replacement: the
            // series are the replacement's, and the retiring copy's stop shows in status.
            if (r.retiring) continue;
            mg.resources.push_back(
                {r.name, r.state == core::ResourceState::running, r.restarts_total});
        }
        s.groups.push_back(std::move(mg));
    }
    for (const auto& p : st.peers) {
        const std::size_t node = *config_.node_index(p.name);
        MetricsSnapshot::Peer mp{p.name, p.alive, {}};
        for (std::size_t l = 0; l < p.link_alive.size(); ++l) {
            MetricsSnapshot::Link ml{std::to_string(l), p.link_alive[l], std::nullopt,
                                     heartbeat_loss_.lost(node, l)};
            if (!p.link_last_heard[l].is_never())
                ml.heartbeat_age_seconds = static_cast<double>(now - p.link_last_heard[l]) / 1e6;
            mp.links.push_back(std::move(ml));
        }
        s.peers.push_back(std::move(mp));
    }
    if (vrrp_) {
        s.has_vrrp = true;
        for (std::size_t r = 0; r < config_.vrrp.size(); ++r) {
            const auto vs = vrrp_->set().status(r);
            if (!vs.active) continue;
            s.vrrp.push_back({config_.vrrp[r].name, core::vrrp_state_name(vs.state), vs.priority,
                              vs.became_master, vs.adverts_received});
        }
        const VrrpCounters& v = vrrp_->counters();
        s.vrrp_adverts_sent = v.sent;
        s.vrrp_send_errors = v.send_errors;
        s.vrrp_adverts_accepted = v.accepted;
        for (std::size_t i = 1; i < v.dropped.size(); ++i)
            s.vrrp_dropped.emplace_back(wire::vrrp_drop_name(static_cast<wire::VrrpDrop>(i)),
                                        v.dropped[i]);
    }
    for (std::size_t g = 0; g < stores_.size(); ++g) {
        if (!stores_[g]) continue;
        const GroupStore& store = *stores_[g];
        MetricsSnapshot::Store ms;
        ms.group = config_.groups[g].name;
        ms.primary_ready = !store.unavailable().has_value();
        ms.last_index = store.log().last_index();
        ms.applied_index = store.state().applied_index();
        const auto& snap = store.log().snapshot();
        ms.snapshot_index = snap ? snap->index : 0;
        ms.keys = store.state().key_count();
        ms.writes_committed = store.writes_committed();
        for (const auto& v : store.standby_views(now))
            ms.standbys.push_back({v.name, store::standby_state_name(v.state), v.lag_entries,
                                   static_cast<double>(v.lag) / 1e6});
        s.stores.push_back(std::move(ms));
    }
    return render_metrics(s);
}

}  // namespace vigil::daemon
