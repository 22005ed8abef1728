// See import_keepalived.h. Reads each node's file (import_keepalived_{syntax,read}.cc),
// matches the instances across the nodes by name, and writes the TOML with a comment on each
// value saying where it came from.
#include "daemon/import_keepalived.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "core/config.h"
#include "daemon/import_heartbeat_parts.h"  // shell_quote
#include "daemon/import_keepalived_parts.h"
#include "daemon/ip_literal.h"

namespace vigil::daemon {
namespace {

using namespace keepalived_import;
using heartbeat_import::comment;
using Kind = ImportNote::Kind;

constexpr std::size_t kVipsMax = 85;  // an advert's address count must fit (docs: 1..85)
constexpr long kAdvertMsMin = 10, kAdvertMsMax = 40950;

// As import_heartbeat.cc writes strings, but bytes outside ASCII become '?' (the input need
// not be UTF-8); keys and comments through the shared helpers (import_heartbeat_parts.h).
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
        } else if (c >= 0x80)
            out += '?';  // the input need not be UTF-8; TOML strings must be
        else
            out += static_cast<char>(c);
    }
    return out + "\"";
}

std::string toml_key(const std::string& s) {
    return heartbeat_import::bare_toml_key(s) ? s : toml_string(s);
}

// vigil's names: 1..63 of A-Z a-z 0-9 _ . - (docs/config.md).
bool valid_name(const std::string& s) {
    return !s.empty() && s.size() <= 63 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '_' || c == '.' || c == '-';
    });
}

struct Check {
    std::string name;
    std::string command;
    long interval_ms = 1000, timeout_ms = 1000;
    int fall = 1, rise = 1, weight = 0;
    std::string origin;  // for the comment
    bool operator==(const Check& o) const {
        return command == o.command && interval_ms == o.interval_ms && timeout_ms == o.timeout_ms &&
               fall == o.fall && rise == o.rise && weight == o.weight;
    }
};

// One vrrp_instance name, as each node that has it wrote it.
struct Router {
    std::string name;
    std::vector<std::pair<std::size_t, const Instance*>> on;  // (node index, its instance)
    const Instance& first() const { return *on.front().second; }
    bool ipv6 = false;
    std::vector<const Vip*> vips;
    std::vector<std::string> peers;
    std::vector<std::string> checks;
    std::string sync_group;
    std::string notify, notify_comment;
};

class Importer {
public:
    explicit Importer(const KeepalivedImportInput& in) : in_(in) {}

    Result<KeepalivedImport> run() {
        // Every problem at once, as check-config does: values that failed to read are left
        // out of the later steps without a second message (vrid_given, vips_given).
        read_nodes();
        match_routers();
        if (!routers_.empty()) node_addresses();
        for (Router& r : routers_) convert(r);
        sync_group_priorities();
        unused_scripts();
        if (!problems_.lines.empty()) {
            std::string message;
            for (const auto& l : problems_.lines) message += (message.empty() ? "" : "\n") + l;
            return Error::invalid(message);
        }
        write();
        return std::move(result_);
    }

private:
    void note(Kind kind, const std::string& where, const std::string& what,
              const std::string& why) {
        result_.notes.push_back({kind, where, what, why});
    }

    void read_nodes() {
        if (in_.confs.empty()) problems_.add("--conf", "no keepalived.conf given");
        if (in_.confs.size() > core::kNodesMax)
            problems_.add("--conf", std::to_string(in_.confs.size()) +
                                        " nodes (vigil has at most " +
                                        std::to_string(core::kNodesMax) + ")");
        std::set<std::string> seen;
        for (const auto& conf : in_.confs) {
            if (!valid_name(conf.node))
                problems_.add(
                    "--conf " + conf.node + "=" + conf.file.name,
                    "\"" + conf.node + "\" is not a vigil node name (1..63 of A-Z a-z 0-9 _ . -)");
            else if (!seen.insert(conf.node).second)
                problems_.add("--conf " + conf.node + "=" + conf.file.name,
                              "node \"" + conf.node + "\" given twice");
            const auto statements =
                parse_conf(conf.file, in_.resolve_include, result_.notes, problems_);
            nodes_.push_back(read_node(conf, statements, result_.notes, problems_));
        }
    }

