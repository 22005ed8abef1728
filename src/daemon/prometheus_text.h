// A writer for the Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): HELP and TYPE lines per
// family, then its samples, label values escaped. Written by hand although Debian bookworm
// packages prometheus-cpp (prometheus-cpp-dev 1.0.1): its exposer runs civetweb's own
// threads, which the single-threaded agent would have to feed under locks (STYLE.md §13),
// and the agent needs its own server for the status page anyway; its core library alone
// would mean mirroring state the agent already has into registry objects. The format is a
// few rules, and the agent needs only gauges and counters, rendered from a snapshot.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigil::daemon {

using PromLabels = std::vector<std::pair<std::string, std::string>>;  // name, value

class PrometheusText {
public:
    // Starts a family: "# HELP name help" and "# TYPE name type". REQUIRES: a valid metric
    // name ([a-zA-Z_:][a-zA-Z0-9_:]*) not started before; type "counter" or "gauge".
    void family(std::string_view name, std::string_view type, std::string_view help);
    // One sample of the family started last. REQUIRES: valid label names, none starting
    // with "__". A second sample with the same labels is dropped.
    void sample(const PromLabels& labels, double value);
    const std::string& text() const { return text_; }

private:
    std::string text_;
    std::string family_;
    std::vector<std::string> families_;  // started so far, to assert uniqueness
    std::vector<std::string> series_;    // of the current family
};

// Label values: backslash, double quote and line feed escaped (\\, \", \n).
std::string prom_escape_label_value(std::string_view value);
// HELP text: backslash and line feed escaped.
std::string prom_escape_help(std::string_view help);
// Integers as integers, others in the shortest form that reads back the same;
// NaN, +Inf and -Inf as the format spells them.
std::string prom_format_value(double value);
bool prom_valid_metric_name(std::string_view name);
bool prom_valid_label_name(std::string_view name);

}  // namespace vigil::daemon
