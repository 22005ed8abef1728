// Agent: `vigil events` over the control socket (docs/control.md, docs/logging.md). The
// recent events come from the EventRing that main's TeeLogger fills; a follower gets
// those it asked for and then every new event, as one JSON object per line.
#include <nlohmann/json.hpp>

#include "daemon/agent.h"

namespace vigil::daemon {

namespace {
using ojson = nlohmann::ordered_json;

// Field values may hold bytes that are not UTF-8 (a command's output, an error text):
// replace them rather than let the JSON library throw inside the agent's loop.
std::string line_of(const ojson& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<io::UnixServer::StreamReply> refuse(const std::string& why) {
    return io::UnixServer::StreamReply{line_of(ojson{{"ok", false}, {"error", why}}) + "\n", false};
}
}  // namespace

void Agent::serve_events() {
    if (options_.events == nullptr) return;
    control_->set_stream_handler([this](const std::string& req) { return handle_events(req); });
    options_.events->set_listener(
        [this](const EventRecord& record) { control_->publish(line_of(event_json(record))); });
}

std::optional<io::UnixServer::StreamReply> Agent::handle_events(const std::string& request) {
    const auto req = nlohmann::json::parse(request, nullptr, /*allow_exceptions=*/false);
    if (req.is_discarded() || !req.is_object()) return std::nullopt;  // the handler says why
    const auto cmd = req.find("cmd");
    if (cmd == req.end() || !cmd->is_string() || cmd->get<std::string>() != "events")
        return std::nullopt;
    const auto follow = req.find("follow");
    if (follow != req.end() && !follow->is_boolean())
        return refuse("\"follow\" must be true or false");
    const auto since = req.find("since");
    if (since != req.end() && !since->is_number_unsigned())
        return refuse("\"since\" must be a sequence number (0 or more)");
    const auto limit = req.find("limit");
    if (limit != req.end() && (!limit->is_number_unsigned() || limit->get<std::uint64_t>() == 0))
        return refuse("\"limit\" must be a number of events (1 or more)");
    const std::uint64_t after = since == req.end() ? 0 : since->get<std::uint64_t>();
    const std::size_t count = limit == req.end()
                                  ? EventRing::kCapacityDefault
                                  : static_cast<std::size_t>(std::min<std::uint64_t>(
                                        limit->get<std::uint64_t>(), EventRing::kCapacityDefault));
    const auto records = options_.events->since(after, count);
    const bool following = follow != req.end() && follow->get<bool>();
    if (!following) {
        ojson events = ojson::array();
        for (const EventRecord* r : records) events.push_back(event_json(*r));
        ojson reply{{"ok", true}, {"next_seq", options_.events->next_seq()}, {"events", events}};
        return io::UnixServer::StreamReply{line_of(reply) + "\n", false};
    }
    std::string text =
        line_of(ojson{{"ok", true}, {"follow", true}, {"next_seq", options_.events->next_seq()}}) +
        "\n";
    for (const EventRecord* r : records) text += line_of(event_json(*r)) + "\n";
    return io::UnixServer::StreamReply{std::move(text), true};
}

}  // namespace vigil::daemon
