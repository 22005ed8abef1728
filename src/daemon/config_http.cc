// [metrics] and [status_page]: where the agent's HTTP server listens (config_http.h).
#include "daemon/config_http.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <string>

namespace vigil::daemon {

using namespace toml_reader;

std::optional<core::HttpListenConfig> parse_listen_address(std::string_view text,
                                                           std::string& why) {
    core::HttpListenConfig out;
    std::string_view host, port;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            why = "an IPv6 address must be written [ADDRESS]:PORT";
            return std::nullopt;
        }
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
        out.ipv6 = true;
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            why = "no port (expected ADDRESS:PORT)";
            return std::nullopt;
        }
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) {
            why = "an IPv6 address must be written [ADDRESS]:PORT";
            return std::nullopt;
        }
    }
    int value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value < 1 ||
        value > 65535) {
        why = "port must be a number in 1..65535";
        return std::nullopt;
    }
    out.port = value;
    const std::string host_text(host);
    unsigned char bytes[16];
    if (inet_pton(out.ipv6 ? AF_INET6 : AF_INET, host_text.c_str(), bytes) != 1) {
        why = std::string("\"") + host_text + "\" is not an " + (out.ipv6 ? "IPv6" : "IPv4") +
              " address (host names are not resolved)";
        return std::nullopt;
    }
    char canonical[INET6_ADDRSTRLEN];
    inet_ntop(out.ipv6 ? AF_INET6 : AF_INET, bytes, canonical, sizeof canonical);
    out.address = canonical;
    out.enabled = true;
    return out;
}

namespace {

bool is_loopback(const core::HttpListenConfig& l) {
    return l.ipv6 ? l.address == "::1" : l.address.rfind("127.", 0) == 0;
}

bool is_wildcard(const core::HttpListenConfig& l) {
    return l.address == (l.ipv6 ? "::" : "0.0.0.0");
}

core::HttpListenConfig read_listener(const toml::table& root, std::string_view name,
                                     Problems& problems) {
    core::HttpListenConfig out;
    const toml::node* n = root.get(name);
    if (n == nullptr) return out;
    const auto* table = n->as_table();
    if (table == nullptr) {
        type_mismatch(*n, name, "a table ([" + std::string(name) + "])", problems);
        return out;
    }
    check_keys(*table, name, {"listen", "allow_remote"}, problems);
    bool allow_remote = false;
    if (const auto* a = table->get("allow_remote"))
        allow_remote = read_bool(*a, member(name, "allow_remote"), problems).value_or(false);
    const toml::node* at = require(*table, name, "listen", "\"ADDRESS:PORT\"", problems);
    if (at == nullptr) return out;
    const std::string path = member(name, "listen");
    auto text = read_string(*at, path, problems);
    if (!text) return out;
    std::string why;
    auto parsed = parse_listen_address(*text, why);
    if (!parsed) {
        problems.add(
            *at, path,
            quote(*text) + ": " + why + " (expected e.g. \"127.0.0.1:9405\" or \"[::1]:9405\")");
        return out;
    }
    parsed->allow_remote = allow_remote;
    if (!is_loopback(*parsed) && !allow_remote) {
        problems.add(*at, path,
                     quote(*text) +
                         " is not a loopback address; this endpoint has no authentication: "
                         "listen on 127.0.0.1 or [::1] (behind a proxy for remote access), or "
                         "set allow_remote = true");
        return out;
    }
    return *parsed;
}

}  // namespace

void read_http_listeners(const toml::table& root, core::Config& config, Problems& problems) {
    config.metrics = read_listener(root, "metrics", problems);
    config.status_page = read_listener(root, "status_page", problems);
    const auto& m = config.metrics;
    const auto& s = config.status_page;
    if (!m.enabled || !s.enabled || m.port != s.port || m.ipv6 != s.ipv6) return;
    const toml::node& s_at = *root.get("status_page")->as_table()->get("listen");
    if (m.address == s.address) {
        // One server then serves every route; allow_remote must then agree, or the
        // stricter table would be silently widened.
        if (m.allow_remote != s.allow_remote)
            problems.add(s_at, "status_page.allow_remote",
                         "differs from metrics.allow_remote on the same listen address");
        return;
    }
    if (is_wildcard(m) || is_wildcard(s))
        problems.add(s_at, "status_page.listen",
                     "overlaps metrics.listen (same port, and one is a wildcard address): "
                     "use the same address for both, or another port");
}

}  // namespace vigil::daemon
