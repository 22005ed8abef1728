// `vigil events [--follow] [--json] [-n N]`: the agent's recent events, and with --follow
// every new one as it happens (docs/logging.md). The agent sends JSON objects; this prints
// them as they came (--json) or as the same logfmt lines as the agent's log.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace vigil::cli {

// One event object ({"seq","ts","level","node",["process",]"event", fields...}) as a log
// line: ts=... level=... node=... [process=...] event=NAME key=value..., fields in order.
std::string event_logfmt(const nlohmann::ordered_json& event);

// Exit 0 after printing (without --follow), 1 when the agent refused or dropped the
// follower, 3 when it cannot be reached or closed the stream.
int cmd_events(const std::string& socket, bool as_json, bool follow, int count);

}  // namespace vigil::cli
