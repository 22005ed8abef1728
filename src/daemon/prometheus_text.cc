#include "daemon/prometheus_text.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "common/assert.h"

namespace vigil::daemon {

namespace {
bool name_char(char c, bool first, bool colon_ok) {
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') return true;
    if (colon_ok && c == ':') return true;
    return !first && std::isdigit(static_cast<unsigned char>(c));
}
bool valid_name(std::string_view name, bool colon_ok) {
    if (name.empty()) return false;
    for (std::size_t i = 0; i < name.size(); ++i)
        if (!name_char(name[i], i == 0, colon_ok)) return false;
    return true;
}
}  // namespace

bool prom_valid_metric_name(std::string_view name) {
    return valid_name(name, true);
}

bool prom_valid_label_name(std::string_view name) {
    return valid_name(name, false) && name.substr(0, 2) != "__";
}

std::string prom_escape_label_value(std::string_view value) {
    std::string out;
    for (char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string prom_escape_help(std::string_view help) {
    std::string out;
    for (char c : help) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string prom_format_value(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    VIGIL_ASSERT(ec == std::errc());
    return std::string(buf, end);
}

void PrometheusText::family(std::string_view name, std::string_view type, std::string_view help) {
    VIGIL_ASSERT(prom_valid_metric_name(name));
    VIGIL_ASSERT(type == "counter" || type == "gauge");
    VIGIL_ASSERT(std::find(families_.begin(), families_.end(), name) == families_.end());
    families_.emplace_back(name);
    family_ = std::string(name);
    series_.clear();
    text_ += "# HELP " + family_ + " " + prom_escape_help(help) + "\n";
    text_ += "# TYPE " + family_ + " " + std::string(type) + "\n";
}

void PrometheusText::sample(const PromLabels& labels, double value) {
    VIGIL_ASSERT(!family_.empty());
    std::string series = family_;
    if (!labels.empty()) {
        series += '{';
        for (std::size_t i = 0; i < labels.size(); ++i) {
            VIGIL_ASSERT(prom_valid_label_name(labels[i].first));
            if (i > 0) series += ',';
            series += labels[i].first + "=\"" + prom_escape_label_value(labels[i].second) + "\"";
        }
        series += '}';
    }
    // A duplicate series would be a bug in the caller (config names are unique). It is
    // dropped rather than asserted: a scrape missing a series beats an agent that stopped
    // serving its VIPs; the unit tests check that none is ever produced.
    if (std::find(series_.begin(), series_.end(), series) != series_.end()) return;
    series_.push_back(series);
    text_ += series + " " + prom_format_value(value) + "\n";
}

}  // namespace vigil::daemon
