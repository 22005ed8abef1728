#include "cli/commands.h"

#include <chrono>
#include <iostream>
#include <thread>

#include "cli/control_client.h"
#include "cli/status_text.h"

namespace vigil::cli {

using json = nlohmann::json;

int cmd_status(const std::string& socket, bool as_json, bool verbose) {
    auto reply = request(socket, {{"cmd", "status"}, {"verbose", verbose}});
    if (!reply) {
        std::cerr << "vigil status: " << reply.error().message << "\n";
        return kExitUnreachable;
    }
    json& s = *reply;
    s.erase("ok");
    if (as_json)
        std::cout << s.dump(2) << "\n";
    else
        std::cout << render_status(s, verbose);
    return s.value("healthy", false) ? kExitOk : kExitUnhealthy;
}

static std::string primary_of(const json& status, const std::string& group) {
    for (const auto& g : status["groups"])
        if (g.value("name", "") == group) return g.value("primary", "");
    return "";
}

int cmd_switchover(const std::string& socket, const std::string& group, const std::string& to,
                   int wait_ms) {
    auto before = request(socket, {{"cmd", "status"}});
    if (!before) {
        std::cerr << "vigil switchover: " << before.error().message << "\n";
        return kExitUnreachable;
    }
    std::string old_primary = primary_of(*before, group);
    json req = {{"cmd", "switchover"}, {"group", group}};
    if (!to.empty()) req["to"] = to;
    auto started = std::chrono::steady_clock::now();
    auto reply = request(socket, req);
    if (!reply) {
        std::cerr << "vigil switchover: " << reply.error().message << "\n";
        return kExitUnreachable;
    }
    if (!reply->value("ok", false)) {
        std::cerr << "vigil switchover: refused: " << reply->value("error", "?") << "\n";
        return kExitRefused;
    }
    std::cout << "switchover " << reply->value("result", "") << " requested\n";
    // The CLI (not the agent) waits, polling, so that the agent never blocks on a client.
    for (;;) {
        auto now = std::chrono::steady_clock::now();
        auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - started);
        auto s = request(socket, {{"cmd", "status"}});
        std::string p = s ? primary_of(*s, group) : "";
        if (!p.empty() && p != old_primary && (to.empty() || p == to)) {
            std::cout << group << ": primary is now " << p << " (after " << elapsed.count()
                      << " ms)\n";
            return kExitOk;
        }
        if (elapsed.count() > wait_ms) {
            std::cerr << "vigil switchover: " << group << " did not move within " << wait_ms
                      << " ms (primary: " << (p.empty() ? "none" : p) << ")\n";
            return kExitRefused;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

namespace {
// One request, its refusal or result printed; the exit code says which.
int simple_command(const char* what, const std::string& socket, const json& req) {
    auto reply = request(socket, req);
    if (!reply) {
        std::cerr << "vigil " << what << ": " << reply.error().message << "\n";
        return kExitUnreachable;
    }
    if (!reply->value("ok", false)) {
        std::cerr << "vigil " << what << ": refused: " << reply->value("error", "?") << "\n";
        return kExitRefused;
    }
    std::cout << reply->value("result", "") << "\n";
    return kExitOk;
}
}  // namespace

int cmd_resource_restart(const std::string& socket, const std::string& resource) {
    return simple_command("resource restart", socket,
                          {{"cmd", "resource_restart"}, {"resource", resource}});
}

int cmd_reload(const std::string& socket) {
    return simple_command("reload", socket, {{"cmd", "reload"}});
}

int cmd_cleanup(const std::string& socket, const std::string& group) {
    return simple_command("cleanup", socket, {{"cmd", "cleanup"}, {"group", group}});
}

int cmd_standby(const std::string& socket, bool on) {
    auto reply = request(socket, {{"cmd", "standby"}, {"on", on}});
    if (!reply) {
        std::cerr << "vigil standby: " << reply.error().message << "\n";
        return kExitUnreachable;
    }
    if (!reply->value("ok", false)) {
        std::cerr << "vigil standby: refused: " << reply->value("error", "?") << "\n";
        return kExitRefused;
    }
    std::cout << reply->value("result", "") << "\n";
    return kExitOk;
}

}  // namespace vigil::cli
