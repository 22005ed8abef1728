// The pieces behind import_keepalived (import_keepalived.h), private to it: keepalived's
// config syntax read into a tree (import_keepalived_syntax.cc), one node's tree read into
// instances, scripts and sync groups (import_keepalived_read.cc); import_keepalived.cc
// matches the nodes' instances and writes the TOML.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daemon/import_keepalived.h"

namespace vigil::daemon::keepalived_import {

// Problems that make the inputs unusable, each "FILE:LINE: what is wrong".
struct Problems {
    std::vector<std::string> lines;
    void add(const std::string& where, const std::string& what) {
        lines.push_back(where + ": " + what);
    }
};

// One statement: the words of a line (quotes removed) and, for `KEYWORD ... { ... }`, the
// statements inside the braces. `where` is "FILE:LINE" of the first word.
struct Statement {
    std::vector<std::string> words;
    std::string where;
    bool block = false;
    std::vector<Statement> children;
};

constexpr int kNestingMax = 16;      // keepalived's own configs nest 3 deep
constexpr int kIncludeDepthMax = 8;  // include inside include inside ...
constexpr std::size_t kIncludeFilesMax = 256;

// Reads keepalived's syntax: `#` and `!` start comments (outside quotes), "..." quotes a
// word, `{` and `}` delimit blocks (the `{` on the keyword's line or the next), and
// `include PATTERN` splices in the statements of the files the resolver returns.
std::vector<Statement> parse_conf(const KeepalivedFile& file,
                                  const KeepalivedIncludeResolver& resolve,
                                  std::vector<ImportNote>& notes, Problems& problems);

struct Vip {
    std::string address;  // canonical, without prefix
    int prefix = 0;
    bool ipv6 = false;
    std::string dev;  // "" = the instance's interface
    std::string where;
    std::string text;       // the line as written
    bool excluded = false;  // from virtual_ipaddress_excluded
};

struct Track {
    std::string name;           // script name or interface name
    std::optional<int> weight;  // the instance's own `weight W`, if given
    std::string where;
};

struct Instance {
    std::string name, where;
    std::string interface;
    int vrid = 0;
    bool vrid_given = false, vips_given = false;  // the keyword was there (maybe with errors)
    int priority = 100;                           // keepalived's default
    bool priority_given = false;
    long advert_ms = 1000;  // keepalived's default advert_int 1
    std::string advert_text;
    bool preempt = true;
    long preempt_delay_ms = 0;
    std::optional<bool> accept;  // accept / no_accept
    std::string unicast_src;
    std::vector<std::string> peers;  // canonical
    std::vector<Vip> vips;
    std::vector<Track> scripts, interfaces;
    std::string notify;
    std::string notify_state[3];  // notify_master, notify_backup, notify_fault
    std::string notify_where;
    int version = 0;  // 0: not given in the instance (global_defs vrrp_version applies)
    std::string version_where;
};

struct Script {
    std::string name, where;
    std::string command;
    long interval_ms = 1000;  // keepalived's default interval 1
    std::optional<long> timeout_ms;
    int fall = 1, rise = 1;  // keepalived's defaults (vigil's are 2)
    int weight = 0;
};

struct SyncGroup {
    std::string name, where;
    std::vector<std::string> members;
};

struct NodeConf {
    std::string node;
    std::string file;
    int vrrp_version = 2;  // keepalived's default
    bool strict = false;   // global_defs vrrp_strict: no accept mode unless `accept`
    std::vector<Instance> instances;
    std::vector<Script> scripts;
    std::vector<SyncGroup> sync_groups;
};

NodeConf read_node(const KeepalivedNodeConf& conf, const std::vector<Statement>& statements,
                   std::vector<ImportNote>& notes, Problems& problems);

}  // namespace vigil::daemon::keepalived_import
