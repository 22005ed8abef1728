// Renders `vigil status` for humans, from the agent's JSON status (the same data as
// --json, so the two never disagree).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace vigil::cli {

std::string render_status(const nlohmann::json& status, bool verbose);

}  // namespace vigil::cli