    // Each node's heartbeat address: --node-address, else the first unicast_src_ip of its
    // file; vigil's own heartbeats need it even when the routers speak multicast VRRP.
    void node_addresses() {
        addresses_.assign(nodes_.size(), {});
        for (const auto& a : in_.node_addresses) {
            const std::string what = "--node-address " + a.node + "=" + a.address;
            auto it = std::find_if(nodes_.begin(), nodes_.end(),
                                   [&](const NodeConf& n) { return n.node == a.node; });
            auto ip = parse_ip(a.address);
            if (it == nodes_.end())
                problems_.add(what, "\"" + a.node + "\" is not a node given with --conf");
            else if (!ip)
                problems_.add(what, "\"" + a.address + "\" is not a unicast IP address");
            else
                addresses_[it - nodes_.begin()] = {ip->canonical, "--node-address"};
        }
        for (std::size_t i = 0; i < nodes_.size(); ++i) {
            if (!addresses_[i].first.empty()) continue;
            for (const auto& inst : nodes_[i].instances)
                if (!inst.unicast_src.empty()) {
                    addresses_[i] = {inst.unicast_src, "unicast_src_ip of vrrp_instance " +
                                                           inst.name + ", " + inst.where};
                    break;
                }
            if (addresses_[i].first.empty())
                problems_.add(nodes_[i].file,
                              "node " + nodes_[i].node +
                                  ": no heartbeat address (no unicast_src_ip in the file): give "
                                  "--node-address " +
                                  nodes_[i].node + "=ADDRESS");
        }
    }

    void match_routers() {
        std::map<std::string, std::size_t> index;
        for (std::size_t i = 0; i < nodes_.size(); ++i)
            for (const Instance& inst : nodes_[i].instances) {
                auto [it, fresh] = index.emplace(inst.name, routers_.size());
                if (fresh) routers_.push_back(Router{inst.name, {}});
                Router& r = routers_[it->second];
                if (!r.on.empty() && r.on.back().first == i) {
                    problems_.add(inst.where, "vrrp_instance " + inst.name + ": defined twice (" +
                                                  r.on.back().second->where + ")");
                    continue;
                }
                r.on.emplace_back(i, &inst);
            }
        if (routers_.empty() && !in_.confs.empty() && problems_.lines.empty())
            problems_.add(in_.confs.empty() ? std::string("--conf") : in_.confs[0].file.name,
                          "no vrrp_instance in any file (nothing to convert)");
        if (routers_.size() > core::kVrrpRoutersMax)
            problems_.add("--conf", std::to_string(routers_.size()) +
                                        " instances (vigil has at most " +
                                        std::to_string(core::kVrrpRoutersMax) + ")");
    }

    static std::string vip_set(const Instance& in) {
        std::vector<std::string> all;
        for (const Vip& v : in.vips)
            all.push_back(v.address + "/" + std::to_string(v.prefix) + " dev " +
                          (v.dev.empty() ? in.interface : v.dev));
        std::sort(all.begin(), all.end());
        std::string out;
        for (const auto& s : all) out += (out.empty() ? "" : ", ") + s;
        return out;
    }

