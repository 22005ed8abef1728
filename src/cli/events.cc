#include "cli/events.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <iostream>

#include "cli/commands.h"
#include "cli/control_client.h"
#include "common/logfmt.h"

namespace vigil::cli {

using ojson = nlohmann::ordered_json;

namespace {
constexpr int kReplyTimeoutMs = 3000;
constexpr std::size_t kLineBytesMax = 4 << 20;  // a whole ring in one reply, with room

std::string text_of(const ojson& value) {
    return value.is_string() ? value.get<std::string>() : value.dump();
}

// Reads from fd, calling on_line for each complete line, until on_line returns false, the
// stream ends (false) or the timeout passes (false; -1 waits for ever).
template <typename OnLine>
bool read_lines(int fd, int timeout_ms, OnLine on_line) {
    std::string buf;
    char chunk[8192];
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, timeout_ms) <= 0) return false;
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) return false;
        buf.append(chunk, static_cast<std::size_t>(n));
        std::size_t start = 0;
        for (auto nl = buf.find('\n'); nl != std::string::npos; nl = buf.find('\n', start)) {
            if (!on_line(buf.substr(start, nl - start))) return true;
            start = nl + 1;
        }
        buf.erase(0, start);
        if (buf.size() > kLineBytesMax) return false;
    }
}

void print_event(const ojson& event, bool as_json) {
    std::cout << (as_json ? event.dump(-1, ' ', false, ojson::error_handler_t::replace)
                          : event_logfmt(event))
              << "\n"
              << std::flush;
}
}  // namespace

std::string event_logfmt(const ojson& event) {
    std::string line;
    for (const auto& [key, value] : event.items()) {
        if (key == "seq") continue;
        if (!line.empty()) line += ' ';
        line += key + "=" + logfmt_value(text_of(value));
    }
    return line;
}

int cmd_events(const std::string& socket, bool as_json, bool follow, int count) {
    nlohmann::json req{{"cmd", "events"}, {"limit", count}};
    if (follow) req["follow"] = true;
    auto fd = send_request(socket, req);
    if (!fd) {
        std::cerr << "vigil events: " << fd.error().message << "\n";
        return kExitUnreachable;
    }
    int code = kExitUnreachable;
    std::string error = follow ? "the agent closed the stream" : "no reply from the agent";
    read_lines(*fd, follow ? -1 : kReplyTimeoutMs, [&](const std::string& line) {
        const auto j = ojson::parse(line, nullptr, /*allow_exceptions=*/false);
        if (j.is_discarded() || !j.is_object()) {
            error = "the agent sent an unreadable line";
            return false;
        }
        if (j.contains("ok") && !j.value("ok", false)) {
            error = j.value("error", std::string("refused"));
            code = kExitRefused;
            return false;
        }
        if (j.contains("events")) {  // the whole reply without --follow
            for (const auto& event : j["events"]) print_event(event, as_json);
            code = kExitOk;
            return false;
        }
        if (j.contains("seq")) print_event(j, as_json);  // else the follow header
        return true;
    });
    close(*fd);
    if (code != kExitOk) std::cerr << "vigil events: " << error << "\n";
    return code;
}

}  // namespace vigil::cli
