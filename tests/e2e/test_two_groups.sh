#!/usr/bin/env bash
# Two groups with different primaries: northbound on n1, southbound on n2. When n2 dies, n1
# holds both; each node still sends one heartbeat per peer per link for all groups.
source "$(dirname "$0")/lib.sh"
start_cluster 2 --two-node true --groups 2
lab_wait_for 3000 is_primary n2 southbound || fail "n2 not primary of southbound"
lab_wait_for 1000 only_holder 198.18.0.20 n2 || fail "southbound VIP not on n2 alone"
[[ $(role_of n1 southbound) == standby ]] || fail "n1 not standby of southbound"
client_ping 198.18.0.20 || fail "southbound VIP unreachable"

sent0=$(lab_vigil n1 status -v --json | jq .counters.heartbeats_sent)
sleep 0.5
sent1=$(lab_vigil n1 status -v --json | jq .counters.heartbeats_sent)
# 2 links x 1 peer x 10 intervals in 500 ms, whatever the number of groups (plus a few
# sent at once on state changes).
rate=$((sent1 - ${sent0:-0}))
((rate <= 26)) || fail "$rate heartbeats in 500 ms: not one per peer per link per interval"

lab_power_off n2
lab_wait_for 2000 is_primary n1 southbound || fail "n1 did not take southbound"
is_primary n1 northbound || fail "n1 lost northbound"
lab_has_vip n1 198.18.0.20 || fail "n1 lacks southbound's VIP"
pass "two groups, two primaries; n1 took both"
