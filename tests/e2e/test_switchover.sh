#!/usr/bin/env bash
# `vigil switchover` moves the group with a handover (a few ms), from the primary or from a
# standby, sticks despite preempt, and refuses bad requests with a reason.
source "$(dirname "$0")/lib.sh"
start_cluster 2 --two-node true

lab_measure_outage 198.18.0.10 "lab_vigil n1 switchover northbound >/dev/null" \
    "is_primary n2" 3000 200
echo "client outage on switchover: ${LAB_OUTAGE_MS} ms"
outage_below 200 || fail "switchover outage ${LAB_OUTAGE_MS} ms"
lab_wait_for 1000 only_holder 198.18.0.10 n2 || fail "VIP not moved to n2 alone"
sleep 0.5
is_primary n2 || fail "preemption undid the operator's switchover"

out=$(lab_vigil n2 switchover northbound --to n1) || fail "switchover back failed: $out"
grep -q "primary is now n1" <<<"$out" || fail "unexpected output: $out"
# From the standby (n2 asks the primary n1 to hand over).
out=$(lab_vigil n2 switchover northbound --to n2) || fail "switchover via standby: $out"
is_primary n2 || fail "n2 not primary after switchover via standby"

if err=$(lab_vigil n1 switchover northbound --to n9 2>&1); then fail "accepted unknown node"; fi
grep -q 'unknown node "n9"' <<<"$err" || fail "bad message: $err"
if err=$(lab_vigil n1 switchover nosuchgroup 2>&1); then fail "accepted unknown group"; fi
grep -q 'unknown group' <<<"$err" || fail "bad message: $err"
pass "switchover in ${LAB_OUTAGE_MS} ms; sticks; bad requests refused"
