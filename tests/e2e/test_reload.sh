#!/usr/bin/env bash
# `vigil reload` and SIGHUP (docs/config.md "Reload"). Two nodes and a witness; northbound
# runs svc (the sample service on :7000, an exec resource). Shown:
#  (a) a second resource (web, :7001) added to the file, n1 (primary) reloaded: web starts
#      on n1, svc keeps its PID, and a client talking to svc through the VIP every 2 ms sees
#      no gap; until n2 and the witness reload too, the digests differ: a warning in status
#      and log, no role change; then every node reloaded: the mismatch clears, n2 runs
#      nothing;
#  (b) an invalid file: `vigil reload` exits 1 and prints the error (file:line: key); the
#      agent keeps running with the config it had;
#  (c) dead_time_ms changed: refused, exit 1, the key named; nothing changes;
#  (d) SIGHUP with web removed from the file: web stops on the primary, svc stays.
source "$(dirname "$0")/lib.sh"
lab_skip_unless_root
lab_create 2 --witness
svc="$(lab_resource_exec svc 7000 monitor_interval_ms=500)"
web="$(lab_resource_exec web 7001 monitor_interval_ms=500)"
write() {  # GROUP_KEYS APPEND [extra lab_write_config options...]
    local keys=$1 append=$2
    shift 2
    lab_write_config "$LAB_DIR/vigil.toml" --nodes 2 --witness true --group-keys "$keys" \
        --append "$append" "$@"
}
# lab_write_config makes a new auth key each time: keep the first one.
keep_key() { cp "$LAB_DIR/auth.key.first" "$LAB_DIR/auth.key"; }
start_cluster 2 --witness true --group-keys 'resources = ["svc"]' --append "$svc"
cp "$LAB_DIR/auth.key" "$LAB_DIR/auth.key.first"
lab_wait_for 8000 resource_running n1 svc ||
    fail "n1 does not run svc: $(status_field n1 '.groups[0].resources | tostring')"
svc_pid=$(resource_field n1 svc .pid)
[[ $svc_pid =~ ^[0-9]+$ ]] || fail "no PID for svc in n1's status: '$svc_pid'"
digest=$(status_field n1 .config_digest)
for n in n1 n2 w; do log_mark "$n"; done

mismatch() {  # NODE PEER: what NODE's status says of PEER's config
    status_field "$1" ".peers[] | select(.name == \"$2\") | .config_mismatch"
}

# --- (a) a resource added: it starts on the primary only, nothing else moves -----------------
# n1 first: until the others reload too, the digests differ, which is only a warning.
write 'resources = ["svc", "web"]' "$svc$web"
keep_key
LAB_PROBE_PORT=7000
out_file="$LAB_DIR/reload-a.out"
lab_measure_outage 198.18.0.10 "lab_vigil n1 reload >'$out_file' 2>&1" "resource_running n1 web" \
    5000 500
echo "reload output: $(cat "$out_file")"
echo "client gap during the reload: ${LAB_OUTAGE_MS} ms, served by: $LAB_OUTAGE_NODES"
grep -q 'resource web added' "$out_file" || fail "vigil reload did not say what changed"
((LAB_OUTAGE_OPEN == 0)) || fail "svc stopped answering during the reload"
outage_below 100 || fail "the client saw a gap of ${LAB_OUTAGE_MS} ms during the reload"
[[ $LAB_OUTAGE_NODES == n1 ]] || fail "the client was served by '$LAB_OUTAGE_NODES', not n1"
[[ $(resource_field n1 svc .pid) == "$svc_pid" ]] ||
    fail "svc was restarted by the reload (PID $svc_pid -> $(resource_field n1 svc .pid))"
[[ $(lab_tcp_answer 198.18.0.10 7001) == n1 ]] || fail "web does not answer on n1 via the VIP"
[[ $(status_field n1 .config_digest) != "$digest" ]] || fail "the config digest did not change"
lab_wait_for 2000 eval '[[ $(mismatch n1 n2) == true && $(mismatch n2 n1) == true ]]' ||
    fail "no config_mismatch while only n1 reloaded: n1 says $(mismatch n1 n2)"
status_field n1 '.problems[]' | grep -q 'runs a different configuration' ||
    fail "n1's status does not name the mismatch as a problem"
sleep_ms 600  # more than two dead times with different digests
is_primary n1 && [[ $(role_of n2) == standby ]] ||
    fail "roles moved while the digests differed: n1 $(role_of n1), n2 $(role_of n2)"
for n in n2 w; do
    out=$(lab_vigil "$n" reload 2>&1) || fail "vigil reload on $n failed: $out"
done
lab_wait_for 2000 eval '[[ $(mismatch n1 n2) == false && $(mismatch n2 n1) == false ]]' ||
    fail "the config mismatch did not clear after every node reloaded"
