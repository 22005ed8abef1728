// haresources: one line per failover group, "NODE RESOURCE...". Addresses (IPaddr, IPaddr2,
// IPv6addr, a bare address) become the group's VIPs; scripts become command-form
// [[resource]] tables that call the script as heartbeat did, "SCRIPT ARGS... start|stop|status"
// (docs/import.md).
#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>

#include "daemon/import_heartbeat_parts.h"
#include "daemon/ip_literal.h"

namespace vigil::daemon::heartbeat_import {
namespace {

using Kind = ImportNote::Kind;

// Scripts that heartbeat ships in /etc/ha.d/resource.d (and drbddisk, which DRBD puts there).
constexpr std::array<std::string_view, 22> kResourceDScripts = {
    "AudibleAlarm", "Delay",    "Filesystem", "ICP",       "IPaddr",   "IPaddr2",
    "IPsrcaddr",    "IPv6addr", "LVM",        "LinuxSCSI", "MailTo",   "OCF",
    "Raid1",        "SendArp",  "ServeRAID",  "WAS",       "WinPopup", "Xinetd",
    "apache",       "db2",      "portblock",  "drbddisk"};

std::vector<std::string> split_colons(const std::string& word) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t pos; (pos = word.find("::", start)) != std::string::npos; start = pos + 2)
        parts.push_back(word.substr(start, pos - start));
    parts.push_back(word.substr(start));
    return parts;
}