    // Differences between the nodes: the ones VRRP cannot work with are errors, the others
    // warnings (the first file's value is used: the config is one for all nodes).
    void compare(const Router& r) {
        const Instance& a = r.first();
        for (std::size_t k = 1; k < r.on.size(); ++k) {
            const Instance& b = *r.on[k].second;
            auto differs = [&](const std::string& what, const std::string& va,
                               const std::string& vb, bool fatal) {
                if (va == vb) return;
                const std::string msg = "vrrp_instance " + r.name + ": " + what + " " + vb +
                                        " differs from " + a.where + " (" + va + ")";
                if (fatal)
                    problems_.add(b.where, msg +
                                               ": the nodes must agree (the config is one for "
                                               "all nodes)");
                else
                    note(Kind::warning, b.where, "vrrp_instance " + r.name,
                         what + " " + vb + " differs from " + a.where + " (" + va +
                             "): the config holds one value for all nodes; " + a.where +
                             "'s is used");
            };
            differs("virtual_router_id", std::to_string(a.vrid), std::to_string(b.vrid), true);
            differs("interface", a.interface, b.interface, true);
            differs("virtual addresses", vip_set(a), vip_set(b), true);
            differs("advert_int (ms)", std::to_string(a.advert_ms), std::to_string(b.advert_ms),
                    false);
            differs("preempt", a.preempt ? "yes" : "nopreempt", b.preempt ? "yes" : "nopreempt",
                    false);
            differs("preempt_delay (ms)", std::to_string(a.preempt_delay_ms),
                    std::to_string(b.preempt_delay_ms), false);
            auto names = [](const std::vector<Track>& ts) {
                std::string s;
                for (const auto& t : ts)
                    s += (s.empty() ? "" : " ") + t.name +
                         (t.weight ? " weight " + std::to_string(*t.weight) : "");
                return "{" + s + "}";
            };
            differs("track_script", names(a.scripts), names(b.scripts), false);
            differs("track_interface", names(a.interfaces), names(b.interfaces), false);
            std::string na = a.notify, nb = b.notify;
            for (int s = 0; s < 3; ++s)
                na += "|" + a.notify_state[s], nb += "|" + b.notify_state[s];
            differs("notify", na, nb, false);
        }
    }

    void convert(Router& r) {
        compare(r);
        const Instance& a = r.first();
        const NodeConf& first_node = nodes_[r.on.front().first];
        const std::string what = "vrrp_instance " + r.name;
        if (!valid_name(r.name))
            problems_.add(a.where, what + ": not a vigil group name (1..63 of A-Z a-z 0-9 _ . -)");
        if (a.interface.empty()) problems_.add(a.where, what + ": no interface");
        if (!a.vrid_given) problems_.add(a.where, what + ": no virtual_router_id");
        // The family is the first virtual_ipaddress's; keepalived's IPv6 instances need
        // all of theirs IPv6 too, and vigil's routers are one family each.
        const Vip* lead = nullptr;
        for (const Vip& v : a.vips)
            if (!lead || (lead->excluded && !v.excluded)) lead = &v;
        if (!lead) {
            if (!a.vips_given) problems_.add(a.where, what + ": no virtual_ipaddress");
            return;
        }
        r.ipv6 = lead->ipv6;
        for (const Vip& v : a.vips) {
            if (v.ipv6 == r.ipv6)
                r.vips.push_back(&v);
            else
                note(Kind::not_carried, v.where, v.text,
                     std::string("an IPv") + (v.ipv6 ? "6" : "4") + " address in an IPv" +
                         (r.ipv6 ? "6" : "4") +
                         " router: vigil's routers are one family each; add a second "
                         "[[group]] (protocol = \"vrrp3\", another vrid) for it");
        }
        if (r.vips.size() > kVipsMax)
            problems_.add(a.where, what + ": " + std::to_string(r.vips.size()) +
                                       " addresses (a VRRP router has at most " +
                                       std::to_string(kVipsMax) + ")");
        if (a.vrid != 0 && !a.interface.empty()) {
            const auto key = std::make_tuple(a.interface, r.ipv6, a.vrid);
            auto [it, fresh] = vrids_.emplace(key, a.where);
            if (!fresh)
                problems_.add(a.where, what + ": virtual_router_id " + std::to_string(a.vrid) +
                                           " on " + a.interface + " is also used at " + it->second +
                                           " (unique per interface and family)");
        }
        if (a.interface.rfind("ha-", 0) == 0)
            note(Kind::warning, a.where, "interface " + a.interface,
                 "looks like a neutron L3 HA router: neutron's L3 agent writes this file per "
                 "router and runs keepalived inside the router's namespace (qrouter-ID), and "
                 "each node's ha- port has its own name; vigil's agent runs its routers in its "
                 "own namespace with one interface name for all nodes: see docs/import.md "
                 "\"OpenStack neutron\" before moving such routers");
        const int version = a.version ? a.version : first_node.vrrp_version;
        if (version == 2)
            note(Kind::warning, a.version ? a.version_where : a.where, what,
                 std::string("VRRP version 2") +
                     (a.version ? "" : " (keepalived's default without vrrp_version 3)") +
                     ": vigil speaks VRRPv3 only (RFC 9568); keepalived routers left in the "
                     "same virtual router need vrrp_version 3 (or version 3) while migrating");
        std::string owners;
        for (const auto& [node, inst] : r.on)
            if (inst->priority == core::kVrrpOwnerPriority)
                owners += (owners.empty() ? "" : ", ") + nodes_[node].node;
        if (owners.find(',') != std::string::npos)
            note(Kind::warning, a.where, what,
                 "priority 255 (the address owner, master at once) on several nodes: " + owners +
                     "; only the node that owns the addresses should have it");
        peers(r);
        checks(r);
        notify(r);
    }

