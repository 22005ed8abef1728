#!/usr/bin/env bash
# Managed services when an agent crashes (docs/resources.md). Two nodes and a witness,
# preempt off; northbound runs db (command form: the sample service on :7001 through
# tools/lsb_service.sh) and svc (exec form: the sample service on :7000). Shown:
#  - kill -9 of the primary's agent: its supervisor stops the resources (db's stop command
#    runs, svc's process is ended) as it removes the VIPs; n2 takes over and runs both;
#  - an agent started on a node where db is already running (the test starts it before
#    the agent, as if left over from a crash) stops it while that node is standby.
source "$(dirname "$0")/lib.sh"
lab_skip_unless_root
lab_create 2 --witness
dir="$LAB_DIR/\$VIGIL_NODE"
resources="$(lab_resource_lsb db 7001 "$dir" monitor_interval_ms=500)
$(lab_resource_exec svc 7000 monitor_interval_ms=500)"
start_cluster 2 --witness true --preempt false --group-keys 'resources = ["db", "svc"]' \
    --append "$resources"
lab_wait_for 8000 eval 'resource_running n1 db && resource_running n1 svc' ||
    fail "n1 does not run db and svc: $(status_field n1 '.groups[0].resources | tostring')"
svc_pid=$(resource_field n1 svc .pid)
db_pid=$(head -n 1 "$LAB_DIR/n1/db.pid")
[[ $svc_pid =~ ^[0-9]+$ && $db_pid =~ ^[0-9]+$ ]] || fail "no PIDs: svc '$svc_pid', db '$db_pid'"

# --- kill -9 of the primary's agent: the supervisor stops the services ---------------------
log_mark n1
pid=$(agent_pid n1)
[[ -n $pid && $pid != "$(lab_agent_pid n1)" ]] || fail "no agent pid (got '$pid')"
t0=$(lab_now_ms)
kill -9 "$pid"
services_gone() { [[ -z $(ns_pids_matching n1 echo_service.py) && $(lsb_status n1 db) == 3 ]]; }
lab_wait_for 5000 services_gone ||
    fail "n1's services survived its agent: sample services running there:" \
        "$(ns_pids_matching n1 echo_service.py | tr '\n' ' ')(svc was $svc_pid, db $db_pid)," \
        "db LSB status $(lsb_status n1 db)"
stopped_ms=$(($(lab_now_ms) - t0))
lab_has_vip n1 198.18.0.10 && fail "n1 still holds the VIP"
log_since_mark n1 | grep -E "$(log_re resource_cleanup db)" | grep -q 'process=supervisor' ||
    fail "n1's supervisor logged no resource_cleanup for db: $(log_since_mark n1 | tail -n 5)"
lab_wait_for 5000 eval 'is_primary n2 && resource_running n2 db && resource_running n2 svc' ||
    fail "n2 did not take over and run db and svc"
served_by n2 7000 || fail "the client is not served by n2 on :7000"
served_by n2 7001 || fail "the client is not served by n2 on :7001"
pass "kill -9 of n1's agent: its supervisor stopped db and svc within ${stopped_ms} ms;" \
    "n2 runs both"

# --- an agent finds db running on a standby node and stops it -----------------------------
lab_stop_agent n1  # its supervisor, if it has not exited yet
lab_exec n1 env VIGIL_NODE=n1 "$LAB_LSB_SERVICE" start "$LAB_DIR/n1" db 7001 ||
    fail "cannot start db on n1 by hand"
[[ $(lsb_status n1 db) == 0 ]] || fail "db started by hand on n1 is not running"
[[ $(lab_tcp_answer 198.18.0.11 7001) == n1 ]] || fail "db started by hand on n1 does not answer"
log_mark n1
lab_start_agent n1
lab_wait_for 5000 eval '[[ $(lsb_status n1 db) == 3 ]]' ||
    fail "the agent on standby n1 left db running (LSB status $(lsb_status n1 db))"
[[ $(role_of n1) == standby ]] || fail "n1 is $(role_of n1), not standby (preempt is off)"
log_in_order n1 "clean-up at start-up" "$(log_re resource_found db)" "$(log_re resource_stop db)" \
    "$(log_re resource_stopped db)"
is_primary n2 || fail "n2 lost the group when n1's agent came back"
served_by n2 7001 || fail "the client is not served by n2"
pass "the agent on n1 found db running while standby and stopped it"
