// The TOML configuration file: parsing, validation and the digest nodes compare.
// This is the only place that knows the file format (docs/config.md); the rest of the
// daemon and the core see the immutable, already validated core::Config.
// Validation fails closed: unknown keys, wrong types and out-of-range values are errors,
// and every problem in the file is reported at once, one line each, as
//   FILE:LINE: KEY.PATH: what is wrong (expected ...)
// so that `vigil check-config` shows an operator everything to fix in one pass.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "core/config.h"

namespace vigil::daemon {

constexpr std::size_t kConfigFileBytesMax = 1 << 20;  // a config is a few KiB at most

// Parses and validates `text`, the contents of the file at `path`.
// Pure: reads no files and no environment. `path` names the file in messages and is the
// base for relative auth_key_file, auth_key_next_file and "./"- or "../"-prefixed command
// paths (notify, fence, resource and check commands); pass an absolute path (load_config
// does) to get absolute paths back.
// On failure the Error (Code::invalid_argument) holds one line per problem, in file order.
[[nodiscard]] Result<core::Config> parse_config(std::string_view text, std::string_view path);

// Reads the file at `path` (at most kConfigFileBytesMax), makes the path absolute and calls
// parse_config. Errors: not_found / io if the file cannot be read, else as parse_config.
[[nodiscard]] Result<core::Config> load_config(const std::string& path);

// SHA-256 over a canonical serialization of everything that must agree cluster-wide:
// cluster name, timing and port, nodes, groups, resources and checks. Key file paths are left out
// because they may differ between nodes that share the same key. parse_config fills Config::digest
// with this; it is exposed so that tests and reload can recompute it.
std::array<std::uint8_t, 32> compute_config_digest(const core::Config& config);

// One line for `vigil check-config` on success, e.g.
// "config ok: cluster controller, 2 nodes (n1, n2), 2 links, 1 group (northbound: 2 vips)",
// followed by ", 2 resources, 1 check" when there are any.
std::string describe_config(const core::Config& config);

}  // namespace vigil::daemon
