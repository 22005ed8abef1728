// logfmt: the text form of an event, shared by the agent's stderr log and `vigil events`,
// so that a line read from either one greps the same way (`grep event=role_change`).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/log.h"

namespace vigil {

// Quotes a logfmt value when it contains spaces, quotes, '=', control characters or is
// empty; a newline becomes \n so that one event stays one line.
std::string logfmt_value(std::string_view value);

// "debug", "info", "warn", "error".
const char* level_name(Level level);

// UTC with milliseconds, as in the log: 2026-12-02T13:04:05.123Z.
std::string utc_timestamp(std::int64_t realtime_us);

}  // namespace vigil
