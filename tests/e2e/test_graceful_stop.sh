#!/usr/bin/env bash
# A graceful stop (SIGTERM) of the primary hands the group over at once: no dead-time wait,
# a client outage of a few milliseconds.
source "$(dirname "$0")/lib.sh"
start_cluster 2 --two-node true

lab_measure_outage 198.18.0.10 "lab_stop_agent n1" "is_primary n2" 3000 200
echo "client outage on graceful stop: ${LAB_OUTAGE_MS} ms"
[[ $LAB_OUTAGE_OPEN == 0 ]] || fail "the VIP did not come back"
outage_below 200 || fail "outage ${LAB_OUTAGE_MS} ms: the handover waited"
lab_has_vip n1 198.18.0.10 && fail "n1 kept the VIP after stopping"
grep -q 'reason="handover from n1"' "$LAB_DIR/n2.log" || fail "not a handover"
pass "graceful stop handed over in ${LAB_OUTAGE_MS} ms"