    // keepalived speaks unicast when unicast_peer lists addresses (unicast_src_ip alone only
    // picks the source). The config is one for all nodes, so its list is every node's
    // unicast_src_ip and peers: each agent sends to all of them but its own address.
    void peers(Router& r) {
        bool some_multicast = false;
        for (const auto& [node, inst] : r.on) {
            if (inst->peers.empty()) {
                some_multicast = true;
                continue;
            }
            std::vector<std::string> mine = inst->peers;
            if (!inst->unicast_src.empty()) mine.insert(mine.begin(), inst->unicast_src);
            for (const auto& p : mine) {
                if (parse_ip(p)->ipv6 != r.ipv6) {
                    problems_.add(inst->where, "vrrp_instance " + r.name + ": unicast address " +
                                                   p + " is not of the VIPs' family");
                    continue;
                }
                if (std::find(r.peers.begin(), r.peers.end(), p) == r.peers.end())
                    r.peers.push_back(p);
            }
        }
        if (!r.peers.empty() && some_multicast)
            note(Kind::warning, r.first().where, "vrrp_instance " + r.name,
                 "unicast peers on some nodes, multicast on others: converted as unicast to "
                 "every address listed; check that every router is in unicast_peers");
    }

    void add_check(Router& r, Check c, const std::string& where) {
        auto it = std::find_if(checks_.begin(), checks_.end(),
                               [&](const Check& k) { return k.name == c.name; });
        if (it == checks_.end())
            checks_.push_back(c);
        else if (!(*it == c))
            note(Kind::warning, where, c.name,
                 "defined differently on another node (" + it->origin +
                     "): vigil's checks are one for all nodes; that one is used");
        if (std::find(r.checks.begin(), r.checks.end(), c.name) == r.checks.end())
            r.checks.push_back(c.name);
    }

