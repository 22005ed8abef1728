#!/usr/bin/env bash
# VRRPv3 interoperability with keepalived (docs/vrrp.md, issue 6): a vigil node (n1) and
# Debian's keepalived (n2, vrrp_version 3) in the same virtual routers, IPv4 and IPv6,
# advert interval 100 ms. They must elect the right master by priority, fail over and
# fail back in both directions, agree on the VIP, and never both hold it for longer than
# one advert interval (sampled every 5 ms, except while a partition makes that
# unavoidable for any VRRP implementation). Every advert of the run is captured and read
# back with tshark's VRRP dissector: no malformed packet, checksums good, version 3.
source "$(dirname "$0")/lib.sh"
source "$E2E_DIR/../lab/vrrp.sh"
lab_skip_unless_root
command -v keepalived >/dev/null || { echo "SKIP: keepalived not installed"; exit 77; }
command -v tshark >/dev/null || { echo "SKIP: tshark not installed"; exit 77; }
lab_create 2

V4=198.18.0.51 V6=fd00:18::51 INTERVAL_MS=100

# vigil on n1: a one-node cluster (keepalived is not a vigil node), two vrrp3 routers.
(umask 077 && head -c 32 /dev/urandom | base64 >"$LAB_DIR/auth.key")
cat >"$LAB_DIR/vigil.toml" <<TOML
[cluster]
name = "interop"
auth_key_file = "auth.key"
state_dir = "$LAB_DIR/state"
[[node]]
name = "n1"
address = ["198.18.0.11"]
[[group]]
name = "v4"
protocol = "vrrp3"
vrid = 51
interface = "eth0"
advert_interval_ms = $INTERVAL_MS
priority = { n1 = 150 }
vip = [ { address = "$V4/24" } ]
[[group]]
name = "v6"
protocol = "vrrp3"
vrid = 51
interface = "eth0"
advert_interval_ms = $INTERVAL_MS
priority = { n1 = 150 }
vip = [ { address = "$V6/64" } ]
TOML
LAB_CONFIG=$LAB_DIR/vigil.toml

write_keepalived() {  # PRIORITY
    cat >"$LAB_DIR/keepalived.conf" <<CONF
global_defs {
    router_id n2
    vrrp_version 3
    vrrp_garp_master_delay 0
}
vrrp_instance VI_4 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority $1
    advert_int 0.1
    virtual_ipaddress {
        $V4/24 dev eth0
    }
}
vrrp_instance VI_6 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority $1
    advert_int 0.1
    virtual_ipaddress {
        $V6/64 dev eth0
    }
}
CONF
}

holders() { lab_vrrp_vip_holders "$1" n1 n2; }
only() { [[ $(holders "$1") == "$2" ]]; }
both_only() { only $V4 "$1" && only $V6 "$1"; }
now() { lab_now_ms; }
report() { echo "  $1: $2 ms"; }

# Every VRRP packet on the link, bounded; read back at the end.
lab_start_bg n1 "$LAB_DIR/tcpdump.log" tcpdump -i eth0 -n -U -c 20000 \
    -w "$LAB_DIR/vrrp.pcap" 'ip proto 112 or ip6 proto 112'
TCPDUMP_PID=$LAB_LAST_PID
lab_wait_for 3000 grep -q "listening on" "$LAB_DIR/tcpdump.log" || fail "tcpdump did not start"

# 1. keepalived alone becomes master of both routers.
write_keepalived 100
lab_keepalived_start n2 "$LAB_DIR/keepalived.conf"
lab_wait_for 5000 both_only n2 || fail "keepalived alone did not take the VIPs ($(holders $V4))"
pass "keepalived (priority 100) alone is master: n2 holds $V4 and $V6"

lab_watch_start $V4 n1 n2
WATCH4=$LAB_WATCH_OUT WATCH4_PID=$LAB_WATCH_PID

# 2. vigil (150) starts and preempts keepalived (100).
t0=$(now)
lab_start_agent n1
lab_wait_for 5000 both_only n1 || fail "vigil (150) did not preempt keepalived ($(holders $V4) / $(holders $V6))"
report "vigil preempts keepalived (start to only n1 holding both)" $(($(now) - t0))
[[ $(lab_vrrp_state n1 v4) == master && $(lab_vrrp_state n1 v6) == master ]] ||
    fail "vigil does not say master: $(lab_vrrp_state n1 v4) $(lab_vrrp_state n1 v6)"
grep -q "VI_4) Entering BACKUP STATE" "$LAB_DIR/n2.keepalived.log" ||
    fail "keepalived did not log BACKUP for VI_4"
pass "vigil (150) preempted keepalived (100), keepalived is BACKUP"

# 3. vigil stops gracefully: priority 0, keepalived takes over after its skew time.
t0=$(now)
lab_stop_agent n1
lab_wait_for 3000 both_only n2 || fail "keepalived did not take over after vigil stopped"
stop_ms=$(($(now) - t0))
report "vigil stopped -> keepalived master" "$stop_ms"
pass "failover vigil -> keepalived on a graceful stop"

# 4. vigil returns and preempts again (failback to vigil).
lab_start_agent n1
lab_wait_for 5000 both_only n1 || fail "vigil did not take the routers back"
pass "failback keepalived -> vigil (preemption)"

