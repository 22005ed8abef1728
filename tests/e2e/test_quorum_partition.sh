#!/usr/bin/env bash
# Partition with a witness. n1 is primary; then n1 loses n2 and the witness w (both ways, on
# both links) while n2 still hears w and the client still reaches both nodes. n1, left with
# its own vote (1 of 3), must demote when its lease runs out (about dead_time after the
# cut); n2 gets the witness's vote once the witness's promise to n1 has run out, and takes
# over. The VIP's holders are sampled every 5 ms from before the cut until after healing:
# no sample may show both nodes holding it. The client probing the VIP sees it come back.
source "$(dirname "$0")/lib.sh"
dead=250 # the lab's dead_time_ms
start_cluster 2 --witness true
epoch0=$(status_field n1 '.groups[0].epoch')
log_mark n1

lab_watch_start 198.18.0.10 n1 n2
partition() {  # four one-way cuts, about 10 ms each; times count from the last one
    local t0; t0=$(lab_now_ms)
    lab_cut n2 n1
    lab_cut w n1
    lab_cut n1 n2
    lab_cut n1 w
    T_CUT=$(lab_now_ms)
    CUT_MS=$((T_CUT - t0))
}
lab_measure_outage 198.18.0.10 partition "is_primary n2 && ! lab_has_vip n1 198.18.0.10" 5000 300
echo "client outage on the partition: ${LAB_OUTAGE_MS} ms"
[[ $LAB_OUTAGE_OPEN == 0 ]] || fail "the client did not get the VIP back"
lab_has_vip n2 198.18.0.10 || fail "n2 lacks the VIP"
client_ping 198.18.0.10 || fail "VIP unreachable from the client after the partition"
[[ $(role_of n1) != primary ]] || fail "n1 still primary with 1 of 3 votes"
epoch2=$(status_field n2 '.groups[0].epoch')
((epoch2 > epoch0)) || fail "n2 primary at epoch $epoch2, not above $epoch0"
# Each side's status: n1 hears only itself (no quorum), n2 hears itself and w.
json=$(lab_vigil n1 status --json || true)
[[ $(jq -r .voters_alive <<<"$json") == 1 ]] || fail "n1 hears $(jq .voters_alive <<<"$json")"
jq -e '.healthy == false and (.problems | map(test("^no quorum")) | any)' <<<"$json" \
    >/dev/null || fail "n1's status does not report no quorum: $(jq -c .problems <<<"$json")"
[[ $(status_field n2 .voters_alive) == 2 ]] || fail "n2 does not hear 2 of 3 voters"
[[ $(status_field w '.groups[0].promised_to') == n2 ]] || fail "the witness does not back n2"

# Heal: n1 returns and, with preempt, takes the group back by handover.
lab_heal n1 n2
lab_heal n2 n1
lab_heal n1 w
lab_heal w n1
lab_wait_for 3000 is_primary n1 || fail "n1 did not take the group back after healing"
lab_wait_for 2000 only_holder 198.18.0.10 n1 || fail "VIP not back on n1 alone"
sleep 0.2
lab_watch_stop
watch_no_overlap
gone=$(watch_first n1 false "$T_CUT")
up=$(watch_first n2 true "$T_CUT")
echo "after the cut (made in ${CUT_MS} ms): n1 removed the VIP at +${gone} ms, n2 added it" \
    "at +${up} ms"
[[ -n $gone && -n $up ]] || fail "VIP changes not seen: $(jq -c .changes "$LAB_WATCH_OUT")"
# n1's lease counts from heartbeats it sent before the cut, and is shorter than dead_time.
((gone <= dead + 150)) || fail "n1 held the VIP ${gone} ms after losing its quorum"
# n2 waits for dead_time, then for the witness's promise to n1 to run out (about the same).
((up <= 2 * dead + 300)) || fail "n2 took ${up} ms to take over"
log_since_mark n1 | grep -q 'event=role_change.*from=primary to=standby' ||
    fail "n1 did not log its demotion"
client_ping 198.18.0.10 || fail "VIP unreachable after healing"
pass "partition: n1 out at +${gone} ms, n2 in at +${up} ms, never both; outage ${LAB_OUTAGE_MS} ms"
