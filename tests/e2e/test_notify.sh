#!/usr/bin/env bash
# The notify hook runs on every role change as CMD GROUP ROLE EPOCH, in order, and again
# after an agent restart, so external state never stays pointed at a loser.
source "$(dirname "$0")/lib.sh"
lab_skip_unless_root
lab_create 2
hook=$LAB_DIR/hook.sh
cat >"$hook" <<HOOK
#!/bin/sh
echo "\$VIGIL_NODE_TAG \$1 \$2 \$3" >> "$LAB_DIR/notify.\$VIGIL_NODE_TAG"
HOOK
chmod +x "$hook"
lab_write_config "$LAB_DIR/vigil.toml" --nodes 2 --two-node true --notify "$hook"
VIGIL_NODE_TAG=n1 lab_start_agent n1
VIGIL_NODE_TAG=n2 lab_start_agent n2
lab_wait_for 3000 is_primary n1 || fail "n1 not primary"
lab_wait_for 2000 grep -q "northbound primary 1" "$LAB_DIR/notify.n1" ||
    fail "no primary notify on n1: $(cat "$LAB_DIR/notify.n1" 2>/dev/null)"
lab_wait_for 2000 grep -q "northbound standby" "$LAB_DIR/notify.n2" || fail "no standby notify on n2"

lab_vigil n1 switchover northbound >/dev/null || fail "switchover"
lab_wait_for 2000 grep -q "northbound standby 1" "$LAB_DIR/notify.n1" || fail "no demotion notify"
lab_wait_for 2000 grep -q "northbound primary 2" "$LAB_DIR/notify.n2" || fail "no promotion notify"

# Restart n2's agent: it hands over on the way down and is told its role again on the way up.
lab_stop_agent n2
VIGIL_NODE_TAG=n2 lab_start_agent n2
lab_wait_for 3000 bash -c "[[ \$(grep -c 'northbound standby' $LAB_DIR/notify.n2) -ge 3 ]]" ||
    fail "no notify after restart: $(cat "$LAB_DIR/notify.n2")"
grep -q 'event=notify_done group=northbound role=primary epoch=1 status="exit 0"' \
    "$LAB_DIR/n1.log" || fail "notify exit status not logged"
cat "$LAB_DIR/notify.n1" "$LAB_DIR/notify.n2"
pass "notify hooks ran in order, and again after restart"

# A slow hook never blocks the agent: a switchover still takes milliseconds, status answers,
# and the hook's runs still complete in order afterwards.
lab_wait_for 3000 is_primary n1 || fail "n1 not primary before the slow-hook check"
cat >"$hook" <<HOOK
#!/bin/sh
sleep 2
echo "\$VIGIL_NODE_TAG \$1 \$2 \$3 slow" >> "$LAB_DIR/notify.\$VIGIL_NODE_TAG"
HOOK
out=$(lab_vigil n1 switchover northbound) || fail "switchover with a slow hook: $out"
ms=$(sed -n 's/.*after \([0-9]*\) ms.*/\1/p' <<<"$out")
((ms < 500)) || fail "switchover took $ms ms while a hook was running"
lab_vigil n2 status >/dev/null || fail "status blocked by a running hook"
lab_wait_for 5000 grep -q "northbound primary [0-9]* slow" "$LAB_DIR/notify.n2" ||
    fail "slow hook did not complete"
pass "a slow hook does not block failover or status (switchover in $ms ms)"