# 5. vigil's agent is killed (-9): its supervisor removes the VIPs, keepalived takes over
#    when its Master_Down_Interval (3 x 100 ms + skew) runs out.
agent=$(agent_pid n1)
[[ -n $agent ]] || fail "no agent pid"
t0=$(now)
kill -KILL "$agent"
lab_wait_for 3000 only $V4 n2 || fail "keepalived did not take over after the agent died"
kill_ms=$(($(now) - t0))
report "vigil agent killed -> keepalived holds $V4" "$kill_ms"
((kill_ms < 3 * INTERVAL_MS + 100 + 300)) || fail "takeover took $kill_ms ms"
# The supervisor exits after its cleanup (systemd would restart it); we start it again.
lab_wait_for 3000 lab__gone "$(lab_agent_pid n1)" || fail "the supervisor did not exit"
lab_stop_agent n1
lab_start_agent n1
lab_wait_for 5000 both_only n1 || fail "the restarted agent did not take the routers back"
pass "failover on a killed agent, and back"

lab_watch_stop
overlap=$(lab_longest_overlap_ms "$WATCH4")
echo "  longest time both held $V4 (phases 2-5): $overlap ms"
((overlap <= INTERVAL_MS)) || fail "both nodes held $V4 for $overlap ms (> $INTERVAL_MS)"
pass "never both held the VIP for more than one advert interval ($overlap ms)"

# 6. Reverse roles: keepalived restarts with priority 200 and preempts vigil (150).
lab_keepalived_stop n2
write_keepalived 200
lab_watch_start $V4 n1 n2
lab_keepalived_start n2 "$LAB_DIR/keepalived.conf"
lab_wait_for 5000 both_only n2 || fail "keepalived (200) did not preempt vigil"
[[ $(lab_vrrp_state n1 v4) == backup ]] || fail "vigil is $(lab_vrrp_state n1 v4), not backup"
master=$(status_field n1 '.vrrp[] | select(.name == "v4") | .master')
[[ $master == 198.18.0.12 ]] || fail "vigil sees master '$master', expected 198.18.0.12"
pass "keepalived (200) preempted vigil (150); vigil is backup and names 198.18.0.12 master"

# 7. keepalived stops gracefully (priority 0): vigil takes over within its skew time.
t0=$(now)
lab_keepalived_stop n2
lab_wait_for 3000 both_only n1 || fail "vigil did not take over from a stopping keepalived"
report "keepalived stopped -> vigil master" $(($(now) - t0))
# 8. keepalived returns with 200 and takes the routers back (failback to keepalived).
lab_keepalived_start n2 "$LAB_DIR/keepalived.conf"
lab_wait_for 5000 both_only n2 || fail "keepalived did not take the routers back"
lab_watch_stop
overlap=$(lab_longest_overlap_ms "$LAB_WATCH_OUT")
echo "  longest time both held $V4 (phases 6-8): $overlap ms"
((overlap <= INTERVAL_MS)) || fail "both nodes held $V4 for $overlap ms (> $INTERVAL_MS)"
pass "failover keepalived -> vigil and failback, both held $V4 at most $overlap ms"

# 9. keepalived's node loses its cables: vigil takes over after Master_Down_Interval. When
#    the cables return, both are master for an instant; the lower one (vigil) yields.
t0=$(now)
lab_power_off n2
lab_wait_for 3000 lab_has_vip n1 $V4 || fail "vigil did not take over from a powered-off keepalived"
report "keepalived's node powered off -> vigil holds $V4" $(($(now) - t0))
lab_watch_start $V4 n1 n2
lab_power_on n2
lab_wait_for 3000 both_only n2 || fail "after the partition healed, vigil did not yield to 200"
sleep 0.5
lab_watch_stop
overlap=$(lab_longest_overlap_ms "$LAB_WATCH_OUT")
echo "  longest time both held $V4 after the partition healed: $overlap ms"
((overlap <= INTERVAL_MS)) || fail "both held $V4 for $overlap ms after the heal"
pass "partition: vigil took over, and yielded within $overlap ms of the heal"

# 10. tshark reads every advert of the run: no malformed packet, version 3, good checksums.
lab_stop_pid "$TCPDUMP_PID" 3000 INT
tshark -r "$LAB_DIR/vrrp.pcap" -Y vrrp -T fields -E separator=, \
    -e ip.src -e ipv6.src -e vrrp.version -e vrrp.checksum.status -e vrrp.prio \
    -e vrrp.virt_rtr_id >"$LAB_DIR/vrrp.csv" 2>"$LAB_DIR/tshark.err"
malformed=$(tshark -r "$LAB_DIR/vrrp.pcap" -Y '_ws.malformed || _ws.expert.severity >= warning' \
    2>/dev/null | wc -l)
total=$(wc -l <"$LAB_DIR/vrrp.csv")
vigil_v4=$(grep -c '^198\.18\.0\.11,' "$LAB_DIR/vrrp.csv" || true)
vigil_v6=$(grep -c '^,fe80::' "$LAB_DIR/vrrp.csv" || true)
bad=$(awk -F, '$3 != 3 || $4 != 1' "$LAB_DIR/vrrp.csv" | head -5)
echo "  captured $total adverts ($vigil_v4 IPv4 from vigil, $vigil_v6 IPv6 from either)"
((total > 100 && vigil_v4 > 20 && vigil_v6 > 20)) || fail "too few adverts captured"
[[ -z $bad ]] || fail "adverts that are not version 3 with a good checksum: $bad"
((malformed == 0)) || fail "tshark flags $malformed packets as malformed or with warnings"
grep -q ',0,51$' "$LAB_DIR/vrrp.csv" || fail "no priority-0 advert was captured"
pass "tshark: $total adverts, all version 3, checksums good, none malformed"
echo "PASS"
