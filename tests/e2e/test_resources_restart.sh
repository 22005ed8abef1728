#!/usr/bin/env bash
# Managed services, local restarts and the restart budget (docs/resources.md). Two nodes
# and a witness; northbound runs two exec resources that vigil supervises itself:
#   svc    the sample service (tools/echo_service.py) on :7000, max_restarts = 2
#   flaky  a shell loop that exits (status 1) whenever the test creates $LAB_DIR/flaky-exit
# Shown, with a client that asks the VIP's service who answers:
#  - a process that exits on its own is restarted in place (flaky: restarts = 1), and the
#    resources before it are left alone (svc keeps its PID);
#  - svc killed once: the same node restarts it and the one after it (svc restarts = 1,
#    flaky gets a new PID); the client is only ever served by n1;
#  - svc killed past its budget: the group fails over to n2 at once; n1 shows failed_here
#    and not_eligible, and is not chosen by a switchover until `vigil cleanup`; after the
#    cleanup n1 is eligible and, with preempt, takes the group back;
#  - `vigil resource restart svc` restarts it without counting against the budget.
source "$(dirname "$0")/lib.sh"
lab_skip_unless_root
lab_create 2 --witness
cat >"$LAB_DIR/flaky.sh" <<EOF
# Runs until $LAB_DIR/flaky-exit appears, then takes it away and exits 1.
while [ ! -e "$LAB_DIR/flaky-exit" ]; do sleep 0.05; done
rm -f "$LAB_DIR/flaky-exit"
exit 1
EOF
resources="$(lab_resource_exec svc 7000 monitor_interval_ms=500 max_restarts=2 \
    restart_window_s=60)
[[resource]]
name = \"flaky\"
exec = \"sh $LAB_DIR/flaky.sh\"
monitor_interval_ms = 500
max_restarts = 2"
start_cluster 2 --witness true --group-keys 'resources = ["svc", "flaky"]' --append "$resources"
LAB_PROBE_PORT=7000  # lab_measure_outage probes the service behind the VIP

lab_wait_for 8000 eval 'resource_running n1 svc && resource_running n1 flaky' ||
    fail "n1 does not run svc and flaky: $(status_field n1 '.groups[0].resources | tostring')"
served_by n1 7000 || fail "the client is not served by n1"
[[ -z $(ns_pids_matching n2 echo_service.py) ]] || fail "standby n2 runs the sample service"
[[ $(resource_field n2 svc .state) == stopped ]] ||
    fail "n2's status shows svc as '$(resource_field n2 svc .state)', not stopped"
svc1=$(resource_field n1 svc .pid)
flaky1=$(resource_field n1 flaky .pid)
[[ $svc1 =~ ^[0-9]+$ && $flaky1 =~ ^[0-9]+$ ]] ||
    fail "no PIDs in status: svc '$svc1' flaky '$flaky1'"
pid_changed() {  # NODE NAME OLD_PID: the resource has a PID, and not OLD_PID
    local pid
    pid=$(resource_field "$1" "$2" .pid)
    [[ $pid =~ ^[0-9]+$ && $pid != "$3" ]]
}

# --- (g) a process that exits is restarted in place --------------------------------------
log_mark n1
touch "$LAB_DIR/flaky-exit"
lab_wait_for 5000 eval 'pid_changed n1 flaky "$flaky1" && resource_running n1 flaky' ||
    fail "flaky was not restarted after it exited: $(resource_field n1 flaky 'tostring')"
[[ $(resource_field n1 flaky .restarts) == 1 ]] ||
    fail "flaky restarts = $(resource_field n1 flaky .restarts), want 1"
[[ $(resource_field n1 svc .pid) == "$svc1" ]] || fail "svc (before flaky) was restarted too"
is_primary n1 || fail "n1 lost the group over one exit of flaky"
log_since_mark n1 | grep -qE "$(log_re resource_failed flaky)" || fail "no resource_failed flaky"
log_since_mark n1 | grep -qE "$(log_re resource_restart flaky)" || fail "no resource_restart flaky"
[[ -n $(resource_field n1 flaky .last_failure) ]] || fail "flaky's last_failure is empty"
pass "flaky exited and was restarted in place (restarts 1); svc kept PID $svc1"

# --- (b) svc killed once: restarted in place, with the resources after it ---------------
flaky2=$(resource_field n1 flaky .pid)
log_mark n1
kill_svc() { kill_in_ns n1 "$(resource_field n1 svc .pid)" KILL; }
answers() { [[ $(lab_tcp_answer 198.18.0.10 7000) == "$1" ]]; }
lab_measure_outage 198.18.0.10 kill_svc \
    "pid_changed n1 svc $svc1 && resource_running n1 flaky && answers n1" 5000 300
