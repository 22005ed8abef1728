// See import_heartbeat.h. Reads the three files (import_heartbeat_{hacf,resources,authkeys}.cc),
// maps timing and node addresses onto vigil's rules, and writes the TOML text with a
// comment on each value saying where it came from.
#include "daemon/import_heartbeat.h"

#include <algorithm>
#include <cctype>

#include "core/config.h"
#include "daemon/import_heartbeat_parts.h"
#include "daemon/ip_literal.h"

namespace vigil::daemon {
namespace heartbeat_import {

std::vector<Line> split_lines(std::string_view text, bool continuation) {
    std::vector<Line> lines;
    std::string pending;
    std::size_t pending_line = 0, number = 0;
    for (std::size_t start = 0; start <= text.size(); ++number) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string raw(text.substr(start, end - start));
        start = end + 1;
        for (std::size_t i = 0; i < raw.size(); ++i)
            if (raw[i] == '#' && (i == 0 || std::isspace(static_cast<unsigned char>(raw[i - 1]))))
                raw.resize(i);
        if (pending.empty()) pending_line = number + 1;
        const std::size_t last = raw.find_last_not_of(" \t\r");
        if (continuation && last != std::string::npos && raw[last] == '\\') {
            pending += raw.substr(0, last) + " ";
            continue;
        }
        pending += raw;
        Line l{pending_line, {}};
        for (std::size_t i = 0; i < pending.size();) {
            while (i < pending.size() && std::isspace(static_cast<unsigned char>(pending[i]))) ++i;
            std::size_t j = i;
            while (j < pending.size() && !std::isspace(static_cast<unsigned char>(pending[j]))) ++j;
            if (j > i) l.words.push_back(pending.substr(i, j - i));
            i = j;
        }
        pending.clear();
        if (!l.words.empty()) lines.push_back(std::move(l));
    }
    return lines;
}

std::string where(const HeartbeatFile& file, std::size_t line) {
    return file.name + ":" + std::to_string(line);
}

std::string shell_quote(const std::string& word) {
    const bool safe = !word.empty() && std::all_of(word.begin(), word.end(), [](unsigned char c) {
        return std::isalnum(c) || std::string_view("/._-+:=@,%").find(c) != std::string_view::npos;
    });
    if (safe) return word;
    std::string out = "'";
    for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

bool bare_toml_key(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '_' || c == '-';
    });
}

std::string comment(const std::string& text) {
    std::string out;
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '\n' || c == '\r')
            out += ' ';
        else if ((u < 0x20 && c != '\t') || u >= 0x7f)
            out += '?';
        else
            out += c;
    }
    return out;
}

}  // namespace heartbeat_import

