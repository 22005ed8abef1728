// The three readers behind import_heartbeat (import_heartbeat.h): ha.cf, haresources and
// authkeys, each into plain data plus notes. Private to the importer; split by input file so
// that each file's rules (and the reasons for what is dropped) sit in one place.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/import_heartbeat.h"

namespace vigil::daemon::heartbeat_import {

// Problems that make the inputs unusable, each "FILE:LINE: what is wrong".
struct Problems {
    std::vector<std::string> lines;
    void add(const std::string& where, const std::string& what) {
        lines.push_back(where + ": " + what);
    }
};

// One line of an input file, comments removed, split into words. `line` counts from 1.
struct Line {
    std::size_t line = 0;
    std::vector<std::string> words;
};
// Removes "#" comments (at the start of a line or after whitespace) and blank lines; with
// `continuation`, a line ending in a backslash goes on on the next (haresources allows it).
std::vector<Line> split_lines(std::string_view text, bool continuation);
std::string where(const HeartbeatFile& file, std::size_t line);

struct Timing {
    long ms = 0;
    std::string where;
    std::string text;  // "keepalive 2"
};

// A heartbeat link: every ucast, bcast or mcast line naming one interface is one link,
// in the order interfaces first appear.
struct Link {
    std::string interface;
    std::string how;    // "bcast ha.cf:10", "ucast ha.cf:11", ...
    std::string where;  // the first line naming the interface
    bool ucast = false;
    std::vector<std::string> ucast_addresses;  // canonical, as ha.cf lists them
};

struct HaCf {
    std::optional<Timing> keepalive, deadtime, warntime, initdead;
    std::optional<Timing> udpport;  // ms holds the port
    std::vector<Link> links;
    std::vector<std::string> nodes;  // in ha.cf order
    std::string nodes_where;         // "ha.cf:20,21"
    std::optional<bool> failback;    // auto_failback / nice_failback
    std::string failback_where;
    std::string failback_text;
    std::string first_bcast;  // interface of the first bcast link, for VIPs without one
};

HaCf read_ha_cf(const HeartbeatFile& file, std::vector<ImportNote>& notes, Problems& problems);

struct Vip {
    std::string address;  // canonical, without prefix
    int prefix = 0;
    std::string interface;
    std::string where;
    std::string text;  // as written
};

struct Resource {
    std::string name;  // unique among all groups' resources
    std::string start, stop, monitor;
    std::string where;
    std::string text;
};

struct Group {
    std::string name;
    std::string preferred;
    std::string where;
    std::vector<Vip> vips;
    std::vector<Resource> resources;
};

std::vector<Group> read_haresources(const HeartbeatImportInput& input, const HaCf& ha_cf,
                                    std::vector<ImportNote>& notes, Problems& problems);

struct AuthKey {
    std::string secret;
    std::string where;   // of the key's line
    std::string method;  // sha1 or md5
    std::string number;
};

std::optional<AuthKey> read_authkeys(const HeartbeatImportInput& input,
                                     std::vector<ImportNote>& notes, Problems& problems);

// Single-quotes a word for /bin/sh unless it is made of safe characters only.
std::string shell_quote(const std::string& word);
// Shared by both importers' TOML writers: a name that can be a bare TOML key
// ([A-Za-z0-9_-]+), and a comment that cannot end the line early or forge another line and
// stays valid TOML (control characters and bytes outside ASCII become '?').
bool bare_toml_key(const std::string& s);
std::string comment(const std::string& text);

}  // namespace vigil::daemon::heartbeat_import
