// Agent: the control socket. One JSON request per connection, one JSON reply
// (docs/control.md). Bad requests get {"ok":false,"error":...}; nothing here can stop
// the agent.
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "daemon/agent.h"
#include "daemon/quorum_status.h"
#include "io/clock.h"

namespace vigil::daemon {

using json = nlohmann::json;

namespace {
json age_ms(TimePoint now, TimePoint then) {
    if (then.is_never()) return nullptr;
    return (now - then) / 1000;
}
// Time left until `until`, in ms, never below 0; null for "never" (no deadline).
json remaining_ms(TimePoint now, TimePoint until) {
    if (until.is_never()) return nullptr;
    return std::max<Micros>(0, until - now) / 1000;
}
std::string hex(const std::uint8_t* bytes, std::size_t n) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        out += digits[bytes[i] >> 4];
        out += digits[bytes[i] & 15];
    }
    return out;
}
}  // namespace

std::string Agent::handle_control(const std::string& request) {
    // The JSON library throws on type mismatches; a client's mistake must never reach
    // the agent's loop (daemon/ converts third-party exceptions at the boundary).
    try {
        return handle_control_request(request);
    } catch (const std::exception& e) {
        return json{{"ok", false}, {"error", std::string("bad request: ") + e.what()}}.dump();
    }
}

std::string Agent::handle_control_request(const std::string& request) {
    json req = json::parse(request, nullptr, /*allow_exceptions=*/false);
    if (req.is_discarded() || !req.is_object() || !req.contains("cmd") || !req["cmd"].is_string())
        return json{{"ok", false}, {"error", "request must be a JSON object with \"cmd\""}}.dump();
    std::string cmd = req["cmd"];
    TimePoint now = io::monotonic_now();
    if (cmd == "status") {
        if (req.contains("verbose") && !req["verbose"].is_boolean())
            return json{{"ok", false}, {"error", "\"verbose\" must be true or false"}}.dump();
        bool verbose = req.value("verbose", false);
        json reply = status_json(verbose);
        reply["ok"] = true;
        return reply.dump();
    }
    if (cmd == "reload") {
        ReloadOutcome r = reload_config("control");
        if (!r.applied) return json{{"ok", false}, {"error", r.message}}.dump();
        return json{{"ok", true}, {"result", r.message}}.dump();
    }
    core::Actions actions;
    if (cmd == "switchover") {
        if (!req.contains("group") || !req["group"].is_string())
            return json{{"ok", false}, {"error", "switchover needs \"group\""}}.dump();
        if (req.contains("to") && !req["to"].is_string())
            return json{{"ok", false}, {"error", "\"to\" must be a node name"}}.dump();
        std::string target = req.contains("to") ? req["to"].get<std::string>() : "";
        actions = node_.step(core::AdminSwitchover{now, req["group"], target});
    } else if (cmd == "resource_restart") {
        if (!req.contains("resource") || !req["resource"].is_string())
            return json{{"ok", false}, {"error", "resource_restart needs \"resource\""}}.dump();
        actions = node_.step(core::AdminResourceRestart{now, req["resource"]});
    } else if (cmd == "cleanup") {
        if (!req.contains("group") || !req["group"].is_string())
            return json{{"ok", false}, {"error", "cleanup needs \"group\""}}.dump();
        actions = node_.step(core::AdminCleanup{now, req["group"]});
    } else if (cmd == "standby") {
        if (!req.contains("on") || !req["on"].is_boolean())
            return json{{"ok", false}, {"error", "standby needs \"on\": true|false"}}.dump();
        actions = node_.step(core::AdminMaintenance{now, req["on"].get<bool>()});
    } else {
        return json{{"ok", false},
                    {"error", "unknown cmd \"" + cmd +
                                  "\" (status, switchover, standby, resource_restart, cleanup, "
                                  "reload)"}}
            .dump();
    }
    perform(actions, now);
    if (!actions.rejected.empty()) return json{{"ok", false}, {"error", actions.rejected}}.dump();
    log_.event(Level::info, "admin_command", {{"cmd", cmd}, {"result", actions.accepted}});
    return json{{"ok", true}, {"result", actions.accepted}}.dump();
}

