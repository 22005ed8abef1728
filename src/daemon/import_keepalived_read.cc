// One node's keepalived.conf tree into instances, scripts and sync groups: every keyword
// is carried, listed as dropped with the reason (and vigil's equivalent, if any), or listed
// as unknown. Values are checked here, so that an error names the line it came from.
#include <algorithm>
#include <array>
#include <charconv>

#include "daemon/import_keepalived_parts.h"
#include "daemon/ip_literal.h"

namespace vigil::daemon::keepalived_import {
namespace {

using Kind = ImportNote::Kind;

struct Dropped {
    std::string_view keyword;
    std::string_view why;
};

constexpr std::string_view kGarp =
    "vigil announces each VIP with gratuitous ARP / unsolicited NA on becoming master: "
    "[cluster] announce_count and announce_interval_ms";

// vrrp_instance keywords vigil does not carry, and why.
constexpr std::array kInstanceDropped = {
    Dropped{"garp_master_delay", kGarp},
    Dropped{"garp_master_repeat", kGarp},
    Dropped{"garp_master_refresh", kGarp},
    Dropped{"garp_master_refresh_repeat", kGarp},
    Dropped{"garp_lower_prio_delay", kGarp},
    Dropped{"garp_lower_prio_repeat", kGarp},
    Dropped{"garp_interval", kGarp},
    Dropped{"gna_interval", kGarp},
    Dropped{"smtp_alert", "vigil sends no mail: use notify, or alert on vigil's events/metrics"},
    Dropped{"virtual_routes",
            "vigil manages addresses only: add and remove routes in the notify command"},
    Dropped{"virtual_rules",
            "vigil manages addresses only: add and remove rules in the notify command"},
    Dropped{"virtual_routemask", "vigil manages addresses only"},
    Dropped{"dont_track_primary",
            "vigil does not track the instance's interface by itself; track links with a "
            "[[check]] (as track_interface is converted)"},
    Dropped{"track_process", "use a [[check]] with a command such as pidof NAME"},
    Dropped{"track_file", "use a [[check]] with a command that reads the file"},
    Dropped{"track_bfd", "vigil has no BFD"},
    Dropped{"use_vmac", "vigil has no VRRP virtual MAC (macvlan) interfaces"},
    Dropped{"vmac_xmit_base", "vigil has no VRRP virtual MAC interfaces"},
    Dropped{"mcast_src_ip",
            "vigil sends adverts from the interface's primary address (keepalived's default)"},
    Dropped{"unicast_ttl", "vigil sends unicast adverts with TTL 255 (RFC 9568)"},
    Dropped{"lvs_sync_daemon_interface", "vigil is not a load balancer (no LVS)"},
    Dropped{"debug", "vigil logs every event as one structured line"},
    Dropped{"notify_stop", "vigil's notify runs on master, backup and fault only"},
    Dropped{"notify_deleted", "vigil's notify runs on master, backup and fault only"},
    Dropped{"notify_master_rx_lower_pri", "no equivalent"},
    Dropped{"strict_mode", "vigil follows RFC 9568 always"},
    Dropped{"skip_check_adv_addr", "no equivalent"},
    Dropped{"promote_secondaries", "no equivalent"},
    Dropped{"kernel_rx_buf_size", "no equivalent"},
    Dropped{"linkbeat_use_polling", "no equivalent: the link checks poll /sys"},
    Dropped{"higher_prio_send_advert", "no equivalent"},
};

// global_defs keywords, all dropped: vigil's agent settings are elsewhere.
constexpr std::array kGlobalDropped = {
    Dropped{"router_id", "vigil names nodes by [[node]] name (--conf NODE=FILE)"},
    Dropped{"enable_script_security",
            "vigil runs checks and notify as the agent's user (root): keep the scripts "
            "writable by root only"},
    Dropped{"script_user", "vigil runs checks and notify as the agent's user (root)"},
    Dropped{"notification_email", "vigil sends no mail"},
    Dropped{"notification_email_from", "vigil sends no mail"},
    Dropped{"smtp_server", "vigil sends no mail"},
    Dropped{"smtp_connect_timeout", "vigil sends no mail"},
    Dropped{"lvs_id", "vigil is not a load balancer (no LVS)"},
    Dropped{"vrrp_skip_check_adv_addr", "no equivalent"},
    Dropped{"vrrp_garp_interval", kGarp},
    Dropped{"vrrp_gna_interval", kGarp},
    Dropped{"vrrp_garp_master_delay", kGarp},
    Dropped{"vrrp_garp_master_repeat", kGarp},
    Dropped{"vrrp_garp_master_refresh", kGarp},
    Dropped{"vrrp_garp_lower_prio_delay", kGarp},
    Dropped{"vrrp_garp_lower_prio_repeat", kGarp},
    Dropped{"vrrp_mcast_group4", "vigil uses 224.0.0.18 (RFC 9568), or unicast_peers"},
    Dropped{"vrrp_mcast_group6", "vigil uses ff02::12 (RFC 9568), or unicast_peers"},
    Dropped{"vrrp_iptables", "vigil adds no firewall rules"},
    Dropped{"vrrp_no_swap", "no equivalent"},
    Dropped{"vrrp_priority", "no equivalent: run vigil with the service manager's settings"},
    Dropped{"checker_priority", "no checker process: vigil is not a load balancer"},
    Dropped{"max_auto_priority", "no equivalent"},
    Dropped{"dynamic_interfaces", "vigil's VIPs need their interface to exist"},
};

// Top-level blocks of LVS, which vigil does not replace.
constexpr std::string_view kLvs =
    "LVS load balancing: vigil is not a load balancer; keep ipvsadm/keepalived's checker "
    "for it, or run the service behind a VIP and [[check]] it";

std::string text_of(const Statement& s) {
    std::string out;
    for (const auto& w : s.words) out += (out.empty() ? "" : " ") + w;
    if (s.block) out += " { ... }";
    return out;
}

std::optional<long> integer(const std::string& s, long lo, long hi) {
    long v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || v < lo || v > hi) return std::nullopt;
    return v;
}

// Seconds as keepalived writes them ("1", "0.5", "2.25") into milliseconds, rounded to the
// nearest `step` ms.
std::optional<long> seconds_ms(const std::string& s, long max_s, long step = 1) {
    const std::size_t dot = s.find('.');
    const std::string whole = s.substr(0, dot);
    const std::string frac = dot == std::string::npos ? "" : s.substr(dot + 1);
    if (whole.empty() && frac.empty()) return std::nullopt;
    if (!std::all_of(frac.begin(), frac.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    const auto w = whole.empty() ? std::optional<long>(0) : integer(whole, 0, max_s);
    if (!w || (dot != std::string::npos && frac.empty())) return std::nullopt;
    long micro = 0;  // the fraction in microseconds, further digits dropped
    for (std::size_t i = 0; i < 6; ++i) micro = micro * 10 + (i < frac.size() ? frac[i] - '0' : 0);
    const long us = *w * 1000000 + micro;
    return (us + step * 500) / (step * 1000) * step;
}

class Reader {
public:
    Reader(const KeepalivedNodeConf& conf, std::vector<ImportNote>& notes, Problems& problems)
        : notes_(notes), problems_(problems) {
        node_.node = conf.node;
        node_.file = conf.file.name;
    }

    NodeConf read(const std::vector<Statement>& statements) {
        for (const auto& s : statements) top(s);
        return std::move(node_);
    }

private:
    void note(Kind kind, const Statement& s, const std::string& why) {
        notes_.push_back({kind, s.where, text_of(s), why});
    }
    void unknown(const Statement& s, const std::string& in) {
        note(Kind::not_carried, s, "unknown keyword in " + in + ": not converted, check it");
    }
    // The one value of `KEY VALUE`, or a problem.
    const std::string* value(const Statement& s) {
        if (s.words.size() == 2 && !s.block) return &s.words[1];
        problems_.add(s.where, s.words[0] + ": expected one value");
        return nullptr;
    }
    std::optional<long> int_value(const Statement& s, long lo, long hi) {
        const std::string* v = value(s);
        if (!v) return std::nullopt;
        auto n = integer(*v, lo, hi);
        if (!n)
            problems_.add(s.where, s.words[0] + " " + *v + ": expected an integer " +
                                       std::to_string(lo) + ".." + std::to_string(hi));
        return n;
    }
    std::optional<long> seconds_value(const Statement& s, long max_s, long step = 1) {
        const std::string* v = value(s);
        if (!v) return std::nullopt;
        auto ms = seconds_ms(*v, max_s, step);
        if (!ms)
            problems_.add(s.where, s.words[0] + " " + *v + ": expected seconds 0.." +
                                       std::to_string(max_s) + " (such as 1 or 0.5)");
        return ms;
    }
    // Every word of a block's statements, in order (group { A B }, unicast_peer { ... }).
    static std::vector<std::pair<std::string, std::string>> words(const Statement& s) {
        std::vector<std::pair<std::string, std::string>> out;
        for (const auto& c : s.children) {
            for (const auto& w : c.words) out.emplace_back(w, c.where);
            if (c.block) out.emplace_back("{", c.where);  // a nested block: never a valid name
        }
        return out;
    }
    bool needs_block(const Statement& s) {
        if (s.block) return true;
        problems_.add(s.where, s.words[0] + ": expected a { } block");
        return false;
    }

    void top(const Statement& s) {
        const std::string& k = s.words[0];
        if (k == "global_defs" && s.block)
            for (const auto& c : s.children) global(c);
        else if (k == "vrrp_instance" && needs_block(s))
            instance(s);
        else if (k == "vrrp_script" && needs_block(s))
            script(s);
        else if (k == "vrrp_sync_group" && needs_block(s))
            sync_group(s);
        else if (k == "virtual_server" || k == "virtual_server_group")
            note(Kind::not_carried, s, std::string(kLvs));
        else if (k == "static_ipaddress" || k == "static_routes" || k == "static_rules")
            note(Kind::not_carried, s,
                 "addresses and routes that stay on every node: configure them with the "
                 "system's network configuration");
        else if (k == "global_defs" || k == "vrrp_instance" || k == "vrrp_script" ||
                 k == "vrrp_sync_group")
            ;  // needs_block said it
        else
            unknown(s, "the top level");
    }

    void global(const Statement& s) {
        const std::string& k = s.words[0];
        if (k == "vrrp_version") {
            if (auto v = int_value(s, 2, 3)) node_.vrrp_version = static_cast<int>(*v);
            return;
        }
        if (k == "vrrp_strict") {
            node_.strict = true;
            note(Kind::warning, s,
                 "strict RFC mode: vigil always follows RFC 9568; its masters accept traffic "
                 "to their VIPs (accept_mode = true; docs/vrrp.md \"Accept mode\")");
            return;
        }
        for (const auto& d : kGlobalDropped)
            if (k == d.keyword) return note(Kind::not_carried, s, std::string(d.why));
        if (k.rfind("vrrp_", 0) == 0 || k.rfind("lvs_", 0) == 0 || k.rfind("checker_", 0) == 0 ||
            k.rfind("bfd_", 0) == 0 || k.rfind("snmp_", 0) == 0 || k.rfind("enable_", 0) == 0)
            return note(Kind::not_carried, s, "a global setting of keepalived's own processes");
        unknown(s, "global_defs");
    }

    void vip(Instance& in, const Statement& line, bool excluded) {
        if (line.block) {
            problems_.add(line.where, "a virtual address: unexpected { }");
            return;
        }
        Vip v;
        v.where = line.where;
        v.text = text_of(line);
        v.excluded = excluded;
        const std::string& a = line.words[0];
        const std::size_t slash = a.find('/');
        const auto ip = parse_ip(a.substr(0, slash));
        if (!ip) {
            problems_.add(line.where,
                          "\"" + a + "\": expected a unicast IP address, optionally /PREFIX");
            return;
        }
        v.address = ip->canonical;
        v.ipv6 = ip->ipv6;
        const int max = v.ipv6 ? 128 : 32;
        if (slash == std::string::npos) {
            v.prefix = max;
            notes_.push_back({Kind::warning, line.where, a,
                              "no prefix: /" + std::to_string(max) + ", as keepalived does"});
        } else if (auto p = integer(a.substr(slash + 1), 0, max)) {
            v.prefix = static_cast<int>(*p);
        } else {
            problems_.add(line.where, "\"" + a + "\": expected a prefix 0.." + std::to_string(max));
            return;
        }
        for (std::size_t i = 1; i < line.words.size(); ++i) {
            const std::string& w = line.words[i];
            const bool has_value = i + 1 < line.words.size();
            if (w == "dev" && has_value) {
                v.dev = line.words[++i];
            } else if ((w == "label" || w == "brd" || w == "broadcast" || w == "scope" ||
                        w == "metric" || w == "preferred_lft" || w == "peer") &&
                       has_value) {
                notes_.push_back({Kind::not_carried, line.where, w + " " + line.words[i + 1],
                                  "vigil adds the address with its prefix only"});
                ++i;
            } else {
                notes_.push_back(
                    {Kind::not_carried, line.where, w, "an address option vigil does not carry"});
            }
        }
        in.vips.push_back(std::move(v));
    }

    void tracks(std::vector<Track>& out, const Statement& s) {
        for (const auto& c : s.children) {
            Track t{c.words[0], std::nullopt, c.where};
            if (c.words.size() == 3 && c.words[1] == "weight" && !c.block) {
                auto w = integer(c.words[2], -254, 254);
                if (!w) {
                    problems_.add(c.where, c.words[0] + " weight " + c.words[2] +
                                               ": expected an integer -254..254");
                    continue;
                }
                t.weight = static_cast<int>(*w);
            } else if (c.words.size() != 1 || c.block) {
                if (c.words.size() == 4 && c.words[3] == "reverse")
                    note(Kind::not_carried, c,
                         "weight ... reverse: vigil has no reversed weights; the track is left "
                         "out, add a [[check]] whose command inverts the test");
                else
                    problems_.add(c.where, "expected NAME [weight W]");
                continue;
            }
            out.push_back(std::move(t));
        }
    }

    void instance(const Statement& s) {
        Instance in;
        in.where = s.where;
        if (s.words.size() != 2) {
            problems_.add(s.where, "vrrp_instance: expected one name");
            return;
        }
        in.name = s.words[1];
        for (const auto& c : s.children) instance_key(in, c);
        node_.instances.push_back(std::move(in));
    }

    void instance_key(Instance& in, const Statement& c) {
        const std::string& k = c.words[0];
        if (k == "state") {
            note(Kind::not_carried, c,
                 "the initial state: vigil starts as backup and derives the role from priority "
                 "(255 = address owner, master at once)");
        } else if (k == "interface") {
            if (auto v = value(c)) in.interface = *v;
        } else if (k == "virtual_router_id") {
            if (auto v = int_value(c, 1, 255)) in.vrid = static_cast<int>(*v);
            in.vrid_given = true;
        } else if (k == "priority") {
            if (auto v = int_value(c, 1, 255)) in.priority = static_cast<int>(*v);
            in.priority_given = true;
        } else if (k == "advert_int") {
            if (auto v = seconds_value(c, 40, 10)) in.advert_ms = *v;
            in.advert_text = text_of(c);
        } else if (k == "nopreempt" && !c.block && c.words.size() == 1) {
            in.preempt = false;
        } else if (k == "preempt" && !c.block && c.words.size() == 1) {
            in.preempt = true;
        } else if (k == "preempt_delay") {
            if (auto v = seconds_value(c, 3600)) in.preempt_delay_ms = *v;
        } else if ((k == "accept" || k == "no_accept") && !c.block && c.words.size() == 1) {
            in.accept = k == "accept";
            if (k == "no_accept")
                note(Kind::not_carried, c,
                     "vigil's master accepts traffic to its VIPs, which its services listen on "
                     "(accept_mode = true; docs/vrrp.md \"Accept mode\")");
        } else if (k == "unicast_src_ip") {
            if (auto v = value(c)) {
                if (auto ip = parse_ip(*v))
                    in.unicast_src = ip->canonical;
                else
                    problems_.add(c.where,
                                  "unicast_src_ip " + *v + ": expected a unicast IP address");
            }
        } else if (k == "unicast_peer" && needs_block(c)) {
            for (const auto& peer : c.children) {
                // keepalived allows options after the address (min_ttl, max_ttl): dropped.
                if (auto ip = parse_ip(peer.words[0]); ip && !peer.block)
                    in.peers.push_back(ip->canonical);
                else
                    problems_.add(peer.where, "unicast_peer " + peer.words[0] +
                                                  ": expected a unicast IP address");
                if (peer.words.size() > 1 && !peer.block)
                    note(Kind::not_carried, peer, "unicast peer options: no equivalent");
            }
        } else if ((k == "virtual_ipaddress" || k == "virtual_ipaddress_excluded") &&
                   needs_block(c)) {
            const bool excluded = k == "virtual_ipaddress_excluded";
            in.vips_given = in.vips_given || !c.children.empty();
            if (excluded && !c.children.empty())
                note(Kind::warning, c,
                     "carried as VIPs like virtual_ipaddress: vigil has one list, and an "
                     "advert does not list its addresses' count past 85 either way");
            for (const auto& line : c.children) vip(in, line, excluded);
        } else if (k == "track_script" && needs_block(c)) {
            tracks(in.scripts, c);
        } else if (k == "track_interface" && needs_block(c)) {
            tracks(in.interfaces, c);
        } else if (k == "notify" || k == "notify_master" || k == "notify_backup" ||
                   k == "notify_fault") {
            if (c.block || c.words.size() < 2) {
                problems_.add(c.where, k + ": expected a command");
                return;
            }
            // keepalived runs the first word (quoted when it has arguments); further words
            // are the user and group to run it as.
            const std::string& cmd = c.words[1];
            if (c.words.size() > 2)
                notes_.push_back({Kind::not_carried, c.where, k + " ... " + c.words[2],
                                  "the user to run as: vigil runs notify as the agent's user "
                                  "(root)"});
            if (k == "notify")
                in.notify = cmd;
            else
                in.notify_state[k == "notify_master" ? 0 : k == "notify_backup" ? 1 : 2] = cmd;
            if (in.notify_where.empty()) in.notify_where = c.where;
        } else if (k == "authentication") {
            note(Kind::not_carried, Statement{{"authentication"}, c.where, true, {}},
                 "dropped: RFC 9568 removed authentication from VRRP (version 3 has none); "
                 "protect the link instead");
        } else if (k == "version") {
            if (auto v = int_value(c, 2, 3)) in.version = static_cast<int>(*v);
            in.version_where = c.where;
        } else if (k == "native_ipv6" && !c.block) {
            note(Kind::warning, c, "the family comes from the VIPs: IPv6 VIPs make an IPv6 router");
        } else {
            for (const auto& d : kInstanceDropped)
                if (k == d.keyword) return note(Kind::not_carried, c, std::string(d.why));
            unknown(c, "vrrp_instance " + in.name);
        }
    }

    void script(const Statement& s) {
        if (s.words.size() != 2) {
            problems_.add(s.where, "vrrp_script: expected one name");
            return;
        }
        Script sc;
        sc.name = s.words[1];
        sc.where = s.where;
        for (const auto& c : s.children) {
            const std::string& k = c.words[0];
            if (k == "script" && c.words.size() >= 2 && !c.block) {
                for (std::size_t i = 1; i < c.words.size(); ++i)
                    sc.command += (i > 1 ? " " : "") + c.words[i];
            } else if (k == "interval") {
                if (auto v = seconds_value(c, 3600)) sc.interval_ms = std::max(*v, 10L);
            } else if (k == "timeout") {
                if (auto v = seconds_value(c, 3600)) sc.timeout_ms = std::max(*v, 10L);
            } else if (k == "fall") {
                if (auto v = int_value(c, 1, 100)) sc.fall = static_cast<int>(*v);
            } else if (k == "rise") {
                if (auto v = int_value(c, 1, 100)) sc.rise = static_cast<int>(*v);
            } else if (k == "weight") {
                if (c.words.size() == 3 && c.words[2] == "reverse")
                    note(Kind::not_carried, c,
                         "reverse: vigil has no reversed weights; carried without it, so the "
                         "weight's sign means what vigil's does: check it");
                const Statement plain{
                    {c.words[0], c.words.size() > 1 ? c.words[1] : ""}, c.where, c.block, {}};
                if (auto v = int_value(plain, -254, 254)) sc.weight = static_cast<int>(*v);
            } else if (k == "user") {
                note(Kind::not_carried, c, "vigil runs checks as the agent's user (root)");
            } else if (k == "init_fail") {
                note(Kind::not_carried, c,
                     "vigil's checks start unknown and count as failing until they rise");
            } else {
                unknown(c, "vrrp_script " + sc.name);
            }
        }
        if (sc.command.empty()) {
            problems_.add(s.where, "vrrp_script " + sc.name + ": no script line");
            return;
        }
        node_.scripts.push_back(std::move(sc));
    }

    void sync_group(const Statement& s) {
        if (s.words.size() != 2) {
            problems_.add(s.where, "vrrp_sync_group: expected one name");
            return;
        }
        SyncGroup g{s.words[1], s.where, {}};
        for (const auto& c : s.children) {
            if (c.words[0] == "group" && c.block) {
                for (const auto& [w, where] : words(c)) g.members.push_back(w);
            } else if (c.words[0].rfind("notify", 0) == 0) {
                note(Kind::not_carried, c,
                     "a sync group's notify: vigil notifies per router; put it in the members' "
                     "notify");
            } else if (c.words[0] == "smtp_alert") {
                note(Kind::not_carried, c, "vigil sends no mail");
            } else if (c.words[0] == "track_script" || c.words[0] == "track_interface") {
                note(Kind::not_carried, c,
                     "tracking on a sync group: add the check to each member's checks");
            } else {
                unknown(c, "vrrp_sync_group " + g.name);
            }
        }
        node_.sync_groups.push_back(std::move(g));
    }

    NodeConf node_;
    std::vector<ImportNote>& notes_;
    Problems& problems_;
};

}  // namespace

NodeConf read_node(const KeepalivedNodeConf& conf, const std::vector<Statement>& statements,
                   std::vector<ImportNote>& notes, Problems& problems) {
    return Reader(conf, notes, problems).read(statements);
}

}  // namespace vigil::daemon::keepalived_import
