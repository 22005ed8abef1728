// `vigil import keepalived`: turns keepalived.conf files, one per node, into one vigil
// config whose [[group]] tables are VRRPv3 virtual routers (protocol = "vrrp3"), and lists
// everything it could not carry over (docs/import.md has the mapping table).
// A pure function of the file texts and the operator's options, like import_heartbeat.h:
// files named by `include` come through a resolver the caller passes, so that every rule
// is tested on sample texts. keepalived configs are per node (the priorities differ), so
// instances are matched across the files by vrrp_instance name.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/result.h"
#include "daemon/import_heartbeat.h"  // ImportNote, format_note

namespace vigil::daemon {

struct KeepalivedFile {
    std::string name;  // as given (or as `include` found it); names the file in notes and errors
    std::string text;
};

// --conf NODE=FILE: the keepalived.conf of vigil node NODE.
struct KeepalivedNodeConf {
    std::string node;
    KeepalivedFile file;
};

// --node-address NODE=ADDRESS: the node's heartbeat address, when no unicast_src_ip says it.
struct KeepalivedNodeAddress {
    std::string node;
    std::string address;
};

// Reads the files an `include PATTERN` line of `including_file` names: PATTERN relative to
// that file's directory, glob characters allowed, in sorted order. An error (a file that
// matches but cannot be read) is an import error; no match at all is an empty list.
using KeepalivedIncludeResolver = std::function<Result<std::vector<KeepalivedFile>>(
    const std::string& pattern, const std::string& including_file)>;

struct KeepalivedImportInput {
    std::vector<KeepalivedNodeConf> confs;  // one per node, 1..16
    std::vector<KeepalivedNodeAddress> node_addresses;
    std::string cluster_name = "keepalived";
    std::string auth_key_file = "auth.key";     // written as [cluster] auth_key_file
    KeepalivedIncludeResolver resolve_include;  // unset: `include` lines are not followed (a note)
};

struct KeepalivedImport {
    std::string toml;  // the config; its notes are repeated as comments at its end
    std::vector<ImportNote> notes;
};

// Errors (Code::invalid_argument) are for inputs that cannot be used: a syntax error, an
// instance without interface, virtual_router_id or VIPs, a bad number or address, instances
// of one name that disagree on virtual_router_id, interface or VIPs between the files, a node
// without a heartbeat address. One line per problem, each starting with FILE:LINE.
[[nodiscard]] Result<KeepalivedImport> import_keepalived(const KeepalivedImportInput& input);

}  // namespace vigil::daemon
