#!/usr/bin/env bash
# Power-off of the primary (both cables pulled): the standby takes over within about one
# dead time, the client's outage on the VIP stays under a second, and when the node comes
# back it takes the group back (preempt) without both holding the VIP.
source "$(dirname "$0")/lib.sh"
start_cluster 2 --two-node true

lab_measure_outage 198.18.0.10 "lab_power_off n1" "is_primary n2" 3000 300
echo "client outage on power-off: ${LAB_OUTAGE_MS} ms"
[[ $LAB_OUTAGE_OPEN == 0 ]] || fail "the VIP did not come back"
outage_below 1000 || fail "outage ${LAB_OUTAGE_MS} ms >= 1000 ms"
lab_has_vip n2 198.18.0.10 || fail "n2 lacks the VIP"
client_ping fd00:18::10 || fail "IPv6 VIP unreachable after failover"
lab_vigil n2 status -v | grep -q "n1 declared dead" || fail "timeline lacks the detection"

lab_power_on n1
lab_wait_for 3000 is_primary n1 || fail "n1 did not take the group back"
lab_wait_for 2000 only_holder 198.18.0.10 n1 || fail "VIP not back on n1 alone"
client_ping 198.18.0.10 || fail "VIP unreachable after failback"
pass "power-off failover in ${LAB_OUTAGE_MS} ms, failback ok"