    void checks(Router& r) {
        const Instance& a = r.first();
        const NodeConf& node = nodes_[r.on.front().first];
        for (const auto& [n, inst] : r.on)  // the other nodes' tracks: compare() warned of changes
            for (const Track& t : inst->scripts)
                used_scripts_.insert(nodes_[n].node + "/" + t.name);
        for (const Track& t : a.scripts) {
            auto s = std::find_if(node.scripts.begin(), node.scripts.end(),
                                  [&](const Script& sc) { return sc.name == t.name; });
            if (s == node.scripts.end()) {
                note(
                    Kind::not_carried, t.where, t.name,
                    "track_script names no vrrp_script of " + node.file + " (keepalived skips it)");
                continue;
            }
            Check c;
            c.weight = t.weight.value_or(s->weight);
            c.name =
                c.weight == s->weight ? s->name : s->name + ".weight" + std::to_string(c.weight);
            if (!valid_name(c.name)) {
                problems_.add(s->where,
                              "vrrp_script " + s->name +
                                  ": not a vigil check name (1..63 of A-Z a-z 0-9 _ . -)");
                continue;
            }
            if (c.name != s->name)
                note(Kind::warning, t.where, t.name + " weight " + std::to_string(c.weight),
                     "vigil's weight belongs to the check: carried as a second check " + c.name);
            c.command = s->command;
            c.interval_ms = s->interval_ms;
            // keepalived's timeout defaults to the interval; vigil's range starts at 10 ms.
            c.timeout_ms = s->timeout_ms.value_or(s->interval_ms);
            c.fall = s->fall;
            c.rise = s->rise;
            c.origin = s->where;
            add_check(r, c, s->where);
        }
        for (const Track& t : a.interfaces) {
            const bool safe = !t.name.empty() && t.name.size() <= 15 &&
                              std::all_of(t.name.begin(), t.name.end(), [](unsigned char ch) {
                                  return std::isalnum(ch) || ch == '_' || ch == '.' || ch == '-';
                              });
            if (!safe) {
                problems_.add(t.where, "track_interface " + t.name + ": not an interface name");
                continue;
            }
            Check c;
            c.weight = t.weight.value_or(0);
            c.name = "link_" + t.name + (c.weight ? ".weight" + std::to_string(c.weight) : "");
            c.command = "test \"$(cat /sys/class/net/" + t.name + "/carrier 2>/dev/null)\" = 1";
            c.fall = c.rise = 1;
            c.origin = t.where;
            if (std::find_if(checks_.begin(), checks_.end(),
                             [&](const Check& k) { return k.name == c.name; }) == checks_.end())
                note(Kind::warning, t.where, "track_interface " + t.name,
                     "carried as [[check]] " + c.name +
                         ", which reads the link's carrier every second (keepalived "
                         "reacts to netlink at once)");
            add_check(r, c, t.where);
        }
        for (const auto& [node_index, inst] : r.on) {
            for (const SyncGroup& g : nodes_[node_index].sync_groups)
                if (std::find(g.members.begin(), g.members.end(), r.name) != g.members.end()) {
                    if (r.sync_group.empty())
                        r.sync_group = g.name;
                    else if (r.sync_group != g.name)
                        note(Kind::warning, g.where, "vrrp_sync_group " + g.name,
                             "vrrp_instance " + r.name + " is already in sync group " +
                                 r.sync_group + ": a router is in one sync group");
                }
        }
        if (!r.sync_group.empty() && !valid_name(r.sync_group))
            problems_.add(a.where, "sync group " + r.sync_group +
                                       ": not a vigil name (1..63 of A-Z a-z 0-9 _ . -)");
    }

    // vigil moves a sync group as one, so its members need one priority table (config_vrrp
    // refuses anything else); keepalived lets them differ. Refused here, naming both.
    void sync_group_priorities() {
        std::map<std::string, const Router*> first;
        for (const Router& r : routers_) {
            if (r.sync_group.empty()) continue;
            auto [it, fresh] = first.emplace(r.sync_group, &r);
            if (fresh) continue;
            std::map<std::size_t, int> a, b;
            for (const auto& [node, inst] : it->second->on) a[node] = inst->priority;
            for (const auto& [node, inst] : r.on) b[node] = inst->priority;
            if (a != b)
                problems_.add(r.first().where,
                              "vrrp_instance " + r.name + ": its priorities differ from " +
                                  it->second->name + "'s in sync group " + r.sync_group +
                                  " (vigil moves a sync group as one: give its members the "
                                  "same priority on each node)");
        }
    }

