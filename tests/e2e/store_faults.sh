# shellcheck shell=bash
# Faults on the store's primary for the end-to-end checker (tests/e2e/test_store_checker.sh,
# bench/store-soak). Source after lib.sh and store_lib.sh, in a lab from start_store_cluster
# (n1, n2, witness w). Each fault hits the current primary, waits until the other node's
# store serves, undoes the fault, and waits until the old primary is an in-sync standby
# again, so that the next fault (on the new primary) never meets an out-of-date standby.
STORE_FAULTS=(power_off kill9 pause partition)
STORE_PAUSE_MS=${STORE_PAUSE_MS:-1000}  # SIGSTOP this long: well past dead_time_ms (250)
STORE_FAILOVER_MS=${STORE_FAILOVER_MS:-8000}
STORE_CATCHUP_MS=${STORE_CATCHUP_MS:-15000}

store_primary() {  # the node whose store serves, or nothing
    local n
    for n in n1 n2; do store_serving "$n" && { echo "$n"; return 0; }; done
    return 1
}
store_other() { [[ $1 == n1 ]] && echo n2 || echo n1; }

store__isolate() {  # NODE: cut it from the other node and the witness, both ways
    local other; other=$(store_other "$1")
    lab_cut "$1" "$other"; lab_cut "$other" "$1"; lab_cut "$1" w; lab_cut w "$1"
}
store__rejoin() {
    local other; other=$(store_other "$1")
    lab_heal "$1" "$other"; lab_heal "$other" "$1"; lab_heal "$1" w; lab_heal w "$1"
}

# The standby is back in the sync set: in_sync on the primary and a member of the primary's
# sync set, so the next fault may promote it. (Under load the two applied indexes are
# rarely equal at the moment of asking: store_converged is for the end, once writes stop.)
store_in_sync() {  # PRIMARY STANDBY
    [[ $(store_field "$1" '.standbys[0].state') == in_sync ]] &&
        [[ $(store_field "$1" '.sync_set.members | index("'"$2"'") != null') == true ]]
}

# Writes go on: the primary applied at least 10 more entries than it had at FROM.
store__progress() { (($(store_field "$1" .applied_index) >= $2 + 10)); }

store__crashes() {  # agents that died other than by our kill -9, from the supervisors' logs
    grep -h 'event=agent_died' "$LAB_DIR"/n[0-9].log 2>/dev/null | grep -v 'signal 9' |
        sed 's/^/; /' | tr -d '\n' || true
}

# store_fault KIND: one fault of STORE_FAULTS on the current primary, then recovery.
# Prints one line: the fault, who failed over to whom, and how long each phase took.
store_fault() {
    local kind=$1 p s agent t0 t_serve t_sync from
    p=$(store_primary) || fail "store_fault $kind: no store serves before the fault"
    s=$(store_other "$p")
    agent=$(agent_pid "$p")
    [[ $agent =~ ^[0-9]+$ ]] || fail "store_fault $kind: no agent pid for $p"
    t0=$(lab_now_ms)
    case $kind in
        power_off) lab_power_off "$p" ;;
        kill9) kill_in_ns "$p" "$agent" KILL ;;  # only a PID inside $p's namespace
        pause)
            lab_on_cleanup "kill -CONT $agent 2>/dev/null"
            kill_in_ns "$p" "$agent" STOP
            ;;
        partition) store__isolate "$p" ;;
        *) fail "store_fault: unknown fault '$kind' (want: ${STORE_FAULTS[*]})" ;;
    esac
    lab_wait_for "$STORE_FAILOVER_MS" store_serving "$s" ||
        fail "store_fault $kind: $s's store does not serve ${STORE_FAILOVER_MS} ms after" \
            "the fault on $p$(store__crashes)"
    t_serve=$(($(lab_now_ms) - t0))
    case $kind in
        power_off) lab_power_on "$p" ;;
        kill9)  # its supervisor ended with the agent: start a fresh one
            lab_stop_agent "$p" 2000 || true
            lab_start_agent "$p"
            ;;
        pause)
            sleep_ms $((STORE_PAUSE_MS - t_serve))
            kill_in_ns "$p" "$agent" CONT
            ;;
        partition) store__rejoin "$p" ;;
    esac
    lab_wait_for "$STORE_CATCHUP_MS" store_in_sync "$s" "$p" ||
        fail "store_fault $kind: $p is not an in-sync standby of $s after recovery" \
            "(state $(store_field "$s" '.standbys[0].state'))"
    t_sync=$(($(lab_now_ms) - t0))
    from=$(store_field "$s" .applied_index)
    lab_wait_for 5000 store__progress "$s" "$from" ||
        fail "store_fault $kind: writes do not go on through $s"
    echo "fault $kind on $p: $s serves after ${t_serve} ms, $p in sync after ${t_sync} ms"
}

store__verify() {  # RECORD LABEL N: read back through the VIP; exit 1 on lost/duplicated
    lab_exec c python3 "$E2E_DIR/store_checker.py" verify --server "$STORE_VIP:$STORE_PORT" \
        --record "$1" --label "$2" --json "$LAB_DIR/counts-$3.json"
}

# store_checker_run CLIENTS FAULT...: the checker's writer through the VIP while the faults
# run one after another, then its verification on the final primary and, after a
# switchover, on the other node. Fails on any lost or duplicated write, or if the nodes'
# counts differ. Sets STORE_CHECKER_ACKED.
store_checker_run() {
    local clients=$1 record=$LAB_DIR/checker.json writer p s out acked kind i=0
    shift
    lab_start_bg c "$LAB_DIR/checker.log" python3 "$E2E_DIR/store_checker.py" write \
        --server "$STORE_VIP:$STORE_PORT" --clients "$clients" --seconds 86400 \
        --stop-file "$LAB_DIR/checker.stop" --retry-seconds 10 --record "$record"
    writer=$LAB_LAST_PID
    p=$(store_primary) || fail "no primary store"
    lab_wait_for 5000 store__progress "$p" "$(store_field "$p" .applied_index)" ||
        fail "the checker's writes do not arrive: $(cat "$LAB_DIR/checker.log")"

    for kind in "$@"; do i=$((i + 1)); echo -n "[$i/$#] "; store_fault "$kind"; done

    touch "$LAB_DIR/checker.stop"
    lab_wait_for 20000 lab__gone "$writer" || fail "the checker's writer did not finish"
    cat "$LAB_DIR/checker.log"
    [[ -s $record ]] || fail "the writer left no record"

    p=$(store_primary) || fail "no primary store after the faults"
    s=$(store_other "$p")
    lab_wait_for 10000 eval "store_in_sync $p $s && store_converged $p $s" ||
        fail "$s has not applied all that $p has at the end"
    store__verify "$record" "primary $p" 1 || fail "lost or duplicated writes on $p"
    out=$(lab_vigil "$p" switchover northbound) || fail "switchover to $s failed: $out"
    lab_wait_for 5000 store_serving "$s" || fail "$s's store does not serve after the switchover"
    store__verify "$record" "primary $s after switchover" 2 ||
        fail "lost or duplicated writes on $s after the switchover"
    cmp -s <(jq -S 'del(.items_read)' "$LAB_DIR/counts-1.json") \
        <(jq -S 'del(.items_read)' "$LAB_DIR/counts-2.json") ||
        fail "the nodes disagree: $(cat "$LAB_DIR"/counts-[12].json)"
    acked=$(jq .acked "$LAB_DIR/counts-1.json")
    ((acked > 100)) || fail "only $acked writes acknowledged: the run proves little"
    # shellcheck disable=SC2034  # read by the caller
    STORE_CHECKER_ACKED=$acked
}
