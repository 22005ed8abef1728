#include "daemon/log_sink.h"

#include "daemon/log_journal.h"
#include "daemon/log_stderr.h"
#include "io/journal.h"

namespace vigil::daemon {

std::optional<LogTarget> parse_log_target(std::string_view text) {
    if (text == "auto") return LogTarget::automatic;
    if (text == "stderr") return LogTarget::stderr_lines;
    if (text == "journal") return LogTarget::journal;
    return std::nullopt;
}

LogTarget resolve_log_target(LogTarget target, bool stderr_is_journal) {
    if (target != LogTarget::automatic) return target;
    return stderr_is_journal ? LogTarget::journal : LogTarget::stderr_lines;
}

std::unique_ptr<Logger> make_logger(LogTarget target, const std::string& node,
                                    const std::string& process) {
    if (resolve_log_target(target, io::stderr_is_journal()) == LogTarget::journal)
        return std::make_unique<JournalLogger>(node, process);
    return std::make_unique<StderrLogger>(node, process);
}

}  // namespace vigil::daemon
