// The logger seam: the core emits structured events (a name plus key=value fields) and the
// daemon decides where they go (stderr as logfmt lines; journald later). One line per
// event that matters, so `grep event=role_change` finds every role change.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace vigil {

enum class Level { debug, info, warn, error };

struct LogField {
    std::string key;
    std::string value;
};

class Logger {
public:
    virtual ~Logger() = default;
    virtual void event(Level level, std::string_view name, std::vector<LogField> fields) = 0;
};

// Discards everything; for tests that do not look at logs.
class NullLogger final : public Logger {
public:
    void event(Level, std::string_view, std::vector<LogField>) override {}
};

}  // namespace vigil
