// CheckTracker: one [[check]]'s verdict from its probe results, with keepalived's fall and
// rise counts so that one lost ping does not move a group. Until the first result a check
// counts as passing; the first result sets the verdict directly (a node that starts without
// its uplink should not wait `fall` probes to say so).
#pragma once

#include <string>

#include "core/config.h"

namespace vigil::core {

class CheckTracker {
public:
    // Keeps a copy of its definition: a reload replaces the Config it came from.
    explicit CheckTracker(const CheckConfig& config) : config_(config) {}

    // Returns true when the verdict changed.
    bool on_result(bool ok, const std::string& detail) {
        detail_ = detail;
        const bool was = passing_;
        if (!seen_) {
            seen_ = true;
            passing_ = ok;
            streak_ = 0;
            return passing_ != was;
        }
        if (ok == passing_) {
            streak_ = 0;
            return false;
        }
        streak_ += 1;
        if (streak_ >= (passing_ ? config_.fall : config_.rise)) {
            passing_ = ok;
            streak_ = 0;
        }
        return passing_ != was;
    }
    bool passing() const { return passing_; }
    bool seen() const { return seen_; }
    const std::string& detail() const { return detail_; }
    const CheckConfig& config() const { return config_; }

private:
    CheckConfig config_;
    bool seen_ = false;
    bool passing_ = true;
    int streak_ = 0;  // consecutive results against the verdict
    std::string detail_;
};

}  // namespace vigil::core