json Agent::resources_json(TimePoint now, std::size_t g, const core::GroupStatus& gs,
                           bool verbose) const {
    json out = json::array();
    for (std::size_t i = 0; i < gs.resources.size(); ++i) {
        const core::ResourceStatus& rs = gs.resources[i];
        (void)g;
        const std::size_t r = rs.resource;  // retired ones (a reload) are listed too
        const core::ResourceConfig& rc = config_.resources[r];
        const char* kind = rc.kind == core::ResourceConfig::Kind::exec           ? "exec"
                           : rc.kind == core::ResourceConfig::Kind::systemd_unit ? "systemd_unit"
                                                                                 : "command";
        auto pid = resources_ ? resources_->pid(r) : std::nullopt;
        json jr{{"name", rs.name},
                {"kind", kind},
                {"state", core::resource_state_name(rs.state)},
                {"retiring", rs.retiring},
                {"pid", pid ? json(*pid) : json(nullptr)},
                {"restarts", rs.restarts},
                {"max_restarts", rc.max_restarts},
                {"last_failure", rs.last_failure},
                {"last_failure_ago_ms", rs.last_failure_at.is_never()
                                            ? json(nullptr)
                                            : json((now - rs.last_failure_at) / 1000)}};
        if (verbose && resources_) jr["output"] = resources_->output_tail(r);
        out.push_back(std::move(jr));
    }
    return out;
}

