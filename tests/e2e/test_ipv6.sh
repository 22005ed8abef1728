#!/usr/bin/env bash
# IPv6 end to end: heartbeats over IPv6 (link 0) and IPv4 (link 1), an IPv6-only group
# whose VIP moves on power-off; the client (probing over ICMPv6) follows at once thanks to
# the unsolicited neighbour advertisement, not after its neighbour entry times out.
source "$(dirname "$0")/lib.sh"
lab_skip_unless_root
lab_create 2
(umask 077 && head -c 32 /dev/urandom | base64 >"$LAB_DIR/auth.key")
cat >"$LAB_DIR/vigil.toml" <<TOML
[cluster]
name = "lab6"
auth_key_file = "auth.key"
two_node = true
state_dir = "$LAB_DIR/state"

[[node]]
name = "n1"
address = ["fd00:18::11", "198.18.1.11"]

[[node]]
name = "n2"
address = ["fd00:18::12", "198.18.1.12"]

[[group]]
name = "northbound"
priority = { n1 = 150, n2 = 100 }
vip = [ { address = "fd00:18::10/64", interface = "eth0" } ]
TOML
lab_start_agent n1 "$LAB_DIR/vigil.toml"
lab_start_agent n2 "$LAB_DIR/vigil.toml"
lab_wait_for 5000 is_primary n1 || fail "n1 not primary"
[[ $(status_field n2 '.peers[0].links[0].alive') == true ]] || fail "IPv6 heartbeat link down"
[[ $(status_field n2 '.peers[0].links[0].address') == fd00:18::11 ]] || fail "link 0 address"
lab_wait_for 2000 client_ping fd00:18::10 || fail "client cannot reach the IPv6 VIP"

lab_measure_outage fd00:18::10 "lab_power_off n1" "is_primary n2" 3000 300
echo "client outage on power-off (IPv6): ${LAB_OUTAGE_MS} ms"
[[ $LAB_OUTAGE_OPEN == 0 ]] || fail "the IPv6 VIP did not come back for the client"
outage_below 1000 || fail "IPv6 outage ${LAB_OUTAGE_MS} ms"
lab_has_vip n2 fd00:18::10 || fail "n2 lacks the IPv6 VIP"
grep -q 'unsolicited NA' <(lab_vigil n2 status -v) || fail "no NA in the timeline"
pass "IPv6 heartbeats and VIP; failover in ${LAB_OUTAGE_MS} ms"
