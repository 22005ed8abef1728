// `vigil import heartbeat`: turns a Linux-HA v1 (heartbeat) setup, its ha.cf, haresources and
// authkeys, into a vigil config file and key file (docs/import.md has the mapping table).
// A pure function of the three file texts and the operator's options: it reads no file and
// no environment, so that every mapping rule is tested on sample texts; the command in
// import_command.cc does the reading and writing. What cannot be carried over is not an
// error: it becomes a note, so that an operator sees in one pass everything left to do.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace vigil::daemon {

struct HeartbeatFile {
    std::string name;  // as given on the command line; names the file in notes and errors
    std::string text;
};

// --node-address NODE:IFACE=ADDRESS: a node's own address on the heartbeat link of IFACE,
// which ha.cf does not hold (it lists the peers' ucast addresses, and none for bcast/mcast).
struct HeartbeatNodeAddress {
    std::string node;
    std::string interface;
    std::string address;
};

struct HeartbeatImportInput {
    HeartbeatFile ha_cf;
    HeartbeatFile haresources;
    HeartbeatFile authkeys;
    bool authkeys_too_open = false;          // group or others may read it (heartbeat wants 0600)
    std::string cluster_name = "heartbeat";  // heartbeat v1 has no cluster name
    std::string auth_key_file = "auth.key";  // written as [cluster] auth_key_file
    std::vector<HeartbeatNodeAddress> node_addresses;
    // Where heartbeat would find a script resource: /etc/ha.d/resource.d/NAME, else
    // /etc/init.d/NAME. Returns nullopt when neither exists on this host; then the importer
    // guesses (resource.d for heartbeat's own scripts, init.d otherwise) and says so.
    // Unset: guess without a note (tests, or a host without heartbeat installed).
    std::function<std::optional<std::string>(const std::string& script)> script_path;
};

struct ImportNote {
    // not_carried: dropped, with the reason and vigil's equivalent if there is one.
    // warning: carried over, but differently or on a guess: check it.
    // todo: a value the inputs do not hold; the config has a TODO placeholder there and
    //       does not pass check-config until it is filled in.
    enum class Kind { not_carried, warning, todo };
    Kind kind = Kind::warning;
    std::string where;  // "FILE:LINE", or "FILE" for the file as a whole
    std::string what;   // the directive, resource or key as written
    std::string why;
};

struct HeartbeatImport {
    std::string toml;  // the config; its notes are repeated as comments at its end
    std::string key;   // the key file's contents (write with mode 0600)
    std::vector<ImportNote> notes;
    std::size_t todo_count = 0;
};

// Errors (Code::invalid_argument) are for inputs that cannot be used at all: a malformed
// directive or value, no nodes, a preferred node that ha.cf does not list, an authkeys file
// without a usable key, crc authentication, a secret shorter than vigil's minimum. The
// message holds one line per problem, each starting with FILE:LINE.
[[nodiscard]] Result<HeartbeatImport> import_heartbeat(const HeartbeatImportInput& input);

// "FILE:LINE: not carried over: WHAT: WHY" (or "warning", "TODO"), one line.
std::string format_note(const ImportNote& note);

}  // namespace vigil::daemon
