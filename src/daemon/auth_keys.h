// The cluster's shared secrets, read from the key files named in [cluster]. Kept apart from
// config parsing because parse_config is pure and the keys are not part of the config (nor
// of its digest): each node may keep its key file elsewhere, as long as the bytes agree.
#pragma once

#include <string>

#include "common/result.h"
#include "core/config.h"
#include "wire/auth.h"

namespace vigil::daemon {

constexpr std::size_t kAuthKeyBytesMin = 16;  // 128 bits; less is guessable offline
constexpr std::size_t kAuthKeyFileBytesMax = 4096;

// Raw key bytes: the file's contents with surrounding whitespace trimmed, so that
// `head -c 32 /dev/urandom | base64 > auth.key` works as is (the key is the base64 text).
// The keys as the wire layer uses them: sign with current; accept current or next.
using AuthKeys = wire::Keys;

// Reads cluster.auth_key_file and, if set, cluster.auth_key_next_file.
// Errors name the file and say what is expected: not_found / io if unreadable,
// invalid_argument if a key is shorter than kAuthKeyBytesMin after trimming or the file is
// larger than kAuthKeyFileBytesMax.
[[nodiscard]] Result<AuthKeys> load_auth_keys(const core::ClusterConfig& cluster);

// True if group or other have any permission on the file (mode & 077), so that the agent can
// warn as ssh does for private keys. False if the file cannot be examined: load_auth_keys
// reports that case.
bool auth_key_file_too_open(const std::string& path);

}  // namespace vigil::daemon
