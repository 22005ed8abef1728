#include "cli/status_text.h"

#include <cstdio>
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
}  // namespace

std::string render_status(const json& s, bool verbose) {
    std::ostringstream o;
    o << "node " << s.value("node", "?") << " (cluster " << s.value("cluster", "?") << ", pid "
      << s.value("pid", 0) << ")";
    if (s.value("maintenance", false)) o << "  [STANDBY ON: will not be primary]";
    o << "\n\ngroups:\n";
    for (const auto& g : s["groups"]) {
        std::string role = g.value("role", "?");
        std::string upper;
        for (char c : role) upper += static_cast<char>(std::toupper(c));
        o << "  " << g.value("name", "?") << ": " << upper << "  epoch " << g.value("epoch", 0)
          << "  primary " << (g.value("primary", "").empty() ? "(none)" : g.value("primary", ""));
        if (g.contains("handoff_to"))
            o << "  handing over to " << g["handoff_to"].get<std::string>();
        if (g.value("admin_switchover", false)) o << "  (by switchover)";
        o << "\n";
        for (const auto& v : g["vips"]) {
            std::string state = v["present"].is_null()     ? "unknown"
                                : v["present"].get<bool>() ? "present"
                                                           : "absent";
            o << "    vip " << v.value("address", "?") << " on " << v.value("interface", "?")
              << ": " << state << "\n";
        }
        if (verbose && g.contains("last_failover")) {
            const auto& t = g["last_failover"];
            o << "    last failover: epoch " << t.value("epoch", 0) << ", " << t.value("reason", "")
              << "\n";
            for (const auto& st : t["steps"])
                o << "      +" << fixed(st.value("at_ms", 0.0)) << " ms  " << st.value("event", "")
                  << "\n";
        }
    }
    o << "\npeers:\n";
    for (const auto& p : s["peers"]) {
        o << "  " << p.value("name", "?") << ": " << (p.value("alive", false) ? "ALIVE" : "DEAD")
          << "  last heard " << age(p["last_heard_ms"]);
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
