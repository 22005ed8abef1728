#include "cli/status_text.h"

#include <cstdio>
#include <map>
#include <sstream>

namespace vigil::cli {

using json = nlohmann::json;

namespace {
std::string age(const json& ms) {
    if (ms.is_null()) return "never";
    return std::to_string(ms.get<long long>()) + " ms ago";
}
std::string fixed(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%8.1f", v);
    return buf;
}
std::string str(const json& j, const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}
long long num(const json& j, const char* key) {
    return j.contains(key) && j[key].is_number() ? j[key].get<long long>() : 0;
}

// "quorum: 3/3 voters alive, 2 needed", or two_node and its tie-breaker.
std::string quorum_line(const json& s) {
    std::ostringstream o;
    o << "quorum: ";
    if (s.value("two_node", false)) {
        o << "two_node (each node decides alone)";
        if (s.contains("tiebreaker"))
            o << "; tiebreaker " << str(s["tiebreaker"], "address")
              << (s["tiebreaker"].value("reachable", false) ? " reachable" : " UNREACHABLE");
        return o.str();
    }
    const long long alive = num(s, "voters_alive"), needed = num(s, "quorum");
    if (alive < needed) o << "NO QUORUM: ";
    o << alive << "/" << num(s, "voters") << " voters alive, " << needed << " needed";
    return o.str();
}

// The short quorum part of a group's line: votes and lease on a primary, the campaign on a
// candidate, and why this node may not be primary or what fencing is doing.
std::string group_quorum_part(const json& g) {
    std::ostringstream o;
    const bool primary = g.value("role", "") == "primary";
    const bool campaigning = g.value("campaigning", false);
    const long long needed = num(g, "votes_needed");
    if (campaigning) o << "  CAMPAIGNING epoch " << num(g, "campaign_epoch");
    if ((primary || campaigning) && needed > 0) o << "  votes " << num(g, "votes") << "/" << needed;
    if (primary && g.contains("lease_remaining_ms") && g["lease_remaining_ms"].is_number())
        o << "  lease " << num(g, "lease_remaining_ms") << " ms";
    if (!str(g, "not_eligible").empty()) o << "  [not eligible: " << str(g, "not_eligible") << "]";
    if (!str(g, "fence").empty()) o << "  [fence: " << str(g, "fence") << "]";
    if (!str(g, "failover_blocked").empty())
        o << "  [CANNOT FAIL OVER: " << str(g, "failover_blocked") << "]";
    return o.str();
}
}  // namespace

namespace {
// The replicated store of a group (docs/store.md):
// "    store: index 1042 (applied 1042, durable 1042)  keys 311  snapshot at 1000 (every 10000)"
// "      standby n2: in_sync  match 1042  lag 0 entries, 0.0 ms"
// or, on a standby: "    store: standby of n1, index 1042 (applied 1040)"
std::string store_part(const json& st) {
    std::ostringstream o;
    const std::string role = str(st, "role");
    o << "    store: ";
    if (role == "failed") return o.str() + "FAILED: " + str(st, "error") + "\n";
    if (role == "standby")
        o << (st.value("connected", false) ? "standby of " + str(st, "upstream") + ", "
                                           : "standby, NOT CONNECTED to a primary, ");
    else if (role != "primary")
        o << role << ", ";
    o << "index " << num(st, "last_index") << " (applied " << num(st, "applied_index")
      << ", durable " << num(st, "durable_index") << ")  keys " << num(st, "keys")
      << "  snapshot at " << num(st, "snapshot_index") << " (every " << num(st, "snapshot_every")
      << ", " << num(st, "entries_since_snapshot") << " entries since)";
    if (st.contains("sync_set") && st["sync_set"].contains("members")) {
        o << "  sync set";
        for (const auto& m : st["sync_set"]["members"]) o << " " << m.get<std::string>();
    }
    if (st.contains("sync_confirmed") && !st.value("sync_confirmed", false))
        o << "  [sync set not yet confirmed by a quorum: writes wait]";
    o << "\n";
    if (st.contains("standbys"))
        for (const auto& sb : st["standbys"]) {
            char lag[32];
            std::snprintf(lag, sizeof lag, "%.1f", sb.value("lag_ms", 0.0));
            o << "      standby " << str(sb, "name") << ": " << str(sb, "state") << "  match "
              << num(sb, "match_index") << "  lag " << num(sb, "lag_entries") << " entries, "
              << lag << " ms\n";
        }
    return o.str();
}

// "    resource api: running  pid 4711  restarts 1/3  last failure 12 s ago: monitor exit 1"
std::string resource_line(const json& r, bool verbose) {
    std::ostringstream o;
    o << "    resource " << str(r, "name") << ": " << str(r, "state");
    // Replaced or removed by a reload, and being stopped (docs/resources.md "Reload").
    if (r.value("retiring", false)) o << " (retiring)";
    if (r.contains("pid") && r["pid"].is_number()) o << "  pid " << num(r, "pid");
    o << "  restarts " << num(r, "restarts") << "/" << num(r, "max_restarts");
    if (!str(r, "last_failure").empty()) {
        o << "  last failure";
        if (r.contains("last_failure_ago_ms") && r["last_failure_ago_ms"].is_number())
            o << " " << age(r["last_failure_ago_ms"]);
        o << ": " << str(r, "last_failure");
    }
    o << "\n";
    if (verbose && r.contains("output"))
        for (const auto& line : r["output"]) o << "      | " << line.get<std::string>() << "\n";
    return o.str();
}
}  // namespace

namespace {
std::string checks_part(const json& s) {
    std::ostringstream o;
    if (!s.contains("checks") || s["checks"].empty()) return "";
    o << "\nchecks:\n";
    for (const auto& c : s["checks"])
        o << "  " << str(c, "name") << ": " << (c.value("passing", true) ? "passing" : "FAILING")
          << "  weight " << num(c, "weight")
          << (str(c, "detail").empty() ? "" : "  (" + str(c, "detail") + ")") << "\n";
    return o.str();
}

// VRRP routers: a count per state first (an agent may run a thousand), then one line each.
std::string vrrp_part(const json& s) {
    if (!s.contains("vrrp") || s["vrrp"].empty()) return "";
    std::ostringstream o;
    std::map<std::string, int> by_state;
    for (const auto& r : s["vrrp"])
        if (r.value("active", false)) by_state[r.value("state", "?")]++;
    o << "\nvrrp3 routers:";
    for (const auto& [state, n] : by_state) o << "  " << n << " " << state;
    o << "\n";
    for (const auto& r : s["vrrp"]) {
        if (!r.value("active", false)) continue;
        std::string state = r.value("state", "?");
        std::string upper;
        for (char c : state) upper += static_cast<char>(std::toupper(c));
        o << "  " << str(r, "name") << ": " << upper << "  vrid " << num(r, "vrid") << " on "
          << str(r, "interface") << "  priority " << num(r, "priority");
        if (r.value("priority", 0) != r.value("configured_priority", 0))
            o << " (configured " << num(r, "configured_priority") << ")";
        if (r.contains("master") && state != "master")
            o << "  master " << str(r, "master") << " (" << num(r, "master_priority") << ")";
        if (r.contains("sync_group")) o << "  sync group " << str(r, "sync_group");
        if (r.value("waiting_for_sync_group", false)) o << "  (waiting for its sync group)";
        o << "\n";
        if (r.contains("fault")) o << "    fault: " << str(r, "fault") << "\n";
    }
    return o.str();
}
}  // namespace

std::string render_status(const json& s, bool verbose) {
    std::ostringstream o;
    o << "node " << s.value("node", "?") << " (cluster " << s.value("cluster", "?") << ", pid "
      << s.value("pid", 0) << ")";
    if (s.value("witness", false)) o << "  [WITNESS: votes, holds no group]";
    if (s.value("maintenance", false)) o << "  [STANDBY ON: will not be primary]";
    o << "\n";
    if (s.contains("quorum")) o << quorum_line(s) << "\n";  // agents before quorum lack it
    o << "\ngroups:\n";
    for (const auto& g : s["groups"]) {
        std::string role = g.value("role", "?");
        std::string upper;
        for (char c : role) upper += static_cast<char>(std::toupper(c));
        o << "  " << g.value("name", "?") << ": " << upper << "  epoch " << g.value("epoch", 0)
          << "  primary " << (g.value("primary", "").empty() ? "(none)" : g.value("primary", ""));
        if (g.contains("handoff_to"))
            o << "  handing over to " << g["handoff_to"].get<std::string>();
        if (g.value("admin_switchover", false)) o << "  (by switchover)";
        o << group_quorum_part(g) << "\n";
        if (verbose && !str(g, "promised_to").empty()) {
            o << "    promise: to " << str(g, "promised_to");
            if (g.contains("promise_remaining_ms") && g["promise_remaining_ms"].is_number())
                o << ", " << num(g, "promise_remaining_ms") << " ms left";
            o << "\n";
        }
        for (const auto& v : g["vips"]) {
            std::string state = v["present"].is_null()     ? "unknown"
                                : v["present"].get<bool>() ? "present"
                                                           : "absent";
            o << "    vip " << v.value("address", "?") << " on " << v.value("interface", "?")
              << ": " << state << "\n";
        }
        if (!str(g, "fault").empty()) o << "    " << str(g, "fault") << "\n";
        if (!str(g, "failed_here").empty())
            o << "    FAILED HERE (vigil cleanup " << g.value("name", "?")
              << "): " << str(g, "failed_here") << "\n";
        if (!str(g, "releasing").empty()) o << "    " << str(g, "releasing") << "\n";
        if (g.contains("store") && g["store"].is_object()) o << store_part(g["store"]);
        if (g.contains("resources"))
            for (const auto& r : g["resources"]) o << resource_line(r, verbose);
        if (verbose && g.contains("last_failover")) {
            const auto& t = g["last_failover"];
            o << "    last failover: epoch " << t.value("epoch", 0) << ", " << t.value("reason", "")
              << "\n";
            for (const auto& st : t["steps"])
                o << "      +" << fixed(st.value("at_ms", 0.0)) << " ms  " << st.value("event", "")
                  << "\n";
        }
    }
    o << checks_part(s);
    o << vrrp_part(s);
    o << "\npeers:\n";
    for (const auto& p : s["peers"]) {
        o << "  " << p.value("name", "?") << (p.value("witness", false) ? " [witness]" : "") << ": "
          << (p.value("alive", false) ? "ALIVE" : "DEAD") << "  last heard "
          << age(p["last_heard_ms"]);
        if (p.value("maintenance", false)) o << "  [standby on]";
        if (p.value("config_mismatch", false)) o << "  [CONFIG MISMATCH]";
        o << "\n";
        int l = 0;
        for (const auto& link : p["links"])
            o << "    link " << l++ << " " << link.value("address", "?") << ": "
              << (link.value("alive", false) ? "up" : "down") << ", last heard "
              << age(link["last_heard_ms"]) << "\n";
    }
    if (verbose && s.contains("counters")) {
        o << "\ncounters:\n";
        for (const auto& [k, v] : s["counters"].items()) o << "  " << k << " " << v << "\n";
    }
    if (s.value("healthy", false)) {
        o << "\nhealthy\n";
    } else {
        o << "\nUNHEALTHY:\n";
        for (const auto& p : s["problems"]) o << "  - " << p.get<std::string>() << "\n";
    }
    return o.str();
}

}  // namespace vigil::cli
