#!/usr/bin/env bash
# Managed services, failing over (docs/resources.md). Two nodes and a witness; northbound
# runs one command-form resource, svc (the sample service through tools/lsb_service.sh),
# whose start fails on a node while $LAB_DIR/fail-start.NODE exists, with max_restarts = 0
# (any failure fails over), and uses a ping check of the gateway 198.18.0.1 (an address of
# the client's namespace) with weight 0. Shown:
#  - (d) a start that fails on promotion: n1 is elected at start-up, svc does not start
#    there, and the group goes to n2 at once; n1 is failed here, and stays standby;
#  - (e) no node can run it: n1 failed here, then svc fails on n2 and cannot start again:
#    the group stays on n2 and shows a fault; no role changes back and forth;
#  - `vigil cleanup` on both nodes clears it: the group runs on n1 again;
#  - (h) n1 loses its gateway (its neighbour entry points nowhere): its check fails, n1 is
#    not eligible and the group moves to n2; when the gateway is back, n1 takes it back.
source "$(dirname "$0")/lib.sh"
lab_skip_unless_root
lab_create 2 --witness
ip -n "$(lab_ns c)" addr add 198.18.0.1/24 dev eth0  # the gateway: the client's namespace
cat >"$LAB_DIR/start.sh" <<EOF
# svc's start: fails on a node while $LAB_DIR/fail-start.NODE exists.
if [ -e "$LAB_DIR/fail-start.\$VIGIL_NODE" ]; then echo "start fails here"; exit 1; fi
exec "$LAB_LSB_SERVICE" start "$LAB_DIR/\$VIGIL_NODE" svc 7000
EOF
dir="$LAB_DIR/\$VIGIL_NODE"
resources="[[resource]]
name = \"svc\"
start = \"sh $LAB_DIR/start.sh\"
stop = \"$LAB_LSB_SERVICE stop $dir svc\"
monitor = \"$LAB_LSB_SERVICE status $dir svc\"
monitor_interval_ms = 500
max_restarts = 0

[[check]]
name = \"gw\"
ping = \"198.18.0.1\"
interval_ms = 200
timeout_ms = 200
fall = 2
rise = 2
weight = 0"
lab_write_config "$LAB_DIR/vigil.toml" --witness true \
    --group-keys 'resources = ["svc"]
checks = ["gw"]' --append "$resources"

# --- (d) the start fails on n1 when it is promoted -----------------------------------------
touch "$LAB_DIR/fail-start.n1"
lab_start_agent w
lab_start_agent n1
lab_start_agent n2
lab_wait_for 10000 eval 'is_primary n2 && resource_running n2 svc' ||
    fail "the group did not go to n2 after svc failed to start on n1 (n1 $(role_of n1)," \
        "n2 $(role_of n2))"
log_mark_start n1
log_mark_start n2
log_since_mark n1 | grep -qE "$(log_re resource_start_failed svc)" ||
    fail "n1 logged no resource_start_failed for svc"
log_since_mark n1 | grep -E 'event=role_change .*from=primary' | grep -q svc ||
    fail "n1's demotion does not name svc: $(log_since_mark n1 | grep role_change || true)"
failed=$(group_field n1 .failed_here)
[[ -n $failed && $failed != null ]] || fail "n1's failed_here is empty after its start failed"
[[ -n $(group_field n1 .not_eligible) ]] || fail "n1 is eligible after its start failed"
only_holder 198.18.0.10 n2 || fail "n2 is not the only holder of the VIP"
served_by n2 7000 || fail "the client is not served by n2"
[[ $(lsb_status n1 svc) == 3 ]] || fail "n1 runs svc (LSB status $(lsb_status n1 svc))"
promotions=$(log_since_mark n1 | grep -cE 'event=role_change .*to=primary' || true)
((promotions <= 1)) || fail "n1 was promoted $promotions times with a failing start"
pass "start failed on n1: the group went to n2; n1 failed_here='$failed'"

