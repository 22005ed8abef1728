// Renders `vigil status` for humans, from the agent's JSON status (the same data as
// --json, so the two never disagree).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace vigil::cli {

std::string render_status(const nlohmann::json& status, bool verbose);

}  // namespace vigil::cli
