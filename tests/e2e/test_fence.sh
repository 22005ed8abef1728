#!/usr/bin/env bash
# Fencing (`fence = "CMD"` on a group). When n1 disappears (both cables pulled), n2 runs
# `CMD n1` before it takes over; the fence here is a script that logs its call and succeeds
# only once a flag file exists.
#  1. two_node = true (no quorum, so only a successful fence proves n1 is gone): while the
#     fence fails, n2 retries it and does NOT take over; once it succeeds, n2 takes over.
#  2. With a witness: n2 waits for the fence's success too (it takes 300 ms here), and its
#     role change comes after the fence's completion in its log.
source "$(dirname "$0")/lib.sh"
lab_skip_unless_root

# setup CONFIG_OPTS...: a lab with the fence configured, n1 primary.
setup() {
    cat >"$LAB_DIR/fence.sh" <<EOF
#!/bin/sh
echo "\$* \$(date +%s%3N)" >>"$LAB_DIR/fence.calls"
[ -e "$LAB_DIR/fence.ok" ] || exit 1
sleep 0.3
exit 0
EOF
    chmod 755 "$LAB_DIR/fence.sh"
    lab_write_config "$LAB_DIR/vigil.toml" --nodes 2 "$@"
    sed -i "/^\[\[group\]\]/a fence = \"$LAB_DIR/fence.sh\"" "$LAB_DIR/vigil.toml"
    grep -q '^fence = ' "$LAB_DIR/vigil.toml" || fail "could not add fence to the config"
    "$VIGIL_BIN" check-config "$LAB_DIR/vigil.toml" >/dev/null || fail "config refused"
    [[ " $* " == *" --witness true "* ]] && lab_start_agent w
    lab_start_agent n1
    lab_start_agent n2
    lab_wait_for 5000 is_primary n1 || fail "n1 did not become primary at start"
    lab_wait_for 3000 eval "[[ \$(role_of n2) == standby ]]" || fail "n2 did not settle"
    # Every node must hear every other before the fault (after part 1, n1's neighbour
    # entries may need a moment to recover from its time alone).
    local n
    for n in n1 n2; do
        lab_wait_for 3000 eval "[[ \$(status_field $n '.peers | map(.alive) | all') == true ]]" ||
            fail "$n does not hear every peer: $(lab_vigil "$n" status --json)"
    done
    # n2 must know n1 as primary, or n1's loss would not be a primary's disappearance.
    lab_wait_for 2000 eval "[[ \$(status_field n2 '.groups[0].primary') == n1 ]]" ||
        fail "n2 does not see n1 as primary"
}

# ---- 1. two_node: a failing fence blocks the takeover, and is retried -------------------
lab_create 2 --witness  # w stays idle until part 2
setup --two-node true
log_mark n2
lab_power_off n1
sleep 1.5  # six dead times: without the fence n2 would long have taken over
[[ $(role_of n2) != primary ]] || fail "two_node: n2 took over although the fence failed"
lab_has_vip n2 198.18.0.10 && fail "two_node: n2 holds the VIP without a successful fence"
calls=$(wc -l <"$LAB_DIR/fence.calls")
((calls >= 2)) || fail "two_node: the failing fence was not retried ($calls calls)"
grep -q '^n1 ' "$LAB_DIR/fence.calls" || fail "fence not called with the node name"
fence=$(status_field n2 '.groups[0].fence')
[[ $fence == "n1 "* ]] || fail "status does not show the fence: '$fence'"
echo "two_node: fence failed $calls times in 1.5 s; n2 waits (status: fence $fence)"
touch "$LAB_DIR/fence.ok"
lab_wait_for 3000 is_primary n2 || fail "two_node: n2 did not take over after the fence succeeded"
lab_wait_for 1000 lab_has_vip n2 198.18.0.10 || fail "two_node: n2 lacks the VIP"
log_since_mark n2 | grep -q 'event=fence_done.*ok=true' || fail "no successful fence_done"
pass "two_node: takeover only after a successful fence (retried $calls times before)"
lab_stop_agent n2
lab_stop_agent n1
lab_power_on n1
rm -f "$LAB_DIR/fence.ok" "$LAB_DIR/fence.calls"

# ---- 2. witness: the takeover waits for the fence --------------------------------------
setup --witness true
touch "$LAB_DIR/fence.ok"
log_mark n2
t0=$(lab_now_ms)
lab_power_off n1
lab_wait_for 5000 is_primary n2 || fail "witness: n2 did not take over"
took=$(($(lab_now_ms) - t0))
done_line=$(log_since_mark n2 | grep -n 'event=fence_done.*ok=true' | head -n 1 | cut -d: -f1)
role_line=$(log_since_mark n2 | grep -n 'event=role_change.*to=primary' | head -n 1 | cut -d: -f1)
[[ -n $done_line && -n $role_line ]] || fail "witness: fence_done or role_change not logged"
((done_line < role_line)) || fail "witness: n2 promoted before the fence completed"
((took >= 250 + 300)) || fail "witness: n2 took over after ${took} ms, before dead time + fence"
pass "witness: n2 took over ${took} ms after the cut, after the 300 ms fence had succeeded"