bool all_digits(const std::string& s) {
    return !s.empty() && s.size() <= 3 &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// A prefix length ("24") or, for IPv4, a dotted netmask ("255.255.255.0").
std::optional<int> parse_prefix(const std::string& text, bool ipv6) {
    if (all_digits(text)) {
        const int bits = std::stoi(text);
        if (bits > (ipv6 ? 128 : 32)) return std::nullopt;
        return bits;
    }
    if (ipv6) return std::nullopt;
    std::uint32_t value = 0;
    std::size_t start = 0;
    for (int octet = 0; octet < 4; ++octet) {
        const std::size_t dot = text.find('.', start);
        if ((octet < 3) == (dot == std::string::npos)) return std::nullopt;
        const std::string part = text.substr(start, dot - start);
        if (!all_digits(part) || std::stoi(part) > 255) return std::nullopt;
        value = value << 8 | static_cast<std::uint32_t>(std::stoi(part));
        start = dot + 1;
    }
    const int bits = __builtin_popcount(value);
    const std::uint32_t contiguous = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
    if (value != contiguous) return std::nullopt;
    return bits;
}

// "ADDRESS[/PREFIX[/IFACE[/BROADCAST]]]", as IPaddr and IPaddr2 take it (IPv6addr likewise,
// without the broadcast).
std::optional<Vip> parse_vip(const std::string& spec, const HaCf& cf, const std::string& at,
                             const std::string& text, std::vector<ImportNote>& notes,
                             Problems& problems) {
    std::vector<std::string> fields;
    for (std::size_t start = 0;;) {
        const std::size_t slash = spec.find('/', start);
        fields.push_back(spec.substr(start, slash - start));
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    auto ip = parse_ip(fields[0]);
    if (!ip) {
        problems.add(at, text + ": \"" + fields[0] + "\" is not a unicast IP address");
        return std::nullopt;
    }
    Vip vip{ip->canonical, ip->ipv6 ? 64 : 24, "", at, text};
    if (fields.size() > 1 && !fields[1].empty()) {
        auto prefix = parse_prefix(fields[1], ip->ipv6);
        if (!prefix) {
            problems.add(at, text + ": \"" + fields[1] + "\" is not a prefix length or netmask");
            return std::nullopt;
        }
        vip.prefix = *prefix;
    } else {
        notes.push_back({Kind::warning, at, text,
                         "no netmask: heartbeat took the one of the interface routing to the "
                         "address; assumed /" +
                             std::to_string(vip.prefix) + ", check it"});
    }
    if (fields.size() > 2 && !fields[2].empty()) {
        vip.interface = fields[2];
    } else {
        const std::string guess = !cf.first_bcast.empty() ? cf.first_bcast
                                  : !cf.links.empty()     ? cf.links.front().interface
                                                          : "TODO-interface";
        vip.interface = guess;
        notes.push_back({guess.starts_with("TODO") ? Kind::todo : Kind::warning, at, text,
                         "no interface: heartbeat took the one routing to the address; "
                         "assumed " +
                             guess + " (the first heartbeat link), check it"});
    }
    if (fields.size() > 3 && !fields[3].empty())
        notes.push_back({Kind::not_carried, at, text,
                         "the broadcast address " + fields[3] +
                             " is dropped: the kernel derives it from the prefix"});
    return vip;
}

std::string sanitized_name(const std::string& text) {
    std::string out;
    for (unsigned char c : text) {
        const bool ok = std::isalnum(c) || c == '_' || c == '.' || c == '-';
        if (ok)
            out += static_cast<char>(c);
        else if (!out.empty() && out.back() != '-')
            out += '-';
    }
    while (!out.empty() && out.back() == '-') out.pop_back();
    return out.substr(0, 40);
}

std::string resource_name(const std::string& script, const std::vector<std::string>& args,
                          std::vector<std::string>& taken) {
    std::string base = sanitized_name(script);
    if (base.empty()) base = "resource";
    if (!args.empty()) {
        std::string arg = args[0];
        const std::size_t slash = arg.find_last_of('/');
        if (slash != std::string::npos && slash + 1 < arg.size()) arg = arg.substr(slash + 1);
        if (const std::string s = sanitized_name(arg); !s.empty()) base += "-" + s;
    }
    std::string name = base;
    for (int n = 2; std::find(taken.begin(), taken.end(), name) != taken.end(); ++n)
        name = base + "-" + std::to_string(n);
    taken.push_back(name);
    return name;
}

std::string script_path(const HeartbeatImportInput& input, const std::string& script,
                        const std::string& at, const std::string& text,
                        std::vector<ImportNote>& notes) {
    const bool ours = std::find(kResourceDScripts.begin(), kResourceDScripts.end(), script) !=
                      kResourceDScripts.end();
    const std::string guess = (ours ? "/etc/ha.d/resource.d/" : "/etc/init.d/") + script;
    if (!input.script_path) return guess;
    if (auto found = input.script_path(script)) return *found;
    notes.push_back({Kind::warning, at, text,
                     "script not found in /etc/ha.d/resource.d or /etc/init.d on this host; "
                     "assumed " +
                         guess});
    return guess;
}

// A script heartbeat ran as "SCRIPT ARGS... start|stop|status": the same commands, with an
// LSB reading of status (0 running, 3 stopped). heartbeat's own resource.d scripts need
// care, said in a note each.
std::optional<Resource> script_resource(const HeartbeatImportInput& input,
                                        const std::vector<std::string>& parts,
                                        const std::string& at, const std::string& text,
                                        std::vector<std::string>& taken,
                                        std::vector<ImportNote>& notes) {
    const std::string& script = parts[0];
    const std::vector<std::string> args(parts.begin() + 1, parts.end());
    if (script == "MailTo") {
        notes.push_back({Kind::not_carried, at, text,
                         "a mail on takeover and release, not a service: use the group's "
                         "notify = COMMAND (run with GROUP ROLE EPOCH) to send it"});
        return std::nullopt;
    }
    if (script == "SendArp") {
        notes.push_back({Kind::not_carried, at, text,
                         "vigil sends gratuitous ARPs itself after adding a VIP "
                         "(cluster.announce_count)"});
        return std::nullopt;
    }
    const std::string path = script_path(input, script, at, text, notes);
    std::string command = shell_quote(path);
    for (const auto& a : args) command += " " + shell_quote(a);
    Resource r{resource_name(script, args, taken),
               command + " start",
               command + " stop",
               command + " status",
               at,
               text};
    if (script == "drbddisk") {
        // drbddisk's status prints the DRBD role and exits 0 whatever it is, which an LSB
        // monitor would read as "running" on a Secondary too.
        const std::string res = args.empty() ? "all" : shell_quote(args[0]);
        r.monitor = "drbdadm role " + res + " | grep -q '^Primary' || exit 3";
        notes.push_back({Kind::warning, at, text,
                         "drbddisk's status exits 0 on a Secondary too: the monitor runs "
                         "\"drbdadm role\" instead (Primary = running, else stopped); "
                         "check it with your DRBD version"});
    } else if (path.starts_with("/etc/ha.d/resource.d/")) {
        notes.push_back({Kind::warning, at, text,
                         "heartbeat's own resource script, carried over as an LSB resource: "
                         "check that \"" +
                             command +
                             " status\" exits 0 when running and 3 "
                             "when stopped (heartbeat read its output instead)"});
    }
    return r;
}

void add_vip(const std::string& spec, const std::string& word, const HaCf& cf, bool script_seen,
             Group& g, std::vector<ImportNote>& notes, Problems& problems) {
    if (script_seen)
        notes.push_back({Kind::warning, g.where, word,
                         "vigil adds a group's VIPs before it starts the group's resources; "
                         "heartbeat followed the line's order, which started a script before "
                         "this address"});
    if (auto vip = parse_vip(spec, cf, g.where, word, notes, problems)) g.vips.push_back(*vip);
}

void read_group_line(const HeartbeatImportInput& input, const HaCf& cf, const Line& l,
                     std::vector<std::string>& taken, Group& g, std::vector<ImportNote>& notes,
                     Problems& problems) {
    bool script_seen = false;
    for (std::size_t i = 1; i < l.words.size(); ++i) {
        const std::string& word = l.words[i];
        if (parse_ip(word.substr(0, word.find('/')))) {
            // A bare address is heartbeat's shorthand for IPaddr::ADDRESS.
            add_vip(word, word, cf, script_seen, g, notes, problems);
            continue;
        }
        std::vector<std::string> parts = split_colons(word);
        if (parts[0] == "IPv6addr" && parts.size() > 1) parts = {parts[0], word.substr(10)};
        if (parts[0].empty()) {
            problems.add(g.where, "\"" + word + "\": expected a resource name before ::");
            continue;
        }
        if (parts[0] == "IPaddr" || parts[0] == "IPaddr2" || parts[0] == "IPv6addr") {
            if (parts.size() < 2)
                problems.add(g.where,
                             word + ": expected " + parts[0] + "::ADDRESS[/PREFIX[/IFACE]]");
            else
                add_vip(parts[1], word, cf, script_seen, g, notes, problems);
            continue;
        }
        if (parts[0].find('/') != std::string::npos) {
            problems.add(g.where, "\"" + word +
                                      "\": expected a script name (heartbeat looks it "
                                      "up in /etc/ha.d/resource.d and /etc/init.d), not a path");
            continue;
        }
        if (auto r = script_resource(input, parts, g.where, word, taken, notes)) {
            g.resources.push_back(*r);
            script_seen = true;
        }
    }
}

}  // namespace

std::vector<Group> read_haresources(const HeartbeatImportInput& input, const HaCf& cf,
                                    std::vector<ImportNote>& notes, Problems& problems) {
    std::vector<Group> groups;
    std::vector<std::string> taken;
    for (const Line& l : split_lines(input.haresources.text, true)) {
        Group g;
        g.where = where(input.haresources, l.line);
        g.name = "group" + std::to_string(groups.size() + 1);
        g.preferred = l.words[0];
        // heartbeat compares node names without case (uname -n may differ from ha.cf's).
        auto node = std::find_if(cf.nodes.begin(), cf.nodes.end(), [&](const std::string& n) {
            return n.size() == g.preferred.size() &&
                   std::equal(n.begin(), n.end(), g.preferred.begin(), [](char x, char y) {
                       return std::tolower(static_cast<unsigned char>(x)) ==
                              std::tolower(static_cast<unsigned char>(y));
                   });
        });
        if (node != cf.nodes.end()) {
            g.preferred = *node;
        } else {
            std::string known;
            for (const auto& n : cf.nodes) known += (known.empty() ? "" : ", ") + n;
            problems.add(g.where, "preferred node \"" + g.preferred +
                                      "\" is not a node of ha.cf (expected one of: " +
                                      (known.empty() ? "none" : known) + ")");
        }
        read_group_line(input, cf, l, taken, g, notes, problems);
        groups.push_back(std::move(g));
    }
    return groups;
}

}  // namespace vigil::daemon::heartbeat_import
