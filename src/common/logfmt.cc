#include "common/logfmt.h"

#include <cstdio>

namespace vigil {

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

const char* level_name(Level level) {
    switch (level) {
        case Level::debug: return "debug";
        case Level::info: return "info";
        case Level::warn: return "warn";
        case Level::error: return "error";
    }
    return "info";
}

std::string utc_timestamp(std::int64_t realtime_us) {
    // Days to a civil date by hand (H. Hinnant's days_from_civil, inverted): common/ stays
    // free of <ctime> and <chrono> (tests/check_layering.sh), and this is exact for any date.
    std::int64_t ms = realtime_us / 1000;
    std::int64_t days = ms / 86'400'000;
    std::int64_t ms_of_day = ms % 86'400'000;
    if (ms_of_day < 0) {
        ms_of_day += 86'400'000;
        --days;
    }
    const std::int64_t z = days + 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
    const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    char stamp[64];
    std::snprintf(stamp, sizeof stamp, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ",
                  static_cast<long long>(year), static_cast<long long>(month),
                  static_cast<long long>(day), static_cast<long long>(ms_of_day / 3'600'000),
                  static_cast<long long>(ms_of_day / 60'000 % 60),
                  static_cast<long long>(ms_of_day / 1000 % 60),
                  static_cast<long long>(ms_of_day % 1000));
    return stamp;
}

}  // namespace vigil
