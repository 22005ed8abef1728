#!/usr/bin/env bash
# At start the highest-priority node becomes primary: it alone holds both VIPs (IPv4 and
# IPv6), the client reaches them, and `vigil status` says so in text and JSON.
source "$(dirname "$0")/lib.sh"
start_cluster 2 --two-node true

lab_wait_for 2000 only_holder 198.18.0.10 n1 || fail "198.18.0.10 not only on n1"
lab_wait_for 2000 only_holder fd00:18::10 n1 || fail "fd00:18::10 not only on n1"
client_ping 198.18.0.10 || fail "client cannot reach the IPv4 VIP"
client_ping fd00:18::10 || fail "client cannot reach the IPv6 VIP"

json=$(lab_vigil n1 status --json)
[[ $(jq -r .node <<<"$json") == n1 ]] || fail "status .node"
[[ $(jq -r '.groups[0].name' <<<"$json") == northbound ]] || fail "status .groups[].name"
[[ $(jq -r '.groups[0].role' <<<"$json") == primary ]] || fail "status .groups[].role"
[[ $(jq -r '.groups[0].epoch' <<<"$json") -ge 1 ]] || fail "status .groups[].epoch"
[[ $(jq -r '.peers[0].name' <<<"$json") == n2 ]] || fail "status .peers[].name"
[[ $(jq -r '.peers[0].alive' <<<"$json") == true ]] || fail "status .peers[].alive"
[[ $(jq -r '.groups[0].vips | map(.present) | all' <<<"$json") == true ]] || fail "vips present"
[[ $(role_of n2) == standby ]] || fail "n2 is not standby"
lab_vigil n1 status >/dev/null || fail "status exit code on a healthy primary"

text=$(lab_vigil n2 status -v)
grep -q "northbound: STANDBY" <<<"$text" || fail "text status: $text"
grep -q "link 1 198.18.1.11: up" <<<"$text" || fail "text status links: $text"
grep -q "heartbeats_accepted" <<<"$text" || fail "verbose counters missing"
grep -q 'event=role_change group=northbound from=standby to=primary epoch=1' "$LAB_DIR/n1.log" ||
    fail "role change not logged"
pass "n1 primary with both VIPs; status text and JSON agree"
