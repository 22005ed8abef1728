#!/usr/bin/env bash
# Managed services, start and stop order (docs/resources.md). Two nodes and a witness.
# northbound runs two command-form resources, db then api (the sample service behind
# tools/lsb_service.sh, which appends each start and stop with its wall-clock ms to
# $LAB_DIR/NODE/NAME.actions). Shown:
#  - the primary starts db, then api, after its VIPs are up; the standby runs neither;
#  - on a switchover the old primary stops api, then db, and only then removes the VIPs;
#    the new primary adds the VIPs, then starts db, then api; the client is served by n2;
#  - a hung stop (southbound's resource: stop = "sleep 61", timeout_ms = 500) is killed at
#    its timeout, logged as resource_stop_failed, and the planned move still completes.
source "$(dirname "$0")/lib.sh"
lab_skip_unless_root
lab_create 2 --witness
dir="$LAB_DIR/\$VIGIL_NODE"  # expanded by the resource command's shell: one dir per node
resources="$(lab_resource_lsb db 7001 "$dir" monitor_interval_ms=500)
$(lab_resource_lsb api 7000 "$dir" monitor_interval_ms=500)
[[resource]]
name = \"hang\"
start = \"touch $dir/hang\"
monitor = \"test -e $dir/hang || exit 3\"
stop = \"sleep 61\"
timeout_ms = 500
monitor_interval_ms = 500"
mkdir -p "$LAB_DIR/n1" "$LAB_DIR/n2"
start_cluster 2 --witness true --groups 2 --group-keys 'resources = ["db", "api"]' \
    --southbound-keys 'resources = ["hang"]' --append "$resources"

# --- start order, and the standby runs nothing -----------------------------------------
lab_wait_for 8000 eval 'resource_running n1 db && resource_running n1 api' ||
    fail "n1 does not run db and api: $(status_field n1 '.groups[0].resources | tostring')"
action_ms() {  # NODE NAME ACTION PHASE: ms of the last such line in NAME.actions on NODE
    awk -v a="$3" -v p="$4" '$2 == a && $3 == p { ms = $1 } END { print ms }' \
        "$LAB_DIR/$1/$2.actions" 2>/dev/null
}
db_up=$(action_ms n1 db start "done")
api_begin=$(action_ms n1 api start begin)
[[ -n $db_up && -n $api_begin ]] || fail "no start recorded on n1 (db '$db_up', api '$api_begin')"
((db_up <= api_begin)) || fail "api started at $api_begin, before db was up at $db_up"
# The core logs resource_start when it decides to start (in the step that promotes, so
# before the agent logs vip_added); the command itself runs after the VIPs are added.
check_vip_first() {  # NODE: db's start command began after the node added the VIP
    local vip_ms db_ms
    vip_ms=$(log_ms "$1" "event=vip_added group=northbound vip=198.18.0.10/24")
    db_ms=$(action_ms "$1" db start begin)
    [[ -n $vip_ms && -n $db_ms ]] || fail "$1: no VIP added ('$vip_ms') or no db start ('$db_ms')"
    ((db_ms >= vip_ms)) || fail "$1 began db's start at $db_ms, before adding the VIP at $vip_ms"
}
log_mark_start n1
check_vip_first n1
log_in_order n1 "start order on n1" "$(log_re resource_start db)" \
    "$(log_re resource_running db)" "$(log_re resource_start api)"
served_by n1 7000 || fail "the client is not served by n1 on :7000"
served_by n1 7001 || fail "the client is not served by n1 on :7001"
for r in db api; do
    [[ $(lsb_status n2 "$r") == 3 ]] || fail "standby n2 runs $r (LSB status $(lsb_status n2 "$r"))"
    [[ ! -e $LAB_DIR/n2/$r.actions ]] || fail "standby n2 ran $r: $(cat "$LAB_DIR/n2/$r.actions")"
    state=$(resource_field n2 "$r" .state)
    [[ $state == stopped ]] || fail "n2's status shows $r as '$state', not stopped"
