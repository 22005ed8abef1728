#!/usr/bin/env bash
# preempt = true: a recovered higher-priority node takes the group back.
# preempt = false: the current primary keeps it.
source "$(dirname "$0")/lib.sh"
start_cluster 2 --two-node true --preempt false

lab_stop_agent n1
lab_wait_for 2000 is_primary n2 || fail "n2 did not take over"
lab_start_agent n1
lab_wait_for 3000 bash -c "[[ \$($VIGIL_BIN status --json --socket $LAB_DIR/n1.sock 2>/dev/null | jq -r .groups[0].role) == standby ]]" ||
    fail "n1 did not settle as standby"
sleep 1
is_primary n2 || fail "preempt=false: n1 took the group back"
lab_has_vip n1 198.18.0.10 && fail "preempt=false: n1 holds the VIP"
pass "preempt=false keeps n2 primary"

# Same lab, preempt = true (a new config; restart both agents).
lab_stop_agent n1
lab_stop_agent n2
lab_write_config "$LAB_DIR/vigil.toml" --nodes 2 --two-node true --preempt true
lab_start_agent n2
lab_wait_for 3000 is_primary n2 || fail "n2 alone did not become primary"
lab_start_agent n1
lab_wait_for 3000 is_primary n1 || fail "preempt=true: n1 did not take the group back"
lab_wait_for 1000 only_holder 198.18.0.10 n1 || fail "VIP not on n1 alone"
pass "preempt=true: n1 took the group back"
