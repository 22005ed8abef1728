// Logs events as logfmt lines on stderr: one line per event that matters, greppable
// (`grep event=role_change`) and parseable (key=value, values quoted when needed).
#pragma once

#include <string>

#include "common/log.h"
#include "common/logfmt.h"

namespace vigil::daemon {

class StderrLogger final : public Logger {
public:
    StderrLogger(std::string node, std::string process)
        : node_(std::move(node)), process_(std::move(process)) {}
    void event(Level level, std::string_view name, std::vector<LogField> fields) override;
    void set_debug(bool on) { debug_ = on; }

private:
    std::string node_;
    std::string process_;
    bool debug_ = false;
};

// The quoting rule lives in common/logfmt.h, shared with `vigil events`.
using vigil::logfmt_value;

}  // namespace vigil::daemon
