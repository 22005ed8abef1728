#!/usr/bin/env bash
# VRRPv3 sync groups and require_quorum (docs/vrrp.md, issue 6), on two vigil nodes and a
# witness whose file also has a vigil group: two routers in one sync group fail over
# together when a weight-0 check fails on one of them, and come back together; a node
# that loses the cluster's quorum puts its require_quorum routers in fault and releases
# their VIPs even though VRRP adverts still reach it, and takes them back once it rejoins.
source "$(dirname "$0")/lib.sh"
source "$E2E_DIR/../lab/vrrp.sh"
lab_skip_unless_root
lab_create 2 --witness
R1=198.18.0.61 R2=198.18.0.62

start_cluster 2 --witness true --append "$(cat <<TOML
[[check]]
name = "flag"
command = "test ! -e $LAB_DIR/fail-n1 || ! ip -o addr show dev eth0 | grep -q ' 198.18.0.11/'"
interval_ms = 50
fall = 1
rise = 1

[[group]]
name = "r1"
protocol = "vrrp3"
vrid = 11
interface = "eth0"
advert_interval_ms = 100
priority = { n1 = 150, n2 = 100 }
vip = [ { address = "$R1/24" } ]
checks = ["flag"]
sync_group = "pair"
require_quorum = true

[[group]]
name = "r2"
protocol = "vrrp3"
vrid = 12
interface = "eth0"
advert_interval_ms = 100
priority = { n1 = 150, n2 = 100 }
vip = [ { address = "$R2/24" } ]
sync_group = "pair"
require_quorum = true
TOML
)"

holds_both() { lab_has_vip "$1" $R1 && lab_has_vip "$1" $R2; }
holds_none() { ! lab_has_vip "$1" $R1 && ! lab_has_vip "$1" $R2; }
on_only() { holds_both "$1" && holds_none "$2"; }

lab_wait_for 5000 on_only n1 n2 || fail "n1 (150) did not become master of r1 and r2"
[[ $(lab_vrrp_state n2 r1) == backup && $(lab_vrrp_state n2 r2) == backup ]] ||
    fail "n2 is not backup: $(lab_vrrp_state n2 r1) $(lab_vrrp_state n2 r2)"
pass "n1 is master of both routers, n2 backup"

# 1. The check of r1 fails on n1 (weight 0: fault). r2 has no check, but it is in r1's
#    sync group: both move to n2.
t0=$(lab_now_ms)
touch "$LAB_DIR/fail-n1"
lab_wait_for 3000 on_only n2 n1 || fail "r1 and r2 did not move to n2 together"
echo "  check failed -> both routers on n2: $(($(lab_now_ms) - t0)) ms"
[[ $(lab_vrrp_state n1 r1) == fault && $(lab_vrrp_state n1 r2) == fault ]] ||
    fail "n1 should show both in fault: $(lab_vrrp_state n1 r1) $(lab_vrrp_state n1 r2)"
fault=$(status_field n1 '.vrrp[] | select(.name == "r2") | .fault')
[[ $fault == *pair* || $fault == *sync* ]] || fail "r2's fault does not name its sync group: '$fault'"
grep -q 'event=vrrp_state.*group=r2.*to=fault' "$LAB_DIR/n1.log" || fail "no vrrp_state log line for r2"
pass "a failing check on r1 moved r1 and r2 to n2 together (r2: $fault)"

# 2. The check passes again: n1 preempts both back.
rm "$LAB_DIR/fail-n1"
lab_wait_for 5000 on_only n1 n2 || fail "n1 did not take both routers back"
pass "both routers back on n1 once the check passed"

# 3. n1 loses the cluster (heartbeats cut both ways to n2 and the witness; VRRP multicast
#    still flows). Without quorum its routers go to fault and release the VIPs; n2, which
#    has quorum with the witness, takes them.
t0=$(lab_now_ms)
for peer in n2 w; do lab_cut n1 $peer; lab_cut $peer n1; done
lab_wait_for 5000 on_only n2 n1 || fail "n1 kept its routers without quorum"
echo "  quorum lost -> routers on n2: $(($(lab_now_ms) - t0)) ms"
fault=$(status_field n1 '.vrrp[] | select(.name == "r1") | .fault')
[[ $fault == *quorum* ]] || fail "r1's fault on n1 does not mention quorum: '$fault'"
pass "without quorum n1 released its routers ($fault)"

# 4. The cut heals: n1 has quorum again and preempts.
for peer in n2 w; do lab_heal n1 $peer; lab_heal $peer n1; done
lab_wait_for 8000 on_only n1 n2 || fail "n1 did not take the routers back after the heal"
lab_wait_for 5000 is_primary n1 || fail "the vigil group northbound did not return to n1"
pass "after the heal n1 is master again, and the vigil group was unaffected"
echo "PASS"
