// The CLI's side of the control socket: one JSON request, one JSON reply (docs/control.md).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/result.h"

namespace vigil::cli {

// Default control socket of the agent for `node` ("" = this host's name).
std::string default_socket_path(const std::string& node);
std::string host_name();

// Connects and sends the request line; returns the connected socket (the caller reads the
// reply and closes it). For replies that are not one line: `vigil events --follow`.
Result<int> send_request(const std::string& socket_path, const nlohmann::json& req);

// Sends the request and waits at most timeout_ms for the reply.
Result<nlohmann::json> request(const std::string& socket_path, const nlohmann::json& req,
                               int timeout_ms = 3000);

}  // namespace vigil::cli
