// Where the daemon's events go: `vigil agent --log auto|stderr|journal` (docs/logging.md).
// auto picks journald when stderr is the journal's stream (running as a systemd service),
// stderr otherwise.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/log.h"

namespace vigil::daemon {

enum class LogTarget { automatic, stderr_lines, journal };

// "auto", "stderr", "journal"; nullopt for anything else.
std::optional<LogTarget> parse_log_target(std::string_view text);
// automatic resolved with the check of io::stderr_is_journal.
LogTarget resolve_log_target(LogTarget target, bool stderr_is_journal);
std::unique_ptr<Logger> make_logger(LogTarget target, const std::string& node,
                                    const std::string& process);

}  // namespace vigil::daemon
