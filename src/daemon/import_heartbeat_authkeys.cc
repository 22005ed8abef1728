// authkeys: "auth N" picks the key heartbeat signs with; "N sha1 SECRET", "N md5 SECRET" and
// "N crc" define keys. The chosen key's secret becomes vigil's key file, bytes kept as they
// are (vigil signs with HMAC-SHA256 over the same secret; docs/import.md). crc is refused: it
// is a checksum, so anyone on a heartbeat link could forge a takeover.
#include <algorithm>
#include <map>

#include "daemon/auth_keys.h"
#include "daemon/import_heartbeat_parts.h"

namespace vigil::daemon::heartbeat_import {

std::optional<AuthKey> read_authkeys(const HeartbeatImportInput& input,
                                     std::vector<ImportNote>& notes, Problems& problems) {
    using Kind = ImportNote::Kind;
    const HeartbeatFile& file = input.authkeys;
    std::optional<std::string> chosen;
    std::string chosen_where;
    std::map<std::string, AuthKey> keys;
    const std::size_t errors_before = problems.lines.size();
    for (const Line& l : split_lines(file.text, false)) {
        const std::string at = where(file, l.line);
        if (l.words[0] == "auth") {
            if (l.words.size() != 2)
                problems.add(at, "auth: expected the number of one key");
            else
                chosen = l.words[1], chosen_where = at;
            continue;
        }
        if (l.words.size() < 2) {
            problems.add(at, "expected \"auth N\" or \"N METHOD [SECRET]\"");
            continue;
        }
        AuthKey key{"", at, l.words[1], l.words[0]};
        if (key.method == "crc") {
            if (l.words.size() != 2) problems.add(at, "crc takes no secret");
        } else if (key.method == "sha1" || key.method == "md5") {
            // heartbeat reads the secret as the rest of the line.
            if (l.words.size() < 3) problems.add(at, key.method + ": expected a secret");
            for (std::size_t i = 2; i < l.words.size(); ++i)
                key.secret += (i > 2 ? " " : "") + l.words[i];
        } else {
            problems.add(at, "unknown method \"" + key.method + "\" (expected sha1, md5 or crc)");
            continue;
        }
        keys[key.number] = key;
    }
    if (problems.lines.size() != errors_before) return std::nullopt;
    if (!chosen) {
        problems.add(file.name, "no \"auth N\" line (expected one naming the key to use)");
        return std::nullopt;
    }
    auto it = keys.find(*chosen);
    if (it == keys.end()) {
        problems.add(chosen_where, "auth " + *chosen + ": no key " + *chosen + " in the file");
        return std::nullopt;
    }
    const AuthKey& key = it->second;
    if (key.method == "crc") {
        problems.add(key.where, "key " + key.number +
                                    " uses crc, a checksum that anyone on a "
                                    "heartbeat link can forge: refused as insecure (make a key "
                                    "with: head -c 32 /dev/urandom | base64 > auth.key)");
        return std::nullopt;
    }
    if (key.secret.size() < kAuthKeyBytesMin) {
        problems.add(key.where,
                     "the " + key.method + " secret is " + std::to_string(key.secret.size()) +
                         " bytes (expected at least " + std::to_string(kAuthKeyBytesMin) +
                         ", vigil's minimum; make a new key for both clusters with: "
                         "head -c 32 /dev/urandom | base64 > auth.key)");
        return std::nullopt;
    }
    notes.push_back({Kind::warning, key.where, key.number + " " + key.method + " ...",
                     "the secret's bytes are the vigil key; vigil signs with HMAC-SHA256, so "
                     "vigil and heartbeat nodes cannot talk to each other: switch all nodes "
                     "together"});
    for (const auto& [number, other] : keys)
        if (number != *chosen)
            notes.push_back({Kind::not_carried, other.where, number + " " + other.method,
                             "only the key named by \"auth\" is carried over (vigil's "
                             "auth_key_next_file is its key-rotation slot)"});
    if (input.authkeys_too_open)
        notes.push_back({Kind::warning, file.name, "file mode",
                         "readable by group or others (heartbeat wants mode 600): the secret "
                         "may have leaked; the key file written is 0600, consider a new key"});
    return key;
}

}  // namespace vigil::daemon::heartbeat_import
