#include "daemon/state_file.h"

#include <nlohmann/json.hpp>
#include <set>

#include "core/config.h"
#include "io/durable_file.h"

namespace vigil::daemon {

using json = nlohmann::json;

std::string encode_state(const core::DurableState& state) {
    json groups = json::array();
    for (const auto& g : state.groups) {
        json group = {{"group", g.group}, {"epoch", g.epoch}, {"voted_for", g.voted_for}};
        // Only a group with a sync set carries it, so the state of a node without a store is
        // byte for byte what it was before (docs/state.md). An array, to stay short: 128
        // groups with named keys would not fit one slot.
        if (g.sync_epoch != 0 || g.sync_seq != 0 || g.sync_mask != 0)
            group["sync"] = json::array({g.sync_epoch, g.sync_seq, g.sync_mask});
        groups.push_back(std::move(group));
    }
    return json{{"version", kStateFormatVersion}, {"groups", groups}}.dump() + "\n";
}

namespace {

Result<core::DurableGroup> decode_group(const json& j, std::size_t index) {
    const std::string where = "groups[" + std::to_string(index) + "]";
    if (!j.is_object()) return Error::corruption(where + " is not an object");
    for (const auto& [key, value] : j.items())
        if (key != "group" && key != "epoch" && key != "voted_for" && key != "sync")
            return Error::corruption(where + " has an unknown key \"" + key + "\"");
    core::DurableGroup g;
    if (!j.contains("group") || !j["group"].is_string() || j["group"].get<std::string>().empty())
        return Error::corruption(where + ".group must be a group name");
    g.group = j["group"].get<std::string>();
    if (!j.contains("epoch") || !j["epoch"].is_number_unsigned())
        return Error::corruption(where + ".epoch must be an unsigned integer");
    g.epoch = j["epoch"].get<std::uint64_t>();
    if (!j.contains("voted_for") || !j["voted_for"].is_string())
        return Error::corruption(where + ".voted_for must be a string");
    g.voted_for = j["voted_for"].get<std::string>();
    // The sync set (replicated store): optional, missing = none (files written before it).
    if (j.contains("sync")) {
        const json& sync = j["sync"];
        const std::uint64_t mask_end = std::uint64_t{1} << core::kNodesMax;
        if (!sync.is_array() || sync.size() != 3 || !sync[0].is_number_unsigned() ||
            !sync[1].is_number_unsigned() || !sync[2].is_number_unsigned() ||
            sync[2].get<std::uint64_t>() >= mask_end)
            return Error::corruption(
                where + ".sync must be [epoch, seq, mask] of unsigned integers, mask below 2^" +
                std::to_string(core::kNodesMax));
        g.sync_epoch = sync[0].get<std::uint64_t>();
        g.sync_seq = sync[1].get<std::uint64_t>();
        g.sync_mask = static_cast<std::uint32_t>(sync[2].get<std::uint64_t>());
    }
    return g;
}

}  // namespace

Result<core::DurableState> decode_state(std::string_view text) {
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return Error::corruption("not valid JSON");
    if (!j.is_object()) return Error::corruption("not a JSON object");
    for (const auto& [key, value] : j.items())
        if (key != "version" && key != "groups")
            return Error::corruption("unknown key \"" + key + "\"");
    if (!j.contains("version") || !j["version"].is_number_integer())
        return Error::corruption("no version");
    if (j["version"].get<std::int64_t>() != kStateFormatVersion)
        return Error::corruption("version " + j["version"].dump() + " (expected " +
                                 std::to_string(kStateFormatVersion) + ")");
    if (!j.contains("groups") || !j["groups"].is_array())
        return Error::corruption("\"groups\" must be an array");
    if (j["groups"].size() > core::kGroupsMax)
        return Error::corruption(std::to_string(j["groups"].size()) + " groups (at most " +
                                 std::to_string(core::kGroupsMax) + ")");
    core::DurableState state;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < j["groups"].size(); ++i) {
        auto g = decode_group(j["groups"][i], i);
        if (!g) return g.error();
        if (!seen.insert(g->group).second)
            return Error::corruption("group \"" + g->group + "\" appears twice");
        state.groups.push_back(std::move(*g));
    }
    return state;
}

StateFile::StateFile(std::string dir, const std::string& node)
    : dir_(std::move(dir)), name_(node + ".state"), path_(dir_ + "/" + name_) {}

namespace {

// An error of the file as the agent reports it: corruption stops it with advice.
Error state_file_error(const std::string& path, const Error& e) {
    if (e.code != Error::Code::corruption)
        return Error{e.code, "state file " + path + ": " + e.message};
    return Error::corruption(
        "state file " + path + " is corrupt: " + e.message +
        ". The agent will not start with it. It holds this node's votes and epochs; "
        "delete it to start afresh (docs/state.md says when that is safe)");
}

}  // namespace

Result<core::DurableState> StateFile::load() {
    file_.reset();
    if (auto r = io::make_directories(dir_, 0700); !r)
        return Error::io("state_dir " + dir_ + ": " + r.error().message);
    auto file = io::DurableFile::open(dir_, name_, encode_state(core::DurableState{}));
    if (!file) return state_file_error(path_, file.error());
    auto state = decode_state(file->payload());
    if (!state) return state_file_error(path_, state.error());
    file_.emplace(std::move(*file));
    return state;
}

Result<void> StateFile::save(const core::DurableState& state) {
    if (!file_) return Error::io("state file " + path_ + ": not open (it failed to load)");
    auto r = file_->write(encode_state(state));
    if (!r) return state_file_error(path_, r.error());
    return {};
}

}  // namespace vigil::daemon