# --- (e) nobody can run it: fault, and the group stays put ----------------------------------
touch "$LAB_DIR/fail-start.n2"
log_mark n1
log_mark n2
pid=$(head -n 1 "$LAB_DIR/n2/svc.pid")
kill_in_ns n2 "$pid" KILL
fault_shown() {
    local f
    f=$(group_field n2 .fault)
    [[ -n $f && $f != null ]] || [[ $(role_of n2) == fault ]]
}
lab_wait_for 5000 fault_shown ||
    fail "no fault shown on n2 with svc failed on both nodes (n2 $(role_of n2))"
echo "n2 shows: role $(role_of n2), fault '$(group_field n2 .fault)'"
sleep_ms 3000  # a bouncing group would change roles several times in this time
changes1=$(log_since_mark n1 | grep -c 'event=role_change ' || true)
changes2=$(log_since_mark n2 | grep -c 'event=role_change ' || true)
((changes1 == 0)) || fail "n1 changed roles $changes1 times while failed: $(log_since_mark n1 |
    grep role_change)"
((changes2 <= 1)) ||
    fail "n2 changed roles $changes2 times: $(log_since_mark n2 | grep role_change)"
lab_has_vip n1 198.18.0.10 && fail "n1 took the VIP while failed"
if log_since_mark n1 | grep -qE "$(log_re resource_start svc)"; then
    fail "n1 tried to start svc while failed"
fi
fault_shown || fail "the fault is no longer shown on n2"
log_since_mark n2 | grep -q 'event=group_fault ' || fail "n2 logged no group_fault"
pass "svc failed on both nodes: n2 shows the fault, no role bouncing ($changes1 + $changes2" \
    "role changes in 3 s)"

# --- cleanup on both: it runs again ---------------------------------------------------------
rm -f "$LAB_DIR/fail-start.n1" "$LAB_DIR/fail-start.n2"
out=$(lab_vigil n2 cleanup northbound 2>&1) || fail "vigil cleanup on n2: $out"
out=$(lab_vigil n1 cleanup northbound 2>&1) || fail "vigil cleanup on n1: $out"
lab_wait_for 10000 eval 'is_primary n1 && resource_running n1 svc' ||
    fail "the group does not run on n1 after cleanup (n1 $(role_of n1), n2 $(role_of n2))"
lab_wait_for 3000 eval '[[ -z $(group_field n1 .fault) && -z $(group_field n2 .fault) ]]' ||
    fail "a fault is still shown after cleanup: n1 '$(group_field n1 .fault)'," \
        "n2 '$(group_field n2 .fault)'"
served_by n1 7000 || fail "the client is not served by n1"
pass "after cleanup on both nodes the group runs on n1 again"

# --- (h) n1 loses its gateway: the check moves the group --------------------------------------
log_mark n1
t0=$(lab_now_ms)
lab_exec n1 ip neigh replace 198.18.0.1 lladdr "$LAB__NOWHERE_MAC" dev eth0 nud permanent
lab_wait_for 5000 eval 'is_primary n2 && resource_running n2 svc' ||
    fail "the group did not move when n1's gateway check failed"
took=$(($(lab_now_ms) - t0))
[[ $(status_field n1 '.checks[] | select(.name == "gw") | .passing') == false ]] ||
    fail "n1's status does not show gw failing: $(status_field n1 '.checks | tostring')"
log_since_mark n1 | grep -qE "$(log_re check_failing gw)" || fail "n1 logged no check_failing gw"
[[ -n $(group_field n1 .not_eligible) ]] || fail "n1 is eligible with its gateway check failing"
served_by n2 7000 || fail "the client is not served by n2"
pass "gateway lost on n1: the group moved to n2 in $took ms" \
    "(n1 not eligible: $(group_field n1 .not_eligible))"
lab_exec n1 ip neigh del 198.18.0.1 dev eth0
lab_wait_for 8000 eval 'is_primary n1 && resource_running n1 svc' ||
    fail "n1 did not take the group back once its gateway answered again"
log_since_mark n1 | grep -qE "$(log_re check_passing gw)" || fail "n1 logged no check_passing gw"
pass "gateway back: n1 passes its check and took the group back"
