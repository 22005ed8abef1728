#include "daemon/log_stderr.h"

#include <cstdio>

#include "io/clock.h"

namespace vigil::daemon {

void StderrLogger::event(Level level, std::string_view name, std::vector<LogField> fields) {
    if (level == Level::debug && !debug_) return;
    std::string line = "ts=" + utc_timestamp(io::realtime_us()) + " level=" + level_name(level) +
                       " node=" + logfmt_value(node_);
    if (!process_.empty()) line += " process=" + process_;
    line += " event=" + std::string(name);
    for (const auto& f : fields) line += " " + f.key + "=" + logfmt_value(f.value);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
}

}  // namespace vigil::daemon