namespace {

using namespace heartbeat_import;
using Kind = ImportNote::Kind;

std::string toml_string(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\')
            out += '\\', out += static_cast<char>(c);
        else if (c < 0x20 || c == 0x7f) {
            static const char* hex = "0123456789ABCDEF";
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else
            out += static_cast<char>(c);
    }
    return out + "\"";
}

std::string toml_key(const std::string& s) {
    return bare_toml_key(s) ? s : toml_string(s);
}

struct Timings {
    long interval = 0, dead = 0, warn = 0, init = 0;
    std::vector<std::string> comments = {"", "", "", ""};
};

// heartbeat's timings within vigil's ranges (docs/config.md), in order: interval, dead time
// (>= 2 intervals), warn time (interval..dead time), init dead (dead time..600 s).
Timings map_timings(const HaCf& cf, std::vector<ImportNote>& notes) {
    Timings t;
    const std::optional<Timing>* in[] = {&cf.keepalive, &cf.deadtime, &cf.warntime, &cf.initdead};
    long* out[] = {&t.interval, &t.dead, &t.warn, &t.init};
    for (int i = 0; i < 4; ++i) {
        if (!*in[i]) continue;
        *out[i] = (*in[i])->ms;
        t.comments[i] = "from " + (*in[i])->where + " \"" + (*in[i])->text + "\"";
    }
    auto clamp = [&](int i, long lo, long hi, const std::string& rule) {
        if (!*in[i] || (*out[i] >= lo && *out[i] <= hi)) return;
        const long old = *out[i];
        *out[i] = std::clamp(*out[i], lo, hi);
        t.comments[i] += ", changed from " + std::to_string(old) + " ms: " + rule;
        notes.push_back({Kind::warning, (*in[i])->where, (*in[i])->text,
                         "changed from " + std::to_string(old) + " to " + std::to_string(*out[i]) +
                             " ms: " + rule});
    };
    clamp(0, 5, 10000, "vigil's heartbeat interval is 5..10000 ms");
    const long interval = t.interval ? t.interval : 50;
    clamp(1, 2 * interval, 60000, "vigil's dead time is 2 heartbeat intervals..60000 ms");
    const long dead = t.dead ? t.dead : std::max(250L, 2 * interval);
    if (!cf.deadtime && 2 * interval > 250) t.dead = dead;  // the default would be refused
    clamp(2, interval, dead, "vigil's warn time is 1 heartbeat interval..the dead time");
    clamp(3, dead, 600000, "vigil's init dead time is the dead time..600000 ms");
    // heartbeat's timings were seconds because its failover was; vigil's are not. Carried as
    // they are (the operator chose them), with the figure that may change the choice.
    if (cf.deadtime && t.dead >= 1000)
        notes.push_back({Kind::warning, cf.deadtime->where, cf.deadtime->text,
                         "carried as it is: a failover takes at least the dead time (" +
                             std::to_string(t.dead) +
                             " ms); vigil's defaults "
                             "(heartbeat_interval_ms = 50, dead_time_ms = 250) fail over in "
                             "about 250 ms (README, \"Failover figures\")"});
    return t;
}

struct Addressing {
    // addresses[node][link]; a TODO placeholder where no address is known.
    std::vector<std::vector<std::string>> addresses;
    std::vector<std::vector<std::string>> comments;
};

// A node's own address on each link: from --node-address, else the one ucast address of the
// link that no other node claims when exactly one node is left without an address.
Addressing map_addresses(const HeartbeatImportInput& input, const HaCf& cf,
                         std::vector<ImportNote>& notes, Problems& problems) {
    const std::size_t n = cf.nodes.size(), links = cf.links.size();
    Addressing a{std::vector(n, std::vector<std::string>(links)),
                 std::vector(n, std::vector<std::string>(links))};
    for (const auto& opt : input.node_addresses) {
        auto node = std::find(cf.nodes.begin(), cf.nodes.end(), opt.node);
        auto link = std::find_if(cf.links.begin(), cf.links.end(),
                                 [&](const Link& l) { return l.interface == opt.interface; });
        auto ip = parse_ip(opt.address);
        const std::string what =
            "--node-address " + opt.node + ":" + opt.interface + "=" + opt.address;
        if (node == cf.nodes.end())
            problems.add(what, "\"" + opt.node + "\" is not a node of ha.cf");
        else if (link == cf.links.end())
            problems.add(what, "ha.cf has no heartbeat link on \"" + opt.interface + "\"");
        else if (!ip)
            problems.add(what, "\"" + opt.address + "\" is not a unicast IP address");
        else {
            const auto i = static_cast<std::size_t>(node - cf.nodes.begin());
            const auto k = static_cast<std::size_t>(link - cf.links.begin());
            a.addresses[i][k] = ip->canonical;
            a.comments[i][k] = "--node-address";
        }
    }
    for (std::size_t k = 0; k < links; ++k) {
        std::vector<std::string> left = cf.links[k].ucast_addresses;
        std::vector<std::size_t> missing;
        for (std::size_t i = 0; i < n; ++i) {
            std::erase(left, a.addresses[i][k]);
            if (a.addresses[i][k].empty()) missing.push_back(i);
        }
        if (missing.size() == 1 && left.size() == 1) {
            a.addresses[missing[0]][k] = left[0];
            a.comments[missing[0]][k] = "ucast, the address no other node has";
            missing.clear();
        }
        for (std::size_t i : missing) {
            a.addresses[i][k] = "TODO: " + cf.nodes[i] + " on " + cf.links[k].interface;
            a.comments[i][k] = "TODO";
            notes.push_back({Kind::todo, cf.links[k].where,
                             "node " + cf.nodes[i] + ", link " + cf.links[k].interface,
                             "ha.cf does not say which address is " + cf.nodes[i] + "'s own on " +
                                 cf.links[k].interface + ": give --node-address " + cf.nodes[i] +
                                 ":" + cf.links[k].interface + "=ADDRESS, or edit the config"});
        }
    }
    return a;
}

void write_cluster(const HeartbeatImportInput& input, const HaCf& cf, const AuthKey& key,
                   const Timings& t, std::string& out) {
    out += "[cluster]\n";
    out += "name = " + toml_string(input.cluster_name) + "   # heartbeat v1 has no cluster name\n";
    out += "auth_key_file = " + toml_string(input.auth_key_file) + "   # the secret of " +
           key.where + " (" + key.method + "), bytes kept; vigil signs with HMAC-SHA256\n";
    const char* keys[] = {"heartbeat_interval_ms", "dead_time_ms", "warn_time_ms", "init_dead_ms"};
    const long values[] = {t.interval, t.dead, t.warn, t.init};
    for (int i = 0; i < 4; ++i) {
        if (values[i] == 0) continue;
        std::string c = t.comments[i];
        if (c.empty()) c = "ha.cf has no deadtime: 2 heartbeat intervals (vigil's minimum)";
        out +=
            std::string(keys[i]) + " = " + std::to_string(values[i]) + "   # " + comment(c) + "\n";
    }
    if (cf.udpport)
        out += "port = " + std::to_string(cf.udpport->ms) + "   # from " + cf.udpport->where +
               " \"" + comment(cf.udpport->text) + "\"\n";
    if (cf.nodes.size() == 2)
        out +=
            "two_node = true   # two nodes and no witness, as with heartbeat: a cut link "
            "can give two primaries; prefer a witness node (docs/design.md)\n";
}

void write_nodes(const HaCf& cf, const Addressing& a, std::string& out) {
    std::string links;
    for (const auto& l : cf.links)
        links += (links.empty() ? "" : "; ") + l.interface + " (" + l.how + ")";
    out += "\n# Heartbeat links, one address per node on each, in this order: " + comment(links) +
           "\n";
    for (std::size_t i = 0; i < cf.nodes.size(); ++i) {
        out += "\n[[node]]\nname = " + toml_string(cf.nodes[i]) + "   # " + cf.nodes_where + "\n";
        std::string addresses, comments;
        for (std::size_t k = 0; k < cf.links.size(); ++k) {
            addresses += (k ? ", " : "") + toml_string(a.addresses[i][k]);
            comments += (k ? "; " : "") + cf.links[k].interface + ": " + a.comments[i][k];
        }
        out += "address = [" + addresses + "]   # " + comment(comments) + "\n";
    }
}

void write_groups(const HaCf& cf, const std::vector<Group>& groups, std::string& out) {
    for (const Group& g : groups) {
        out += "\n[[group]]\nname = " + toml_string(g.name) + "   # " + g.where + "\n";
        std::string priority;
        for (const auto& n : cf.nodes)
            priority += (priority.empty() ? "" : ", ") + toml_key(n) + " = " +
                        (n == g.preferred ? "200" : "100");
        out += "priority = { " + priority + " }   # " + comment(g.preferred) +
               " is the preferred node (first word of the line)\n";
        const bool preempt = cf.failback.value_or(true);
        out += std::string("preempt = ") + (preempt ? "true" : "false") + "   # " +
               (cf.failback ? "from " + cf.failback_where + " \"" + comment(cf.failback_text) + "\""
                            : std::string("no auto_failback in ha.cf: heartbeat's default "
                                          "(legacy) fails back")) +
               "\n";
        if (!g.vips.empty()) out += "vip = [\n";
        for (const Vip& v : g.vips)
            out += "    { address = " + toml_string(v.address + "/" + std::to_string(v.prefix)) +
                   ", interface = " + toml_string(v.interface) + " },   # " + comment(v.text) +
                   "\n";
        if (!g.vips.empty()) out += "]\n";
        if (g.resources.empty()) continue;
        std::string names;
        for (const auto& r : g.resources)
            names += (names.empty() ? "" : ", ") + toml_string(r.name);
        out += "resources = [" + names + "]   # started in this order after the VIPs\n";
    }
    for (const Group& g : groups) {
        for (const Resource& r : g.resources) {
            out += "\n[[resource]]   # " + comment(r.where + " " + r.text) + "\n";
            out += "name = " + toml_string(r.name) + "\n";
            out += "start = " + toml_string(r.start) + "\n";
            out += "stop = " + toml_string(r.stop) + "\n";
            out += "monitor = " + toml_string(r.monitor) + "   # LSB: 0 running, 3 stopped\n";
        }
    }
}

}  // namespace