echo "client outage with a local restart: ${LAB_OUTAGE_MS} ms, served by: $LAB_OUTAGE_NODES"
((LAB_OUTAGE_OPEN == 0)) || fail "the client was not served again after the restart"
[[ $LAB_OUTAGE_NODES == n1 ]] || fail "the client was served by '$LAB_OUTAGE_NODES', not n1 alone"
[[ $(resource_field n1 svc .restarts) == 1 ]] ||
    fail "svc restarts = $(resource_field n1 svc .restarts), want 1"
pid_changed n1 flaky "$flaky2" || fail "flaky (after svc) was not restarted with svc"
is_primary n1 || fail "n1 lost the group over one kill of svc"
log_in_order n1 "restart of svc" "$(log_re resource_failed svc)" "$(log_re resource_restart svc)"
pass "svc killed once: restarted on n1 with flaky (restarts 1), outage ${LAB_OUTAGE_MS} ms"

# --- (c) past the budget: failover, failed here until cleanup -----------------------------
svc2=$(resource_field n1 svc .pid)
kill_svc
lab_wait_for 5000 eval 'pid_changed n1 svc $svc2 && resource_running n1 svc' ||
    fail "svc was not restarted after the second kill"
[[ $(resource_field n1 svc .restarts) == 2 ]] ||
    fail "svc restarts = $(resource_field n1 svc .restarts), want 2"
is_primary n1 || fail "n1 gave the group up within its budget (2 restarts of 2)"
log_mark n1
log_mark n2
lab_measure_outage 198.18.0.10 kill_svc "is_primary n2 && answers n2" 5000 300
echo "client outage with the budget exhausted: ${LAB_OUTAGE_MS} ms, served by: $LAB_OUTAGE_NODES"
((LAB_OUTAGE_OPEN == 0)) || fail "the client was not served after the failover"
[[ $LAB_OUTAGE_NODES == "n1 n2" ]] ||
    fail "the client was served by '$LAB_OUTAGE_NODES', not n1 then n2"
only_holder 198.18.0.10 n2 || fail "n2 is not the only holder of the VIP"
failed=$(group_field n1 .failed_here)
[[ -n $failed && $failed != null ]] || fail "n1's failed_here is empty after the budget ran out"
not_eligible=$(group_field n1 .not_eligible)
[[ -n $not_eligible && $not_eligible != null ]] || fail "n1 is still eligible after failing"
log_since_mark n1 | grep -qE 'event=group_failed ' || fail "n1 logged no group_failed"
log_since_mark n1 | grep -E 'event=role_change .*from=primary' | grep -q 'reason=.*svc' ||
    fail "n1's demotion does not name svc: $(log_since_mark n1 | grep role_change || true)"
[[ -z $(ns_pids_matching n1 echo_service.py) ]] || fail "n1 still runs the sample service"
pass "budget exhausted: n2 took over (outage ${LAB_OUTAGE_MS} ms); n1 failed_here='$failed'," \
    "not_eligible='$not_eligible'"

out=$(lab_vigil n2 switchover northbound --to n1 2>&1) &&
    fail "a switchover to the failed node n1 was accepted: $out"
out2=$(lab_vigil n2 switchover northbound 2>&1) && [[ $(role_of n1) == primary ]] &&
    fail "a switchover picked the failed node n1: $out2"
sleep_ms 500
is_primary n2 || fail "n2 lost the group after switchover attempts: n1 is $(role_of n1)"
echo "switchover to n1 refused: $out"

log_mark n1
out=$(lab_vigil n1 cleanup northbound 2>&1) || fail "vigil cleanup northbound on n1: $out"
lab_wait_for 3000 eval '[[ $(group_field n1 .failed_here) == "" ]]' ||
    fail "n1's failed_here stays '$(group_field n1 .failed_here)' after cleanup"
log_since_mark n1 | grep -q 'event=group_cleanup ' || fail "n1 logged no group_cleanup"
# Eligible again: with preempt = true, n1 (priority 150) takes the group back.
lab_wait_for 8000 eval 'is_primary n1 && resource_running n1 svc' ||
    fail "n1 did not take the group back after cleanup (n1 $(role_of n1), not_eligible" \
        "'$(group_field n1 .not_eligible)')"
served_by n1 7000 ||
    fail "the client is not served by n1 after cleanup"
pass "after cleanup n1 was eligible again and took the group back"

# --- vigil resource restart: a restart that does not count ------------------------------
svc3=$(resource_field n1 svc .pid)
restarts=$(resource_field n1 svc .restarts)
out=$(lab_vigil n1 resource restart svc 2>&1) || fail "vigil resource restart svc: $out"
lab_wait_for 5000 eval 'pid_changed n1 svc $svc3 && resource_running n1 svc' ||
    fail "svc was not restarted by vigil resource restart"
[[ $(resource_field n1 svc .restarts) == "$restarts" ]] ||
    fail "vigil resource restart counted: restarts $restarts -> $(resource_field n1 svc .restarts)"
is_primary n1 || fail "n1 lost the group over an operator restart"
pass "vigil resource restart svc: new PID, restarts still $restarts"