    void notify(Router& r) {
        const Instance& a = r.first();
        const std::string* states = a.notify_state;
        const bool per_state = !states[0].empty() || !states[1].empty() || !states[2].empty();
        static const char* kNames[] = {"notify_master", "notify_backup", "notify_fault"};
        if (!a.notify.empty()) {
            r.notify = a.notify;
            r.notify_comment = "from " + a.notify_where;
            note(Kind::warning, a.notify_where, "notify " + a.notify,
                 "keepalived runs it as CMD INSTANCE NAME STATE PRIORITY (MASTER, BACKUP, "
                 "FAULT); vigil as CMD GROUP STATE PRIORITY (master, backup, fault): adapt the "
                 "script's arguments");
            for (int s = 0; s < 3; ++s)
                if (!states[s].empty())
                    note(Kind::not_carried, a.notify_where, std::string(kNames[s]),
                         "vigil has one notify, and notify is set: call it from there");
            return;
        }
        if (!per_state) return;
        // One shell function that dispatches on vigil's STATE argument ($2), each branch
        // running keepalived's command as it ran it: without arguments.
        static const char* kStates[] = {"master", "backup", "fault"};
        std::string body;
        for (int s = 0; s < 3; ++s)
            if (!states[s].empty()) body += std::string(kStates[s]) + ") " + states[s] + " ;; ";
        r.notify = "vigil_notify() { case \"$2\" in " + body + "esac; }; vigil_notify";
        r.notify_comment = "notify_master/backup/fault of " + a.notify_where;
        note(Kind::warning, a.notify_where, "notify_master/notify_backup/notify_fault",
             "carried as one notify that runs the command of the new state (vigil passes GROUP "
             "STATE PRIORITY as arguments); check the generated case statement");
    }

    void unused_scripts() {
        for (const NodeConf& n : nodes_)
            for (const Script& s : n.scripts)
                if (!used_scripts_.count(n.node + "/" + s.name))
                    note(Kind::not_carried, s.where, "vrrp_script " + s.name,
                         "tracked by no vrrp_instance of the file (keepalived does not run it)");
    }

    void write() {
        std::string& out = result_.toml;
        std::string files;
        for (const auto& c : in_.confs)
            files += (files.empty() ? "" : ", ") + c.node + "=" + c.file.name;
        out = "# vigil configuration made by `vigil import keepalived` from " + comment(files) +
              ".\n# Read the notes at the end, then check it with: vigil check-config FILE\n"
              "# Every key is described in docs/config.md; the mapping in docs/import.md.\n\n";
        out += "[cluster]\nname = " + toml_string(in_.cluster_name) +
               "   # keepalived has no cluster name\n";
        out += "auth_key_file = " + toml_string(in_.auth_key_file) +
               "   # vigil's own heartbeats between the nodes: the same key on every node\n";
        note(Kind::warning, "[cluster] auth_key_file", in_.auth_key_file,
             "keepalived has no key for vigil to carry over: make one, the same on every node: "
             "head -c 32 /dev/urandom | base64 > " +
                 in_.auth_key_file + " (mode 0600)");
        if (nodes_.size() == 2)
            out +=
                "two_node = true   # two nodes and no witness, as with keepalived; the VRRP "
                "routers do not need a quorum unless require_quorum = true\n";
        for (std::size_t i = 0; i < nodes_.size(); ++i)
            out += "\n[[node]]\nname = " + toml_string(nodes_[i].node) + "   # " +
                   comment(nodes_[i].file) + "\naddress = [" + toml_string(addresses_[i].first) +
                   "]   # " + comment(addresses_[i].second) + "\n";
        for (const Check& c : checks_) {
            out += "\n[[check]]   # " + comment(c.origin) + "\nname = " + toml_string(c.name) +
                   "\ncommand = " + toml_string(c.command) +
                   "\ninterval_ms = " + std::to_string(c.interval_ms) +
                   "\ntimeout_ms = " + std::to_string(c.timeout_ms) +
                   "\nfall = " + std::to_string(c.fall) + "\nrise = " + std::to_string(c.rise) +
                   "   # keepalived's fall and rise default to 1, vigil's to 2\nweight = " +
                   std::to_string(c.weight) + "\n";
        }
        for (const Router& r : routers_) write_router(r, out);
        out += "\n# Notes from the import (" + std::to_string(result_.notes.size()) + "):\n";
        for (const auto& n : result_.notes) out += "# " + format_note(n) + "\n";
    }

