// Goal: /metrics is valid Prometheus text format 0.0.4 and says what docs/metrics.md says.
// Method: a snapshot built by hand is rendered; a small checker reads the output line by
// line against the format's rules (names, label syntax and escaping, values, one TYPE per
// family before its samples, families not interleaved, no duplicate series, counters
// named _total); then specific series are looked up.
#include "daemon/metrics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "daemon/prometheus_text.h"

namespace vigil::daemon {
namespace {

struct Parsed {
    std::map<std::string, std::string> types;   // family -> type
    std::map<std::string, std::string> series;  // "name{sorted labels}" -> value text
    std::vector<std::string> errors;
};

// Reads `name{a="x",b="y"}` from `line` at `i`: the labels, unescaped. Appends an error
// and returns false on a syntax error.
bool read_labels(const std::string& line, std::size_t& i, std::map<std::string, std::string>& out,
                 std::string& error) {
    static const std::regex label_name("[a-zA-Z_][a-zA-Z0-9_]*");
    ++i;  // '{'
    while (i < line.size() && line[i] != '}') {
        const std::size_t eq = line.find('=', i);
        if (eq == std::string::npos) return error = "label without '='", false;
        const std::string name = line.substr(i, eq - i);
        if (!std::regex_match(name, label_name) || name.rfind("__", 0) == 0)
            return error = "bad label name '" + name + "'", false;
        i = eq + 1;
        if (i >= line.size() || line[i] != '"') return error = "label value not quoted", false;
        std::string value;
        for (++i; i < line.size() && line[i] != '"'; ++i) {
            if (line[i] != '\\') {
                value += line[i];
                continue;
            }
            if (++i >= line.size()) return error = "dangling backslash", false;
            if (line[i] == 'n')
                value += '\n';
            else if (line[i] == '\\' || line[i] == '"')
                value += line[i];
            else
                return error = "bad escape", false;
        }
        if (i >= line.size()) return error = "unterminated label value", false;
        ++i;  // closing quote
        if (out.count(name)) return error = "label '" + name + "' twice", false;
        out[name] = value;
        if (i < line.size() && line[i] == ',') ++i;
    }
    if (i >= line.size()) return error = "unterminated label set", false;
    ++i;  // '}'
    return true;
}

Parsed check_exposition(const std::string& text) {
    static const std::regex metric_name("[a-zA-Z_:][a-zA-Z0-9_:]*");
    Parsed p;
    std::set<std::string> families_done;
    std::string current;
    std::istringstream in(text);
    int n = 0;
    auto err = [&](const std::string& e) { p.errors.push_back(std::to_string(n) + ": " + e); };
    if (text.empty() || text.back() != '\n') err("output must end with a line feed");
    for (std::string line; std::getline(in, line);) {
        ++n;
        if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
            const bool type = line[2] == 'T';
            std::istringstream words(line.substr(7));
            std::string name, rest;
            words >> name;
            std::getline(words, rest);
            if (!std::regex_match(name, metric_name)) err("bad family name '" + name + "'");
            if (name != current) {
                if (families_done.count(name)) err("family '" + name + "' interleaved");
                if (!current.empty()) families_done.insert(current);
                current = name;
            }
            if (type) {
                if (p.types.count(name)) err("second TYPE for '" + name + "'");
                const std::string t = rest.substr(rest.find_first_not_of(' '));
                if (t != "counter" && t != "gauge") err("bad type '" + t + "'");
                if (t == "counter" && (name.size() < 6 || name.substr(name.size() - 6) != "_total"))
                    err("counter '" + name + "' without _total");
                p.types[name] = t;
            }
            continue;
        }
        if (line.empty() || line[0] == '#') {
            err("unexpected line '" + line + "'");
            continue;
        }
        std::size_t i = 0;
        while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
        const std::string name = line.substr(0, i);
        if (!std::regex_match(name, metric_name)) err("bad metric name '" + name + "'");
        if (name != current) err("sample of '" + name + "' outside its family");
        if (!p.types.count(name)) err("sample of '" + name + "' before its TYPE");
        std::map<std::string, std::string> labels;
        std::string error;
        if (i < line.size() && line[i] == '{' && !read_labels(line, i, labels, error)) {
            err(error);
            continue;
        }
        if (i >= line.size() || line[i] != ' ') {
            err("no space before the value");
            continue;
        }
        const std::string value = line.substr(i + 1);
        char* end = nullptr;
        std::strtod(value.c_str(), &end);
        if (value.empty() || (*end != '\0' && value != "NaN" && value != "+Inf" && value != "-Inf"))
            err("bad value '" + value + "'");
        std::string key = name + "{";
        for (const auto& [k, v] : labels) key += k + "=" + v + ",";
        key += "}";
        if (p.series.count(key)) err("duplicate series " + key);
        p.series[key] = value;
    }
    return p;
}

// The parsed key of a series: sample_key("m", {{"b","2"},{"a","1"}}) = "m{a=1,b=2,}".
std::string key(const std::string& name, std::map<std::string, std::string> labels = {}) {
    std::string k = name + "{";
    for (const auto& [l, v] : labels) k += l + "=" + v + ",";
    return k + "}";
}

MetricsSnapshot snapshot() {
    MetricsSnapshot s;
    s.version = "0.1.0";
    s.start_time_seconds = 1'796'000'000.25;
    s.healthy = true;
    s.voters_alive = 2;
    s.quorum = 2;
    s.packets_received = 1234;
    s.auth_failures = 5;
    s.replays = 1;
    s.malformed = 2;
    MetricsSnapshot::Group g1{"northbound",
                              "primary",
                              7,
                              3,
                              {{"vips", 900}, {"announcement", ms(200)}, {"total", ms(201)}},
                              {{"db", true, 0}, {"api", false, 2}}};
    MetricsSnapshot::Group g2{"southbound", "standby", 4, 0, {}, {}};
    s.groups = {g1, g2};
    s.peers = {{"n2", true, {{"0", true, 0.025, 3}, {"1", false, std::nullopt, 0}}}};
    return s;
}

TEST(Metrics, OutputFollowsTheExpositionFormat) {
    const Parsed p = check_exposition(render_metrics(snapshot()));
    EXPECT_TRUE(p.errors.empty()) << ::testing::PrintToString(p.errors);
    for (const auto& [family, type] : p.types) EXPECT_EQ(family.rfind("vigil_", 0), 0u) << family;
}

TEST(Metrics, GroupSeries) {
    const auto s = check_exposition(render_metrics(snapshot())).series;
    for (const char* role : kMetricRoles) {
        EXPECT_EQ(s.at(key("vigil_group_role", {{"group", "northbound"}, {"role", role}})),
                  std::string(role) == "primary" ? "1" : "0")
            << role;
        EXPECT_EQ(s.at(key("vigil_group_role", {{"group", "southbound"}, {"role", role}})),
                  std::string(role) == "standby" ? "1" : "0")
            << role;
    }
    EXPECT_EQ(s.at(key("vigil_group_is_primary", {{"group", "northbound"}})), "1");
    EXPECT_EQ(s.at(key("vigil_group_is_primary", {{"group", "southbound"}})), "0");
    EXPECT_EQ(s.at(key("vigil_group_epoch", {{"group", "northbound"}})), "7");
    EXPECT_EQ(s.at(key("vigil_failovers_total", {{"group", "northbound"}})), "3");
    EXPECT_EQ(s.at(key("vigil_failovers_total", {{"group", "southbound"}})), "0");
    EXPECT_EQ(std::stod(s.at(key("vigil_last_failover_duration_seconds",
                                 {{"group", "northbound"}, {"phase", "vips"}}))),
              0.0009);
    EXPECT_EQ(s.at(key("vigil_last_failover_duration_seconds",
                       {{"group", "northbound"}, {"phase", "total"}})),
              "0.201");
    // Never primary here: no duration series at all, rather than a made-up 0.
    EXPECT_EQ(s.count(key("vigil_last_failover_duration_seconds",
                          {{"group", "southbound"}, {"phase", "total"}})),
              0u);
    EXPECT_EQ(s.at(key("vigil_resource_running", {{"group", "northbound"}, {"resource", "db"}})),
              "1");
    EXPECT_EQ(s.at(key("vigil_resource_running", {{"group", "northbound"}, {"resource", "api"}})),
              "0");
    EXPECT_EQ(
        s.at(key("vigil_resource_restarts_total", {{"group", "northbound"}, {"resource", "api"}})),
        "2");
}

TEST(Metrics, NodePeerAndCounterSeries) {
    const auto s = check_exposition(render_metrics(snapshot())).series;
    EXPECT_EQ(s.at(key("vigil_build_info", {{"version", "0.1.0"}})), "1");
    EXPECT_EQ(s.at(key("vigil_start_time_seconds")), "1796000000.25");
    EXPECT_EQ(s.at(key("vigil_healthy")), "1");
    EXPECT_EQ(s.at(key("vigil_quorum_voters_alive")), "2");
    EXPECT_EQ(s.at(key("vigil_quorum_needed")), "2");
    EXPECT_EQ(s.at(key("vigil_packets_received_total")), "1234");
    EXPECT_EQ(s.at(key("vigil_auth_failures_total")), "5");
    EXPECT_EQ(s.at(key("vigil_packets_replayed_total")), "1");
    EXPECT_EQ(s.at(key("vigil_packets_malformed_total")), "2");
    EXPECT_EQ(s.at(key("vigil_peer_up", {{"peer", "n2"}})), "1");
    EXPECT_EQ(s.at(key("vigil_peer_link_up", {{"peer", "n2"}, {"link", "1"}})), "0");
    EXPECT_EQ(s.at(key("vigil_peer_link_heartbeat_age_seconds", {{"peer", "n2"}, {"link", "0"}})),
              "0.025");
    // Never heard on link 1: no age rather than a fake one.
    EXPECT_EQ(
        s.count(key("vigil_peer_link_heartbeat_age_seconds", {{"peer", "n2"}, {"link", "1"}})), 0u);
    EXPECT_EQ(s.at(key("vigil_peer_link_heartbeats_lost_total", {{"peer", "n2"}, {"link", "0"}})),
              "3");
}

TEST(Metrics, VrrpSeriesOnlyWhenTheAgentRunsRouters) {
    auto plain = check_exposition(render_metrics(snapshot()));
    EXPECT_EQ(plain.types.count("vigil_vrrp_state"), 0u);
    MetricsSnapshot v = snapshot();
    v.has_vrrp = true;
    v.vrrp = {{"r1", "master", 130, 2, 0}, {"r2", "fault", 100, 0, 57}};
    v.vrrp_adverts_sent = 900;
    v.vrrp_dropped = {{"bad_ttl", 3}, {"bad_checksum", 0}};
    const Parsed p = check_exposition(render_metrics(v));
    EXPECT_TRUE(p.errors.empty()) << ::testing::PrintToString(p.errors);
    const auto& s = p.series;
    for (const char* state : kMetricVrrpStates) {
        EXPECT_EQ(s.at(key("vigil_vrrp_state", {{"group", "r1"}, {"state", state}})),
                  std::string(state) == "master" ? "1" : "0");
        EXPECT_EQ(s.at(key("vigil_vrrp_state", {{"group", "r2"}, {"state", state}})),
                  std::string(state) == "fault" ? "1" : "0");
    }
    EXPECT_EQ(s.at(key("vigil_vrrp_priority", {{"group", "r1"}})), "130");
    EXPECT_EQ(s.at(key("vigil_vrrp_became_master_total", {{"group", "r1"}})), "2");
    EXPECT_EQ(s.at(key("vigil_vrrp_adverts_received_total", {{"group", "r2"}})), "57");
    EXPECT_EQ(s.at(key("vigil_vrrp_adverts_sent_total")), "900");
    EXPECT_EQ(s.at(key("vigil_vrrp_packets_dropped_total", {{"reason", "bad_ttl"}})), "3");
}

TEST(Metrics, StoreSeriesOnlyForStoreGroups) {
    auto plain = check_exposition(render_metrics(snapshot()));
    EXPECT_EQ(plain.types.count("vigil_store_last_index"), 0u);
    MetricsSnapshot m = snapshot();
    MetricsSnapshot::Store st;
    st.group = "nb";
    st.primary_ready = true;
    st.last_index = 1042;
    st.applied_index = 1040;
    st.snapshot_index = 1000;
    st.keys = 311;
    st.writes_committed = 77;
    st.standbys = {{"n2", "in_sync", 2, 0.0015}, {"n3", "out_of_date", 142, 1.5}};
    m.stores.push_back(st);
    const Parsed p = check_exposition(render_metrics(m));
    EXPECT_TRUE(p.errors.empty()) << ::testing::PrintToString(p.errors);
    const auto& s = p.series;
    EXPECT_EQ(s.at(key("vigil_store_serving", {{"group", "nb"}})), "1");
    EXPECT_EQ(s.at(key("vigil_store_last_index", {{"group", "nb"}})), "1042");
    EXPECT_EQ(s.at(key("vigil_store_applied_index", {{"group", "nb"}})), "1040");
    EXPECT_EQ(s.at(key("vigil_store_snapshot_index", {{"group", "nb"}})), "1000");
    EXPECT_EQ(s.at(key("vigil_store_keys", {{"group", "nb"}})), "311");
    EXPECT_EQ(s.at(key("vigil_store_writes_committed_total", {{"group", "nb"}})), "77");
    for (const char* state : kMetricStandbyStates)
        EXPECT_EQ(s.at(key("vigil_replication_standby_state",
                           {{"group", "nb"}, {"standby", "n3"}, {"state", state}})),
                  std::string(state) == "out_of_date" ? "1" : "0");
    EXPECT_EQ(s.at(key("vigil_replication_lag_entries", {{"group", "nb"}, {"standby", "n3"}})),
              "142");
    EXPECT_EQ(s.at(key("vigil_replication_lag_seconds", {{"group", "nb"}, {"standby", "n3"}})),
              "1.5");
}

TEST(PrometheusText, LabelValuesAndHelpAreEscaped) {
    PrometheusText out;
    out.family("vigil_test", "gauge", "a \\ help\nline");
    out.sample({{"group", "a\"b\\c\nd"}}, 1);
    EXPECT_EQ(out.text(),
              "# HELP vigil_test a \\\\ help\\nline\n# TYPE vigil_test gauge\n"
              "vigil_test{group=\"a\\\"b\\\\c\\nd\"} 1\n");
    const Parsed p = check_exposition(out.text());
    EXPECT_TRUE(p.errors.empty()) << ::testing::PrintToString(p.errors);
    EXPECT_EQ(p.series.count(key("vigil_test", {{"group", "a\"b\\c\nd"}})), 1u);  // round trip
}

TEST(PrometheusText, ValuesInTheFormatsSpelling) {
    EXPECT_EQ(prom_format_value(0), "0");
    EXPECT_EQ(prom_format_value(42), "42");
    EXPECT_EQ(prom_format_value(0.1), "0.1");
    EXPECT_EQ(prom_format_value(1e21), "1e+21");
    EXPECT_EQ(prom_format_value(std::nan("")), "NaN");
    EXPECT_EQ(prom_format_value(HUGE_VAL), "+Inf");
    EXPECT_EQ(prom_format_value(-HUGE_VAL), "-Inf");
}

TEST(PrometheusText, DuplicateSeriesIsDropped) {
    PrometheusText out;
    out.family("vigil_test", "gauge", "h");
    out.sample({{"group", "a"}}, 1);
    out.sample({{"group", "a"}}, 2);
    EXPECT_TRUE(check_exposition(out.text()).errors.empty());
    EXPECT_EQ(out.text().find("} 2"), std::string::npos);
}

TEST(PrometheusText, CheckerCatchesBrokenOutput) {
    // The checker itself must fail on what the writer must never produce.
    EXPECT_FALSE(check_exposition("# TYPE x gauge\nx{a=\"1} 1\n").errors.empty());
    EXPECT_FALSE(check_exposition("# TYPE x gauge\nx 1\nx 2\n").errors.empty());
    EXPECT_FALSE(check_exposition("# TYPE x counter\nx 1\n").errors.empty());
    EXPECT_FALSE(check_exposition("x 1\n").errors.empty());
    EXPECT_FALSE(check_exposition("# TYPE x gauge\n# TYPE x gauge\nx 1\n").errors.empty());
    EXPECT_FALSE(check_exposition("# TYPE x gauge\nx{a=\"\\q\"} 1\n").errors.empty());
    EXPECT_FALSE(check_exposition("# TYPE x gauge\nx one\n").errors.empty());
    EXPECT_FALSE(
        check_exposition("# TYPE x gauge\nx 1\n# TYPE y gauge\ny 1\n# HELP x h\n").errors.empty());
}

}  // namespace
}  // namespace vigil::daemon
