// The keys of the agent's local HTTP listeners, [metrics] and [status_page]
// (docs/config.md, docs/metrics.md), split out of config_parse.cc, which calls
// read_http_listeners once the other sections are read. Private to the config parser.
#pragma once

#include <toml++/toml.h>

#include <optional>
#include <string_view>

#include "core/config.h"
#include "daemon/toml_reader.h"

namespace vigil::daemon {

// Reads [metrics] and [status_page] into config.metrics and config.status_page. A table
// that is absent leaves its listener off. Each table has `listen` (required,
// "IPV4:PORT" or "[IPV6]:PORT") and `allow_remote` (default false). Neither endpoint has
// authentication, so an address other than loopback is refused unless allow_remote = true.
// Two listeners on the same port must either be the same address (one server then serves
// both) or not overlap (a wildcard address overlaps every address of its family).
void read_http_listeners(const toml::table& root, core::Config& config,
                         toml_reader::Problems& problems);

// "127.0.0.1:9405" or "[::1]:9405" -> address, family and port; nullopt with `why` set
// when malformed. Exposed for the unit tests.
std::optional<core::HttpListenConfig> parse_listen_address(std::string_view text, std::string& why);

}  // namespace vigil::daemon
