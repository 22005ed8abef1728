#include "daemon/log_journal.h"

#include "common/logfmt.h"
#include "io/journal.h"

namespace vigil::daemon {

namespace {
constexpr std::size_t kFieldNameBytesMax = 64;  // journald drops longer names
}

std::string journal_field_name(std::string_view key) {
    std::string out = "VIGIL_";
    for (char c : key) {
        if (c >= 'a' && c <= 'z')
            out += static_cast<char>(c - 'a' + 'A');
        else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            out += c;
        else
            out += '_';
    }
    if (out.size() > kFieldNameBytesMax) out.resize(kFieldNameBytesMax);
    return out;
}

int journal_priority(Level level) {
    switch (level) {
        case Level::debug: return 7;
        case Level::info: return 6;
        case Level::warn: return 4;
        case Level::error: return 3;
    }
    return 6;
}

std::vector<std::string> journal_fields(Level level, std::string_view node,
                                        std::string_view process, std::string_view name,
                                        const std::vector<LogField>& fields) {
    std::string message(name);
    for (const auto& f : fields) message += " " + f.key + "=" + logfmt_value(f.value);
    std::vector<std::string> out;
    out.push_back("MESSAGE=" + message);
    out.push_back("PRIORITY=" + std::to_string(journal_priority(level)));
    out.push_back("SYSLOG_IDENTIFIER=vigil");
    out.push_back("VIGIL_EVENT=" + std::string(name));
    out.push_back("VIGIL_NODE=" + std::string(node));
    if (!process.empty()) out.push_back("VIGIL_PROCESS=" + std::string(process));
    for (const auto& f : fields) {
        const bool fixed = f.key == "node" || f.key == "event" || f.key == "process";
        out.push_back(journal_field_name(fixed ? "field_" + f.key : f.key) + "=" + f.value);
    }
    return out;
}

void JournalLogger::event(Level level, std::string_view name, std::vector<LogField> fields) {
    if (level == Level::debug) return;
    if (io::journal_send(journal_fields(level, node_, process_, name, fields))) return;
    fallback_.event(level, name, std::move(fields));
}

}  // namespace vigil::daemon
