#!/usr/bin/env bash
# The witness goes away: n1 and n2 are still 2 of 3 voters, a quorum, so n1 stays primary
# with no flap (same role, same epoch), but status warns that a failover is no longer
# possible (the standby alone would have 1 of 3). Then the standby dies too: n1 alone has
# 1 of 3 and must demote within its lease, and status says "no quorum". When the witness
# comes back, n1 and the witness are 2 of 3 again and n1 is primary again.
source "$(dirname "$0")/lib.sh"
dead=250 # the lab's dead_time_ms
start_cluster 2 --witness true
epoch0=$(status_field n1 '.groups[0].epoch')
[[ $(status_field n1 .voters_alive) == 3 && $(status_field n1 .quorum) == 2 ]] ||
    fail "n1 does not report 3 voters alive and a quorum of 2"
log_mark n1

# 1. Witness stopped: quorum kept, no flap, a warning.
lab_stop_agent w
lab_wait_for 2000 eval '[[ $(status_field n1 .voters_alive) == 2 ]]' ||
    fail "n1 still counts the witness alive"
sleep_ms $((3 * dead))
is_primary n1 || fail "n1 lost the group when the witness stopped"
[[ $(status_field n1 '.groups[0].epoch') == "$epoch0" ]] || fail "epoch changed"
lab_has_vip n1 198.18.0.10 || fail "n1 lost the VIP"
if log_since_mark n1 | grep 'event=role_change'; then fail "n1 changed roles"; fi
# Status shows there is no voter to spare: voters_alive == quorum, so losing either node
# would leave the other alone with 1 of 3 -- no failover is possible until w returns.
json=$(lab_vigil n1 status --json) || fail "status unhealthy with 2 of 3 voters: $json"
[[ $(jq -r '"\(.voters_alive)/\(.voters) need \(.quorum)"' <<<"$json") == "2/3 need 2" ]] ||
    fail "status does not show 2 of 3 voters, 2 needed: $(jq -c . <<<"$json")"
[[ $(jq -r '.peers[] | select(.name == "w") | "\(.witness) \(.alive)"' <<<"$json") == \
    "true false" ]] || fail "status does not show the witness dead"
[[ $(jq -r '.groups[0] | "\(.votes)/\(.votes_needed)"' <<<"$json") == 2/2 ]] ||
    fail "n1 does not hold 2 of 2 votes: $(jq -c .groups[0] <<<"$json")"
text=$(lab_vigil n1 status)
grep -q 'quorum: 2/3 voters alive, 2 needed' <<<"$text" || fail "text status: $text"
# And says in so many words that the group cannot fail over now.
[[ $(jq -r '.groups[0].failover_blocked' <<<"$json") == \
    "without n1 only 1 of 3 voters would remain; a quorum is 2" ]] ||
    fail "status does not say the group cannot fail over: $(jq -c .groups[0] <<<"$json")"
grep -q 'CANNOT FAIL OVER: without n1 only 1 of 3 voters' <<<"$text" ||
    fail "text status does not say the group cannot fail over: $text"
pass "witness down: n1 still primary at epoch $epoch0 with 2/3 voters (none to spare)"

# 2. The standby dies as well (kill -9 of its agent and supervisor): 1 of 3 left.
lab_watch_start 198.18.0.10 n1 n2
t_kill=$(lab_now_ms)
lab_kill_tree "$(lab_agent_pid n2)" KILL
lab_wait_for 2000 eval '! lab_has_vip n1 198.18.0.10' || fail "n1 kept the VIP without quorum"
gone_ms=$(($(lab_now_ms) - t_kill))
lab_wait_for 1000 eval '[[ $(role_of n1) != primary ]]' || fail "n1 still says primary"
# The lease (about 220 ms) can run out before n2's dead time (250 ms) has passed, so n1
# may demote while it still counts n2 as alive: wait for the dead time to show in status.
lab_wait_for 1000 eval 'lab_vigil n1 status | grep -qi "no quorum"' || true
text=$(lab_vigil n1 status || true)
grep -qi 'no quorum' <<<"$text" || fail "status does not say no quorum: $text"
json=$(lab_vigil n1 status --json || true)
[[ $(jq -r .healthy <<<"$json") == false ]] || fail "healthy without quorum"
jq -e '.problems | map(test("no quorum")) | any' <<<"$json" >/dev/null ||
    fail "JSON problems lack 'no quorum': $(jq -c .problems <<<"$json")"
[[ $(jq -r .voters_alive <<<"$json") == 1 ]] || fail "voters_alive is not 1"
echo "alone: n1 removed the VIP ${gone_ms} ms after the standby died"
((gone_ms <= dead + 150)) || fail "n1 held the VIP ${gone_ms} ms without quorum"

# 3. The witness returns: n1 and w are a quorum again.
t_back=$(lab_now_ms)
lab_start_agent w
lab_wait_for 5000 is_primary n1 || fail "n1 not primary again with the witness back"
lab_wait_for 2000 lab_has_vip n1 198.18.0.10 || fail "n1 did not add the VIP again"
back_ms=$(($(lab_now_ms) - t_back))
lab_watch_stop
watch_no_overlap
client_ping 198.18.0.10 || fail "VIP unreachable with n1 and the witness"
echo "with the witness back: n1 primary again after ${back_ms} ms" \
    "(epoch $(status_field n1 '.groups[0].epoch'))"
pass "witness down: no flap; alone: demoted at +${gone_ms} ms; witness back: primary again"