json Agent::status_json(bool verbose) {
    TimePoint now = io::monotonic_now();
    core::NodeStatus st = node_.status();
    json out;
    out["node"] = st.name;
    out["pid"] = getpid();
    out["cluster"] = config_.cluster.name;
    out["config_digest"] = hex(config_.digest.data(), wire::kDigestBytes);
    out["maintenance"] = st.maintenance;
    json problems = json::array();
    if (!st.settled) problems.push_back("starting: waiting to hear from peers");
    add_quorum_status(config_, st, out, problems);
    out["witness"] = witness_;  // from the config: it is what this agent runs as
    json groups = json::array();
    for (std::size_t g = 0; g < st.groups.size(); ++g) {
        const auto& gs = st.groups[g];
        json jg{{"name", gs.name},
                {"role", core::role_name(gs.role)},
                {"epoch", gs.epoch},
                {"primary", gs.primary},
                {"admin_switchover", gs.admin},
                {"elections", gs.elections}};
        if (!gs.handoff_to.empty()) jg["handoff_to"] = gs.handoff_to;
        if (gs.primary_via_peer) jg["primary_seen_via_peer"] = true;
        jg["votes"] = gs.votes;
        jg["votes_needed"] = gs.votes_needed;
        jg["campaigning"] = gs.campaigning;
        jg["campaign_epoch"] = gs.campaign_epoch;
        // Only a primary has a lease; null there means it needs none (two_node).
        jg["lease_remaining_ms"] =
            gs.role == core::Role::primary ? remaining_ms(now, gs.lease_expiry) : json(nullptr);
        jg["promised_to"] = gs.promised_to;
        jg["promise_remaining_ms"] =
            gs.promised_to.empty() ? json(nullptr) : remaining_ms(now, gs.promise_expiry);
        jg["not_eligible"] = gs.not_eligible;
        jg["failover_blocked"] = gs.failover_blocked;
        jg["fence"] = gs.fence;
        json vips = json::array();
        // A witness holds no VIPs: it lists none and never looks at its interfaces.
        for (const auto& vip : witness_ ? std::vector<core::VipConfig>{} : config_.groups[g].vips) {
            auto present = addresses_->present(vip);
            json jv{{"address", vip.cidr()}, {"interface", vip.interface}};
            jv["present"] = present ? json(*present) : json(nullptr);
            if (gs.role == core::Role::primary && !(present && *present))
                problems.push_back(gs.name + ": vip " + vip.cidr() + " missing on primary");
            vips.push_back(jv);
        }
        jg["vips"] = vips;
        jg["resources"] = resources_json(now, g, gs, verbose);
        jg["failed_here"] = gs.failed_here;
        jg["fault"] = gs.fault;
        jg["releasing"] = gs.releasing;
        if (auto store = store_status_json(g, now); !store.is_null()) {
            // The sync set as the core holds it (proposed by a primary, stored by others).
            json members = json::array();
            for (std::size_t n = 0; n < config_.nodes.size() && n < 32; ++n)
                if (gs.sync_mask & (1u << n)) members.push_back(config_.nodes[n].name);
            store["sync_set"] = {{"epoch", gs.sync_epoch}, {"seq", gs.sync_seq},
                                 {"members", members}};
            jg["store"] = store;
        }
        if (!gs.fault.empty()) problems.push_back(gs.name + ": " + gs.fault);
        else if (!gs.failed_here.empty())
            problems.push_back(gs.name + ": failed here: " + gs.failed_here);
        if (st.settled && gs.primary.empty()) problems.push_back(gs.name + ": no primary");
        if (gs.role == core::Role::fault) problems.push_back(gs.name + ": fault");
        const Timeline& t = timelines_[g];
        if (verbose && !t.steps.empty()) {
            json steps = json::array();
            for (const auto& s : t.steps)
                steps.push_back({{"at_ms", static_cast<double>(s.at - t.steps[0].at) / 1000.0},
                                 {"event", s.what}});
            jg["last_failover"] = {{"epoch", t.epoch},
                                   {"reason", t.reason},
                                   {"promoted_unix_ms", t.promoted_realtime_us / 1000},
                                   {"steps", steps}};
        }
        groups.push_back(jg);
    }
    out["groups"] = groups;
    json peers = json::array();
    for (const auto& p : st.peers) {
        auto n = *config_.node_index(p.name);
        json links = json::array();
        for (std::size_t l = 0; l < p.link_alive.size(); ++l)
            links.push_back({{"address", config_.nodes[n].addresses[l]},
                             {"alive", p.link_alive[l]},
                             {"last_heard_ms", age_ms(now, p.link_last_heard[l])}});
        if (p.config_mismatch && p.alive)
            problems.push_back("peer " + p.name + " runs a different configuration");
        peers.push_back({{"name", p.name},
                         {"witness", config_.nodes[n].witness},
                         {"alive", p.alive},
                         {"maintenance", p.maintenance},
                         {"config_mismatch", p.config_mismatch},
                         {"last_heard_ms", age_ms(now, p.last_heard)},
                         {"links", links}});
    }
    out["peers"] = peers;
    json checks = json::array();
    for (const auto& c : st.checks) {
        checks.push_back({{"name", c.name},
                          {"passing", c.passing},
                          {"probed", c.probed},
                          {"weight", c.weight},
                          {"detail", c.detail}});
        if (!c.passing) problems.push_back("check " + c.name + " failing: " + c.detail);
    }
    out["checks"] = checks;
    if (vrrp_) {
        out["vrrp"] = vrrp_->status_json();
        for (const auto& r : out["vrrp"])
            if (r.contains("fault"))
                problems.push_back("vrrp3 group " + r["name"].get<std::string>() +
                                   " in fault: " + r["fault"].get<std::string>());
    }
    out["healthy"] = problems.empty();
    out["problems"] = problems;
    if (verbose) {
        const Counters& c = counters_;
        out["counters"] = {{"heartbeats_sent", c.sent},
                           {"send_errors", c.send_errors},
                           {"datagrams_received", c.received},
                           {"heartbeats_accepted", c.accepted},
                           {"malformed", c.malformed},
                           {"auth_failures", c.auth_failures},
                           {"replays_rejected", c.replays},
                           {"unknown_sender", c.unknown_sender},
                           {"wrong_link", c.wrong_link},
                           {"vips_readded", c.vips_readded},
                           {"announcements_sent", c.announcements},
                           {"lease_records_deferred", c.lease_records_deferred}};
        if (vrrp_) {
            const VrrpCounters& v = vrrp_->counters();
            json dropped = json::object();
            for (std::size_t i = 1; i < v.dropped.size(); ++i)
                dropped[wire::vrrp_drop_name(static_cast<wire::VrrpDrop>(i))] = v.dropped[i];
            out["vrrp_counters"] = {{"adverts_sent", v.sent},
                                    {"send_errors", v.send_errors},
                                    {"packets_received", v.received},
                                    {"adverts_accepted", v.accepted},
                                    {"dropped", dropped},
                                    {"vip_errors", v.vip_errors}};
        }
    }
    return out;
}

}  // namespace vigil::daemon
