// The durable state file: what a node must remember across restarts so that its epochs
// only rise and it never votes twice in one epoch (core::DurableState). One file per node,
// STATE_DIR/NODE.state: the state as JSON, kept in the two-slot record file of
// io/durable_file.h and written in place before any action that depends on it. Format:
// docs/state.md.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "core/config.h"
#include "core/events.h"
#include "io/durable_file.h"

namespace vigil::daemon {

constexpr int kStateFormatVersion = 1;

// A sync mask has a bit per node: below 2^kNodesMax = 65536, so at most 5 digits.
constexpr std::size_t kStateSyncMaskDigitsMax = 5;
static_assert(core::kNodesMax == 16, "kStateSyncMaskDigitsMax: 2^16 - 1 has 5 digits");

// The longest encode_state() can give (docs/state.md "Payload"): kGroupsMax groups of
// {"epoch":E,"group":"G","sync":[E,S,M],"voted_for":"V"} with 20-digit epochs and seqs and
// names of kNameBytesMax, which need no JSON escaping (config names are A-Z a-z 0-9 _ . -),
// comma-separated inside {"groups":[...],"version":1} and a newline.
constexpr std::size_t kStateGroupBytesMax =
    std::string_view(R"({"epoch":,"group":"","sync":[,,],"voted_for":""})").size() + 20 +
    2 * core::kNameBytesMax + 20 + 20 + kStateSyncMaskDigitsMax;
constexpr std::size_t kStatePayloadBytesMax =
    std::string_view(R"({"groups":[],"version":1})").size() + 1 +
    core::kGroupsMax * kStateGroupBytesMax + (core::kGroupsMax - 1);
// So the state of any valid configuration fits a slot; the write refuses what does not.
static_assert(kStatePayloadBytesMax <= io::kDurablePayloadBytesMax,
              "the largest state fits one slot of the state file");

std::string encode_state(const core::DurableState& state);
// Error::corruption with what is wrong (not the path; StateFile adds it).
Result<core::DurableState> decode_state(std::string_view text);

// Move-only: it holds the open file, and where the next record goes.
class StateFile {
public:
    StateFile(std::string dir, const std::string& node);
    const std::string& path() const { return path_; }
    // After load(): empty, or the damaged record it ignored (io::DurableFile::damaged_slot),
    // for a warning.
    std::string damaged_slot() const { return file_ ? file_->damaged_slot() : std::string(); }

    // Creates the directory (0700) if missing and the file, holding the empty state, if
    // missing (a first start); then reads it and keeps it open for save(). A file with no
    // valid record, of another format or with a payload that is not the state is an Error
    // naming the file and what to do, and the agent must not start.
    Result<core::DurableState> load();
    // Writes the state as the file's newest record and syncs it (docs/state.md "Writing").
    // REQUIRES: load() succeeded (otherwise an Error). On an Error the node must stop.
    Result<void> save(const core::DurableState& state);

private:
    std::string dir_;
    std::string name_;
    std::string path_;
    std::optional<io::DurableFile> file_;  // open once load() succeeded
};

}  // namespace vigil::daemon