[[ $(resource_field n2 web .state) == stopped ]] ||
    fail "n2's web is '$(resource_field n2 web .state)', not stopped"
[[ -z $(ns_pids_matching n2 echo_service.py) ]] || fail "standby n2 runs a service"
is_primary n1 || fail "n1 is not primary after the reload"
for n in n1 n2 w; do
    ! log_since_mark "$n" | grep -q 'event=role_change' || fail "$n logged a role change"
    log_since_mark "$n" | grep -q 'event=config_reloaded .*trigger=control' ||
        fail "$n logged no config_reloaded"
done
log_since_mark n1 | grep -q 'event=config_mismatch' || fail "n1 logged no config_mismatch"
log_since_mark n1 | grep -q 'event=config_match' || fail "n1 logged no config_match"
log_since_mark n1 | grep -qE "$(log_re resource_start web)" || fail "n1 logged no start of web"
! log_since_mark n1 | grep -qE "$(log_re resource_stop svc)" || fail "n1 stopped svc"
pass "(a) web added: started on n1 only, svc kept PID $svc_pid, gap ${LAB_OUTAGE_MS} ms," \
    "config mismatch only a warning, no role change"

# --- (b) an invalid file: refused, the running config kept ----------------------------------
cp "$LAB_DIR/vigil.toml" "$LAB_DIR/vigil.toml.good"
digest_a=$(status_field n1 .config_digest)
sed -i 's/^dead_time_ms = .*/dead_time_ms = "soon"/' "$LAB_DIR/vigil.toml"
log_mark n1
rc=0
out=$(lab_vigil n1 reload 2>&1) || rc=$?
echo "invalid file: exit $rc: $out"
((rc == 1)) || fail "vigil reload of an invalid file exited $rc, not 1"
[[ $out == *"vigil.toml:"*"dead_time_ms"* ]] || fail "the error does not name file, line and key: $out"
log_since_mark n1 | grep -q 'event=config_reload_refused' || fail "n1 logged no config_reload_refused"
[[ $(agent_pid n1) =~ ^[0-9]+$ ]] || fail "n1's agent does not answer after the refused reload"
resource_running n1 web && resource_running n1 svc || fail "n1's resources changed"
[[ $(resource_field n1 svc .pid) == "$svc_pid" ]] || fail "svc was restarted"
[[ $(status_field n1 .config_digest) == "$digest_a" ]] || fail "n1's config digest changed"
pass "(b) invalid file refused with exit 1: $(head -n 1 <<<"$out")"

# --- (c) a restart-only key: refused, named --------------------------------------------------
cp "$LAB_DIR/vigil.toml.good" "$LAB_DIR/vigil.toml"
sed -i 's/^dead_time_ms = .*/dead_time_ms = 300/' "$LAB_DIR/vigil.toml"
rc=0
out=$(lab_vigil n1 reload 2>&1) || rc=$?
echo "dead_time changed: exit $rc: $out"
((rc == 1)) || fail "vigil reload with a new dead_time_ms exited $rc, not 1"
[[ $out == *"cluster.dead_time_ms changed: needs a restart"* ]] ||
    fail "the refusal does not name cluster.dead_time_ms: $out"
is_primary n1 && resource_running n1 web || fail "n1 changed after a refused reload"
[[ $(status_field n1 .config_digest) == "$digest_a" ]] || fail "n1's config digest changed"
pass "(c) dead_time_ms change refused: $out"

# --- (d) SIGHUP: web removed from the file -----------------------------------------------------
write 'resources = ["svc"]' "$svc"
keep_key
for n in n1 n2; do log_mark "$n"; done
for n in n1 n2 w; do kill -HUP "$(lab_agent_pid "$n")"; done
lab_wait_for 5000 eval '[[ $(status_field n1 ".groups[0].resources | length") == 1 ]]' ||
    fail "web is still listed on n1 after SIGHUP: $(status_field n1 '.groups[0].resources | tostring')"
! lab_tcp_answer 198.18.0.10 7001 >/dev/null || fail "web still answers after it was removed"
[[ $(resource_field n1 svc .pid) == "$svc_pid" ]] || fail "svc was restarted by the SIGHUP reload"
log_since_mark n1 | grep -q 'event=config_reloaded .*trigger=sighup' ||
    fail "n1 logged no config_reloaded for SIGHUP"
log_since_mark n1 | grep -q 'event=auth_keys_reloaded' || fail "SIGHUP no longer reloads the keys"
log_since_mark n1 | grep -qE "$(log_re resource_stop web)" || fail "n1 logged no stop of web"
! log_since_mark n1 | grep -q 'event=role_change' || fail "n1 logged a role change"
pass "(d) SIGHUP: web stopped and forgotten, svc kept PID $svc_pid"
