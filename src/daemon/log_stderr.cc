#include "daemon/log_stderr.h"

#include <cstdio>
#include <ctime>

#include "io/clock.h"

namespace vigil::daemon {

std::string logfmt_value(std::string_view value) {
    bool quote = value.empty();
    for (char c : value)
        if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 32)
            quote = true;
    if (!quote) return std::string(value);
    std::string out = "\"";
    for (char c : value) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out + "\"";
}

static const char* level_name(Level level) {
    switch (level) {
        case Level::debug: return "debug";
        case Level::info: return "info";
        case Level::warn: return "warn";
        case Level::error: return "error";
    }
    return "info";
}

void StderrLogger::event(Level level, std::string_view name, std::vector<LogField> fields) {
    if (level == Level::debug && !debug_) return;
    std::int64_t us = io::realtime_us();
    std::time_t secs = us / 1'000'000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char stamp[64];
    std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>((us / 1000) % 1000));
    std::string line =
        std::string("ts=") + stamp + " level=" + level_name(level) + " node=" + logfmt_value(node_);
    if (!process_.empty()) line += " process=" + process_;
    line += " event=" + std::string(name);
    for (const auto& f : fields) line += " " + f.key + "=" + logfmt_value(f.value);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
}

}  // namespace vigil::daemon
