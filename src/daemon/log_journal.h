// Logs events to journald as structured entries (docs/logging.md): MESSAGE= a short line
// (the event name and its fields in logfmt), PRIORITY= from the level,
// SYSLOG_IDENTIFIER=vigil, and one field per event field: VIGIL_EVENT, VIGIL_NODE,
// VIGIL_GROUP, VIGIL_EPOCH, ... so that `journalctl VIGIL_GROUP=northbound` selects a group.
// When the journal cannot be reached the event goes to stderr instead: lost logs would be
// worse than logs in the wrong place.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/log.h"
#include "daemon/log_stderr.h"

namespace vigil::daemon {

// journald accepts field names of A-Z, 0-9 and '_', starting with a letter, at most 64
// bytes. "group" -> "VIGIL_GROUP", "last-heard.ms" -> "VIGIL_LAST_HEARD_MS".
std::string journal_field_name(std::string_view key);
// syslog(3) priorities: debug 7, info 6, warn 4 (warning), error 3 (err).
int journal_priority(Level level);
// The whole entry, "NAME=value" each. Event fields named like the fixed ones (node, event,
// process) become VIGIL_FIELD_NODE and so on, so the fixed ones keep their meaning.
std::vector<std::string> journal_fields(Level level, std::string_view node,
                                        std::string_view process, std::string_view name,
                                        const std::vector<LogField>& fields);

class JournalLogger final : public Logger {
public:
    JournalLogger(std::string node, std::string process)
        : node_(std::move(node)), process_(std::move(process)), fallback_(node_, process_) {}
    void event(Level level, std::string_view name, std::vector<LogField> fields) override;

private:
    std::string node_;
    std::string process_;
    StderrLogger fallback_;
};

}  // namespace vigil::daemon