Result<HeartbeatImport> import_heartbeat(const HeartbeatImportInput& input) {
    HeartbeatImport result;
    Problems problems;
    const HaCf cf = read_ha_cf(input.ha_cf, result.notes, problems);
    if (cf.nodes.empty())
        problems.add(input.ha_cf.name, "no node lines (expected 2 or more nodes)");
    else if (cf.nodes.size() == 1)
        problems.add(cf.nodes_where, "only one node (expected 2 or more)");
    else if (cf.nodes.size() > core::kNodesMax)
        problems.add(cf.nodes_where, std::to_string(cf.nodes.size()) +
                                         " nodes (vigil has at most " +
                                         std::to_string(core::kNodesMax) + ")");
    if (cf.links.empty())
        problems.add(input.ha_cf.name, "no ucast, bcast or mcast line (expected a heartbeat link)");
    else if (cf.links.size() > core::kLinksMax)
        problems.add(input.ha_cf.name, std::to_string(cf.links.size()) +
                                           " heartbeat interfaces (vigil has at most " +
                                           std::to_string(core::kLinksMax) + " links)");
    const std::vector<Group> groups = read_haresources(input, cf, result.notes, problems);
    const std::optional<AuthKey> key = read_authkeys(input, result.notes, problems);
    const Timings timings = map_timings(cf, result.notes);
    const Addressing addressing = map_addresses(input, cf, result.notes, problems);
    if (!problems.lines.empty()) {
        std::string message;
        for (const auto& line : problems.lines) message += (message.empty() ? "" : "\n") + line;
        return Error::invalid(message);
    }
    std::string& out = result.toml;
    out = "# vigil configuration made by `vigil import heartbeat` from " +
          comment(input.ha_cf.name) + ", " + comment(input.haresources.name) + " and " +
          comment(input.authkeys.name) +
          ".\n# Read the notes at the end, then check it with: vigil check-config FILE\n"
          "# Every key is described in docs/config.md; the mapping in docs/import.md.\n\n";
    write_cluster(input, cf, *key, timings, out);
    write_nodes(cf, addressing, out);
    write_groups(cf, groups, out);
    for (const auto& note : result.notes) result.todo_count += note.kind == Kind::todo;
    out += "\n# Notes from the import (" + std::to_string(result.notes.size()) + ", " +
           std::to_string(result.todo_count) + " TODO):\n";
    for (const auto& note : result.notes) out += "# " + format_note(note) + "\n";
    result.key = key->secret + "\n";
    return result;
}

std::string format_note(const ImportNote& note) {
    const char* kind = note.kind == Kind::not_carried ? "not carried over"
                       : note.kind == Kind::todo      ? "TODO"
                                                      : "warning";
    return comment(note.where + ": " + kind + ": " + note.what + ": " + note.why);
}

}  // namespace vigil::daemon
