// Names follow https://prometheus.io/docs/practices/naming/: the vigil_ prefix, base units
// (seconds), _total on counters, and one metric per meaning with labels for the rest.
#include "daemon/metrics.h"

#include "daemon/prometheus_text.h"

namespace vigil::daemon {

namespace {

double b(bool v) {
    return v ? 1 : 0;
}
double n(std::uint64_t v) {
    return static_cast<double>(v);
}

void render_node(const MetricsSnapshot& s, PrometheusText& out) {
    out.family("vigil_build_info", "gauge", "Always 1; the version of the running agent.");
    out.sample({{"version", s.version}}, 1);
    out.family("vigil_start_time_seconds", "gauge", "When the agent started, in Unix time.");
    out.sample({}, s.start_time_seconds);
    out.family("vigil_healthy", "gauge",
               "1 when `vigil status` lists no problem on this node, else 0.");
    out.sample({}, b(s.healthy));
    out.family("vigil_maintenance", "gauge", "1 while this node is in standby (maintenance).");
    out.sample({}, b(s.maintenance));
    out.family("vigil_quorum_voters_alive", "gauge", "Voters this node hears, itself included.");
    out.sample({}, n(s.voters_alive));
    out.family("vigil_quorum_needed", "gauge", "Voters needed for a quorum.");
    out.sample({}, n(s.quorum));
}

void render_counters(const MetricsSnapshot& s, PrometheusText& out) {
    const struct {
        const char* name;
        const char* help;
        std::uint64_t value;
    } counters[] = {
        {"vigil_heartbeats_sent_total", "Heartbeat datagrams sent, all links and peers.",
         s.heartbeats_sent},
        {"vigil_heartbeat_send_errors_total", "Heartbeat datagrams the kernel refused to send.",
         s.send_errors},
        {"vigil_packets_received_total", "Datagrams received on the heartbeat port.",
         s.packets_received},
        {"vigil_heartbeats_accepted_total",
         "Heartbeats that passed every check and reached the core.", s.heartbeats_accepted},
        {"vigil_packets_malformed_total", "Datagrams dropped as malformed or oversized.",
         s.malformed},
        {"vigil_auth_failures_total", "Datagrams dropped because their HMAC did not verify.",
         s.auth_failures},
        {"vigil_packets_replayed_total",
         "Authenticated datagrams dropped as replays (old sequence number or boot id).", s.replays},
        {"vigil_packets_unknown_sender_total",
         "Authenticated datagrams from an address that is not the sender's.", s.unknown_sender},
        {"vigil_packets_wrong_link_total", "Heartbeats that arrived on another link.",
         s.wrong_link},
        {"vigil_vips_readded_total", "VIPs found missing on the primary and added again.",
         s.vips_readded},
        {"vigil_announcements_sent_total", "Gratuitous ARP and unsolicited NA packets sent.",
         s.announcements},
    };
    for (const auto& c : counters) {
        out.family(c.name, "counter", c.help);
        out.sample({}, n(c.value));
    }
}

void render_groups(const MetricsSnapshot& s, PrometheusText& out) {
    out.family("vigil_group_role", "gauge",
               "1 for the role this node has in the group, 0 for the other roles.");
    for (const auto& g : s.groups)
        for (const char* role : kMetricRoles)
            out.sample({{"group", g.name}, {"role", role}}, b(g.role == role));
    out.family("vigil_group_is_primary", "gauge", "1 while this node is the group's primary.");
    for (const auto& g : s.groups) out.sample({{"group", g.name}}, b(g.role == "primary"));
    out.family("vigil_group_epoch", "gauge", "The group's epoch as this node knows it.");
    for (const auto& g : s.groups) out.sample({{"group", g.name}}, n(g.epoch));
    out.family("vigil_failovers_total", "counter",
               "Times this node became the group's primary (elections, switchovers, start).");
    for (const auto& g : s.groups) out.sample({{"group", g.name}}, n(g.promotions));
    out.family("vigil_last_failover_duration_seconds", "gauge",
               "Phases of this node's last promotion in the group, from its timeline "
               "(detection, election, vips, announcement, total).");
    for (const auto& g : s.groups)
        for (const auto& p : g.last_failover)
            out.sample({{"group", g.name}, {"phase", p.name}},
                       static_cast<double>(p.duration) / 1e6);
    out.family("vigil_resource_running", "gauge",
               "1 while the managed resource runs on this node (state running).");
    for (const auto& g : s.groups)
        for (const auto& r : g.resources)
            out.sample({{"group", g.name}, {"resource", r.name}}, b(r.running));
    out.family("vigil_resource_restarts_total", "counter",
               "Restarts of the resource after a failure on this node (operator restarts "
               "not counted).");
    for (const auto& g : s.groups)
        for (const auto& r : g.resources)
            out.sample({{"group", g.name}, {"resource", r.name}}, n(r.restarts_total));
}

void render_peers(const MetricsSnapshot& s, PrometheusText& out) {
    out.family("vigil_peer_up", "gauge", "1 while the peer is alive on at least one link.");
    for (const auto& p : s.peers) out.sample({{"peer", p.name}}, b(p.up));
    out.family("vigil_peer_link_up", "gauge",
               "1 while heartbeats arrive from the peer on the link.");
    for (const auto& p : s.peers)
        for (const auto& l : p.links) out.sample({{"peer", p.name}, {"link", l.name}}, b(l.up));
    out.family("vigil_peer_link_heartbeat_age_seconds", "gauge",
               "Time since the last heartbeat from the peer on the link (absent: never heard).");
    for (const auto& p : s.peers)
        for (const auto& l : p.links)
            if (l.heartbeat_age_seconds)
                out.sample({{"peer", p.name}, {"link", l.name}}, *l.heartbeat_age_seconds);
    out.family("vigil_peer_link_heartbeats_lost_total", "counter",
               "Heartbeats from the peer on the link that never arrived, from gaps in its "
               "sequence numbers.");
    for (const auto& p : s.peers)
        for (const auto& l : p.links)
            out.sample({{"peer", p.name}, {"link", l.name}}, n(l.heartbeats_lost));
}

void render_vrrp(const MetricsSnapshot& s, PrometheusText& out) {
    if (!s.has_vrrp) return;
    out.family("vigil_vrrp_state", "gauge",
               "1 for the VRRP state this node's virtual router is in, 0 for the others.");
    for (const auto& r : s.vrrp)
        for (const char* state : kMetricVrrpStates)
            out.sample({{"group", r.name}, {"state", state}}, b(r.state == state));
    out.family("vigil_vrrp_priority", "gauge",
               "The router's effective priority on this node (checks applied).");
    for (const auto& r : s.vrrp) out.sample({{"group", r.name}}, n(r.priority));
    out.family("vigil_vrrp_became_master_total", "counter",
               "Times this node became master of the router.");
    for (const auto& r : s.vrrp) out.sample({{"group", r.name}}, n(r.became_master));
    out.family("vigil_vrrp_adverts_received_total", "counter",
               "Valid advertisements received for the router.");
    for (const auto& r : s.vrrp) out.sample({{"group", r.name}}, n(r.adverts_received));
    out.family("vigil_vrrp_adverts_sent_total", "counter", "VRRP advertisements sent.");
    out.sample({}, n(s.vrrp_adverts_sent));
    out.family("vigil_vrrp_send_errors_total", "counter",
               "VRRP advertisements that could not be sent.");
    out.sample({}, n(s.vrrp_send_errors));
    out.family("vigil_vrrp_packets_dropped_total", "counter",
               "Received VRRP packets dropped, by the RFC 9568 check they failed.");
    for (const auto& [reason, count] : s.vrrp_dropped) out.sample({{"reason", reason}}, n(count));
}

void render_stores(const MetricsSnapshot& s, PrometheusText& out) {
    if (s.stores.empty()) return;
    out.family("vigil_store_serving", "gauge",
               "1 if this node serves the group's store API (primary, every acknowledged "
               "write applied), else 0.");
    for (const auto& st : s.stores) out.sample({{"group", st.group}}, b(st.primary_ready));
    out.family("vigil_store_last_index", "gauge", "Index of the last entry in the local log.");
    for (const auto& st : s.stores) out.sample({{"group", st.group}}, n(st.last_index));
    out.family("vigil_store_applied_index", "gauge",
               "Index of the last committed entry applied to the local key-value state.");
    for (const auto& st : s.stores) out.sample({{"group", st.group}}, n(st.applied_index));
    out.family("vigil_store_snapshot_index", "gauge",
               "Index the newest snapshot covers (the log before it is compacted away).");
    for (const auto& st : s.stores) out.sample({{"group", st.group}}, n(st.snapshot_index));
    out.family("vigil_store_keys", "gauge", "Keys in the local key-value state.");
    for (const auto& st : s.stores) out.sample({{"group", st.group}}, n(st.keys));
    out.family("vigil_store_writes_committed_total", "counter",
               "Writes committed and applied on this node since it started.");
    for (const auto& st : s.stores) out.sample({{"group", st.group}}, n(st.writes_committed));
    out.family("vigil_replication_standby_state", "gauge",
               "On the primary: 1 for the state each standby's replication is in, 0 for the "
               "others.");
    for (const auto& st : s.stores)
        for (const auto& sb : st.standbys)
            for (const char* state : kMetricStandbyStates)
                out.sample({{"group", st.group}, {"standby", sb.name}, {"state", state}},
                           b(sb.state == state));
    out.family("vigil_replication_lag_entries", "gauge",
               "On the primary: log entries the standby has not acknowledged durably.");
    for (const auto& st : s.stores)
        for (const auto& sb : st.standbys)
            out.sample({{"group", st.group}, {"standby", sb.name}}, n(sb.lag_entries));
    out.family("vigil_replication_lag_seconds", "gauge",
               "On the primary: how long the standby's oldest unacknowledged entry has waited.");
    for (const auto& st : s.stores)
        for (const auto& sb : st.standbys)
            out.sample({{"group", st.group}, {"standby", sb.name}}, sb.lag_seconds);
}

}  // namespace

std::string render_metrics(const MetricsSnapshot& s) {
    PrometheusText out;
    render_node(s, out);
    render_counters(s, out);
    render_groups(s, out);
    render_peers(s, out);
    render_vrrp(s, out);
    render_stores(s, out);
    return out.text();
}

}  // namespace vigil::daemon
