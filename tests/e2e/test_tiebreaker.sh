#!/usr/bin/env bash
# two_node = true with a tie-breaker (ipfail): a node may be or stay primary only while it
# reaches `tiebreaker` (here the client's address, standing in for the default gateway).
# n1 loses its uplink (a blackhole route to the tie-breaker): it must hand the group to n2,
# whose uplink is fine, and say why in its status; when the uplink returns, n1 (preempt)
# takes the group back.
source "$(dirname "$0")/lib.sh"
lab_skip_unless_root
lab_create 2
lab_write_config "$LAB_DIR/vigil.toml" --nodes 2 --two-node true
sed -i '/^\[cluster\]/a tiebreaker = "198.18.0.100"\ntiebreaker_interval_ms = 100' \
    "$LAB_DIR/vigil.toml"
"$VIGIL_BIN" check-config "$LAB_DIR/vigil.toml" >/dev/null || fail "config refused"
lab_start_agent n1
lab_start_agent n2
lab_wait_for 5000 is_primary n1 || fail "n1 did not become primary at start"
[[ $(status_field n1 .tiebreaker.reachable) == true ]] ||
    fail "n1 does not report the tie-breaker reachable: $(lab_vigil n1 status --json)"

t0=$(lab_now_ms)
lab_exec n1 ip route add blackhole 198.18.0.100/32
lab_wait_for 3000 is_primary n2 || fail "n2 did not take over when n1 lost its tie-breaker"
took=$(($(lab_now_ms) - t0))
lab_wait_for 1000 only_holder 198.18.0.10 n2 || fail "the VIP is not on n2 alone"
reason=$(status_field n1 '.groups[0].not_eligible')
[[ $reason == "tiebreaker 198.18.0.100 unreachable" ]] || fail "n1's status says '$reason'"
grep -q 'event=role_change.*from=primary to=standby' "$LAB_DIR/n1.log" || fail "no demotion"
echo "n1 handed the group over ${took} ms after losing its uplink (two pings of 100 ms lost)"

lab_exec n1 ip route del blackhole 198.18.0.100/32
lab_wait_for 3000 is_primary n1 || fail "n1 did not take the group back with its uplink"
lab_wait_for 1000 only_holder 198.18.0.10 n1 || fail "the VIP is not back on n1 alone"
pass "tie-breaker: the node without its uplink gives the group up (${took} ms) and takes it back"
