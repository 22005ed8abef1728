#!/usr/bin/env bash
# `vigil standby on` (maintenance): the node hands its groups over and will not be primary,
# even when the other node dies; `standby off` makes it eligible again.
source "$(dirname "$0")/lib.sh"
start_cluster 2 --two-node true

lab_vigil n1 standby on >/dev/null || fail "standby on refused"
lab_wait_for 1000 is_primary n2 || fail "n2 did not take over"
[[ $(status_field n1 .maintenance) == true ]] || fail "status does not show maintenance"
[[ $(status_field n2 '.peers[0].maintenance') == true ]] || fail "peer does not see it"
lab_stop_agent n2
sleep 0.6
is_primary n1 && fail "n1 became primary while in standby mode"
lab_vigil n1 standby off >/dev/null || fail "standby off refused"
lab_wait_for 1000 is_primary n1 || fail "n1 not primary after standby off"
if err=$(lab_vigil n1 standby maybe 2>&1); then fail "accepted 'standby maybe'"; fi
pass "standby on/off"
