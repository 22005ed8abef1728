// The durable state file: what a node must remember across restarts so that its epochs
// only rise and it never votes twice in one epoch (core::DurableState). One JSON file per
// node, STATE_DIR/NODE.state, written durably (io/durable_file.h) before any action that
// depends on it. Format: docs/state.md.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "core/events.h"

namespace vigil::daemon {

constexpr int kStateFormatVersion = 1;
constexpr std::size_t kStateFileBytesMax = 1 << 20;  // 128 groups take a few KiB

std::string encode_state(const core::DurableState& state);
// Error::corruption with what is wrong (not the path; StateFile adds it).
Result<core::DurableState> decode_state(std::string_view text);

class StateFile {
public:
    StateFile(std::string dir, const std::string& node);
    const std::string& path() const { return path_; }

    // Creates the directory (0700) if missing, then reads the file: a missing file is the
    // empty state (first start); an unreadable or corrupt one is an Error naming the file
    // and what to do, and the agent must not start.
    Result<core::DurableState> load() const;
    // Writes and fsyncs the file (and its directory entry). On an Error the node must stop.
    Result<void> save(const core::DurableState& state) const;

private:
    std::string dir_;
    std::string name_;
    std::string path_;
};

}  // namespace vigil::daemon