    void write_router(const Router& r, std::string& out) {
        const Instance& a = r.first();
        std::string wheres;
        for (const auto& [node, inst] : r.on) wheres += (wheres.empty() ? "" : ", ") + inst->where;
        out += "\n[[group]]\nname = " + toml_string(r.name) + "   # " + comment(wheres) + "\n";
        out += "protocol = \"vrrp3\"\n";
        out += "vrid = " + std::to_string(a.vrid) + "\n";
        out += "interface = " + toml_string(a.interface) + "\n";
        long advert = std::clamp(a.advert_ms, kAdvertMsMin, kAdvertMsMax);
        std::string advert_comment =
            a.advert_text.empty() ? "keepalived's default advert_int 1" : a.advert_text;
        if (advert != a.advert_ms) {
            advert_comment += ", changed from " + std::to_string(a.advert_ms) + " ms";
            note(Kind::warning, a.where, a.advert_text,
                 "changed from " + std::to_string(a.advert_ms) + " to " + std::to_string(advert) +
                     " ms: VRRPv3's interval is 10..40950 ms");
        }
        out += "advert_interval_ms = " + std::to_string(advert) + "   # " +
               comment(advert_comment) + "\n";
        std::string priority;
        for (const auto& [node, inst] : r.on)
            priority += (priority.empty() ? "" : ", ") + toml_key(nodes_[node].node) + " = " +
                        std::to_string(inst->priority);
        out += "priority = { " + priority + " }   # each node's priority" +
               (a.priority_given ? "" : " (100 where keepalived's default)") + "\n";
        if (!a.preempt) out += "preempt = false   # nopreempt\n";
        if (a.preempt_delay_ms)
            out +=
                "preempt_delay_ms = " + std::to_string(a.preempt_delay_ms) + "   # preempt_delay\n";
        if (!r.peers.empty()) {
            std::string peers;
            for (const auto& p : r.peers) peers += (peers.empty() ? "" : ", ") + toml_string(p);
            out += "unicast_peers = [" + peers +
                   "]   # every node's unicast_src_ip and unicast_peer\n";
        }
        out += "vip = [\n";
        for (const Vip* v : r.vips) {
            out += "    { address = " + toml_string(v->address + "/" + std::to_string(v->prefix));
            if (!v->dev.empty() && v->dev != a.interface)
                out += ", interface = " + toml_string(v->dev);
            out += " },   # " + comment(v->where + " " + v->text) +
                   (v->excluded ? " (excluded)" : "") + "\n";
        }
        out += "]\n";
        if (!r.notify.empty())
            out += "notify = " + toml_string(r.notify) + "   # " + comment(r.notify_comment) + "\n";
        if (!r.checks.empty()) {
            std::string names;
            for (const auto& c : r.checks) names += (names.empty() ? "" : ", ") + toml_string(c);
            out += "checks = [" + names + "]   # track_script, track_interface\n";
        }
        if (!r.sync_group.empty())
            out += "sync_group = " + toml_string(r.sync_group) + "   # vrrp_sync_group\n";
    }

    const KeepalivedImportInput& in_;
    KeepalivedImport result_;
    Problems problems_;
    std::vector<NodeConf> nodes_;
    std::vector<std::pair<std::string, std::string>> addresses_;  // (address, comment)
    std::vector<Router> routers_;
    std::vector<Check> checks_;
    std::set<std::string> used_scripts_;
    std::map<std::tuple<std::string, bool, int>, std::string> vrids_;
};

}  // namespace

Result<KeepalivedImport> import_keepalived(const KeepalivedImportInput& input) {
    return Importer(input).run();
}

}  // namespace vigil::daemon
