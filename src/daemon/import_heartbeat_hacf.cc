// ha.cf: the directives vigil carries over (timing, port, links, nodes, failback) and, for
// the common ones it cannot, why not and what vigil has instead (docs/import.md).
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "daemon/import_heartbeat_parts.h"
#include "daemon/ip_literal.h"

namespace vigil::daemon::heartbeat_import {
namespace {

using Kind = ImportNote::Kind;

struct Dropped {
    std::string_view directive;
    std::string_view why;
};

// Directives heartbeat users commonly have that vigil does not carry: why, and the vigil
// equivalent where there is one.
constexpr std::array kDropped = {
    Dropped{"crm",
            "the CRM/Pacemaker cluster manager: with it heartbeat ignores haresources; "
            "vigil is its own resource manager ([[group]], [[resource]]), and the CIB "
            "is not read"},
    Dropped{"pacemaker", "as crm: the CIB is not read; vigil manages groups and resources"},
    Dropped{"respawn",
            "a process heartbeat restarts: vigil's supervisor restarts a [[resource]] "
            "with exec = COMMAND (ipfail: use [[check]] ping with a weight)"},
    Dropped{"ping",
            "ping nodes for ipfail: use a [[check]] with ping = ADDRESS in the group's "
            "checks (weight 0 or negative), or cluster.tiebreaker with two_node"},
    Dropped{"ping_group", "as ping: one [[check]] per address, or a command check"},
    Dropped{"apiauth",
            "permissions of heartbeat's API clients: vigil's control socket "
            "(/run/vigil) is for root only (docs/control.md)"},
    Dropped{"logfacility",
            "vigil logs one logfmt line per event to stderr, which journald "
            "collects under systemd (journalctl -u vigil)"},
    Dropped{"use_logd", "no log daemon: vigil logs to stderr, collected by journald"},
    Dropped{"logfile", "vigil logs to stderr, collected by journald"},
    Dropped{"debugfile", "vigil logs to stderr, collected by journald"},
    Dropped{"debug", "no debug level: every event is one structured log line"},
    Dropped{"serial",
            "vigil has no serial heartbeat link: add a second network link "
            "(a crossover cable) as another node address"},
    Dropped{"baud", "vigil has no serial heartbeat link"},
    Dropped{"watchdog",
            "heartbeat's kernel watchdog device: vigil's supervisor removes the VIPs "
            "when the agent dies or its lease runs out; under systemd WatchdogSec "
            "restarts a hung agent"},
    Dropped{"compression", "vigil's heartbeats are small and never compressed"},
    Dropped{"compression_threshold", "vigil's heartbeats are small and never compressed"},
    Dropped{"traditional_compression", "vigil's heartbeats are small and never compressed"},
    Dropped{"stonith",
            "STONITH device: use the group's fence = COMMAND, run before taking over "
            "from a vanished primary"},
    Dropped{"stonith_host", "as stonith: use the group's fence = COMMAND"},
    Dropped{"realtime", "no scheduling option: vigil's timing is tested on a loaded host"},
    Dropped{"coredumps", "set by the service manager (LimitCORE= in the unit)"},
    Dropped{"hopfudge", "only for rings of heartbeat nodes: vigil sends to every node directly"},
    Dropped{"autojoin", "vigil's nodes are the [[node]] tables, the same file on every node"},
    Dropped{"deadping", "ping nodes are not carried (see ping)"},
    Dropped{"hbgenmethod", "vigil keeps its epochs in state_dir"},
    Dropped{"uuidfrom", "vigil names nodes by [[node]] name"},
    Dropped{"msgfmt", "vigil has its own authenticated heartbeat format (docs/wire.md)"},
    Dropped{"conn_logd_time", "no log daemon: vigil logs to stderr"},
    Dropped{"max_rexmit_delay", "vigil does not retransmit: every heartbeat carries the state"},
    Dropped{"memreserve", "no equivalent: vigil does not lock memory"},
    Dropped{"udpport_mcast", "vigil has no multicast links"},
};

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string joined(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
    return out;
}

// heartbeat's time values: seconds ("2", "1.5", "2s") or milliseconds ("500ms").
std::optional<long> parse_time_ms(const std::string& text) {
    std::string number = text;
    long scale = 1000;
    if (number.size() > 2 && number.ends_with("ms")) {
        number.resize(number.size() - 2);
        scale = 1;
    } else if (number.size() > 1 && number.ends_with("s")) {
        number.pop_back();
    }
    const std::size_t dot = number.find('.');
    const std::string whole = number.substr(0, dot);
    const std::string frac = dot == std::string::npos ? "" : number.substr(dot + 1);
    if (whole.empty() && frac.empty()) return std::nullopt;
    if (scale == 1 && !frac.empty()) return std::nullopt;
    if (whole.size() > 9 || frac.size() > 3) return std::nullopt;
    auto digits = [](const std::string& s) {
        return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
    };
    if (!digits(whole) || !digits(frac)) return std::nullopt;
    long ms = (whole.empty() ? 0 : std::stol(whole)) * scale;
    if (!frac.empty()) ms += std::stol((frac + "00").substr(0, 3));
    if (ms <= 0) return std::nullopt;
    return ms;
}

Link& link_for(HaCf& cf, const std::string& interface, const std::string& how,
               const std::string& at) {
    for (auto& link : cf.links) {
        if (link.interface != interface) continue;
        if (link.how.find(how.substr(0, 5)) == std::string::npos) link.how += ", " + how;
        return link;
    }
    cf.links.push_back(Link{interface, how, at, false, {}});
    return cf.links.back();
}

bool valid_interface(const std::string& name) {
    return !name.empty() && name.size() <= 15 && name.find('/') == std::string::npos;
}

void read_timing(const Line& l, const std::string& at, std::optional<Timing>& slot,
                 Problems& problems) {
    if (l.words.size() != 2) {
        problems.add(at, l.words[0] + ": expected one value (seconds, or a number with ms)");
        return;
    }
    auto ms = parse_time_ms(l.words[1]);
    if (!ms) {
        problems.add(at, l.words[0] + ": \"" + l.words[1] +
                             "\" is not a time (expected seconds such as 2 or 1.5, or 500ms)");
        return;
    }
    slot = Timing{*ms, at, joined(l.words)};
}

void read_link(const Line& l, const std::string& at, HaCf& cf, std::vector<ImportNote>& notes,
               Problems& problems) {
    const std::string& d = l.words[0];
    const std::string how = d + " " + at;
    if (d == "bcast") {
        if (l.words.size() < 2) return problems.add(at, "bcast: expected one or more interfaces");
        for (std::size_t i = 1; i < l.words.size(); ++i) {
            if (!valid_interface(l.words[i]))
                return problems.add(at, "bcast: \"" + l.words[i] + "\" is not an interface name");
            link_for(cf, l.words[i], how, at);
            if (cf.first_bcast.empty()) cf.first_bcast = l.words[i];
        }
        notes.push_back({Kind::warning, at, joined(l.words),
                         "vigil sends unicast heartbeats: each bcast interface is a link that "
                         "needs every node's address on it"});
    } else if (d == "mcast") {
        if (l.words.size() != 6)
            return problems.add(at, "mcast: expected IFACE GROUP PORT TTL LOOP");
        if (!valid_interface(l.words[1]))
            return problems.add(at, "mcast: \"" + l.words[1] + "\" is not an interface name");
        link_for(cf, l.words[1], how, at);
        notes.push_back({Kind::not_carried, at, joined(l.words),
                         "vigil has no multicast heartbeats: the group, port, TTL and loop are "
                         "dropped; the link on " +
                             l.words[1] + " is unicast and needs every node's address on it"});
    } else {  // ucast
        if (l.words.size() != 3) return problems.add(at, "ucast: expected IFACE ADDRESS");
        if (!valid_interface(l.words[1]))
            return problems.add(at, "ucast: \"" + l.words[1] + "\" is not an interface name");
        auto ip = parse_ip(l.words[2]);
        if (!ip)
            return problems.add(
                at, "ucast: \"" + l.words[2] + "\" is not a unicast IP address (no host names)");
        Link& link = link_for(cf, l.words[1], how, at);
        link.ucast = true;
        if (std::find(link.ucast_addresses.begin(), link.ucast_addresses.end(), ip->canonical) ==
            link.ucast_addresses.end())
            link.ucast_addresses.push_back(ip->canonical);
    }
}

void read_failback(const Line& l, const std::string& at, HaCf& cf, Problems& problems) {
    const bool nice = l.words[0] == "nice_failback";
    const std::string value = l.words.size() == 2 ? lower(l.words[1]) : "";
    if (value == "on" || value == "off" || (!nice && value == "legacy")) {
        cf.failback = nice ? value == "off" : value != "off";
        cf.failback_where = at;
        cf.failback_text = joined(l.words);
        return;
    }
    problems.add(at, l.words[0] + ": expected " + (nice ? "on or off" : "on, off or legacy"));
}

}  // namespace

HaCf read_ha_cf(const HeartbeatFile& file, std::vector<ImportNote>& notes, Problems& problems) {
    HaCf cf;
    for (const Line& l : split_lines(file.text, false)) {
        const std::string at = where(file, l.line);
        const std::string d = lower(l.words[0]);
        if (d == "keepalive")
            read_timing(l, at, cf.keepalive, problems);
        else if (d == "deadtime")
            read_timing(l, at, cf.deadtime, problems);
        else if (d == "warntime")
            read_timing(l, at, cf.warntime, problems);
        else if (d == "initdead")
            read_timing(l, at, cf.initdead, problems);
        else if (d == "udpport") {
            int port = 0;
            const std::string& v = l.words.size() == 2 ? l.words[1] : "";
            auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), port);
            if (v.empty() || ec != std::errc() || end != v.data() + v.size() || port < 1 ||
                port > 65535)
                problems.add(at, "udpport: expected a port 1..65535");
            else
                cf.udpport = Timing{port, at, joined(l.words)};
        } else if (d == "ucast" || d == "bcast" || d == "mcast") {
            Line ll = l;
            ll.words[0] = d;
            read_link(ll, at, cf, notes, problems);
        } else if (d == "node") {
            if (l.words.size() < 2) problems.add(at, "node: expected one or more node names");
            for (std::size_t i = 1; i < l.words.size(); ++i)
                if (std::find(cf.nodes.begin(), cf.nodes.end(), l.words[i]) == cf.nodes.end())
                    cf.nodes.push_back(l.words[i]);
            cf.nodes_where += (cf.nodes_where.empty() ? at : "," + std::to_string(l.line));
        } else if (d == "auto_failback" || d == "nice_failback") {
            Line ll = l;
            ll.words[0] = d;
            read_failback(ll, at, cf, problems);
        } else {
            auto it = std::find_if(kDropped.begin(), kDropped.end(),
                                   [&](const Dropped& x) { return x.directive == d; });
            const std::string why = it != kDropped.end() ? std::string(it->why)
                                                         : "not a directive vigil knows: ignored";
            notes.push_back({Kind::not_carried, at, joined(l.words), why});
        }
    }
    return cf;
}

}  // namespace vigil::daemon::heartbeat_import