done
pass "n1 started db then api after its VIPs (db up at $db_up, api begun at $api_begin);" \
    "n2 runs neither"

# --- switchover: stops in reverse order, before the VIPs go ----------------------------
log_mark n1
log_mark n2
out=$(lab_vigil n1 switchover northbound --to n2) || fail "switchover to n2: $out"
lab_wait_for 8000 eval 'resource_running n2 db && resource_running n2 api' ||
    fail "n2 does not run db and api after the switchover"
log_in_order n1 "stop order on n1" "$(log_re resource_stop api)" "$(log_re resource_stopped api)" \
    "$(log_re resource_stop db)" "$(log_re resource_stopped db)" \
    "event=vip_removed group=northbound vip=198.18.0.10/24"
api_down=$(action_ms n1 api stop "done")
db_stop=$(action_ms n1 db stop begin)
db_down=$(action_ms n1 db stop "done")
vip_gone=$(log_ms n1 "event=vip_removed group=northbound vip=198.18.0.10/24")
[[ -n $api_down && -n $db_stop && -n $db_down && -n $vip_gone ]] ||
    fail "missing times: api stopped '$api_down', db stop '$db_stop'/'$db_down', VIP '$vip_gone'"
((api_down <= db_stop)) || fail "db's stop began at $db_stop, before api was down at $api_down"
((db_down <= vip_gone)) || fail "n1 removed the VIP at $vip_gone, before db was down at $db_down"
check_vip_first n2
log_in_order n2 "start order on n2" "$(log_re resource_start db)" \
    "$(log_re resource_running db)" "$(log_re resource_start api)"
db_up=$(action_ms n2 db start "done")
api_begin=$(action_ms n2 api start begin)
[[ -n $db_up && -n $api_begin ]] || fail "no start recorded on n2 (db '$db_up', api '$api_begin')"
((db_up <= api_begin)) || fail "n2 began api at $api_begin, before db was up at $db_up"
for r in db api; do
    [[ $(lsb_status n1 "$r") == 3 ]] || fail "old primary n1 still runs $r"
done
served_by n2 7000 || fail "the client is not served by n2"
pass "switchover: n1 stopped api then db, then removed the VIP (api down $api_down," \
    "db down $db_down, VIP removed $vip_gone); n2 started db then api"

# --- a hung stop is killed at its timeout; the move completes --------------------------
lab_wait_for 5000 is_primary n2 southbound || fail "n2 is not primary of southbound"
lab_wait_for 5000 resource_running n2 hang || fail "n2 does not run southbound's hang resource"
log_mark n2
t0=$(lab_now_ms)
out=$(lab_vigil n2 switchover southbound --to n1) || echo "switchover southbound: $out"
lab_wait_for 5000 is_primary n1 southbound || fail "southbound did not move to n1 (hung stop)"
took=$(($(lab_now_ms) - t0))
lab_wait_for 2000 eval "log_since_mark n2 | grep -qE '$(log_re resource_stop_failed hang)'" ||
    fail "n2 logged no resource_stop_failed for hang: $(log_since_mark n2 | grep resource_ || true)"
lab_wait_for 2000 eval '[[ -z $(ns_pids_matching n2 "sleep 61") ]]' ||
    fail "the hung stop (sleep 61) still runs on n2: $(ns_pids_matching n2 "sleep 61")"
lab_wait_for 2000 lab_has_vip n1 198.18.0.20 || fail "n1 does not hold southbound's VIP"
lab_has_vip n2 198.18.0.20 && fail "n2 still holds southbound's VIP"
((took < 3000)) || fail "the move with a hung stop took $took ms (timeout_ms 500)"
log_since_mark n2 | grep -E "$(log_re resource_stop_failed hang)" | head -n 1
pass "hung stop killed at its timeout; southbound moved to n1 in $took ms"
