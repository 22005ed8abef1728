# shellcheck shell=bash disable=SC2034  # the globals below are for the callers
# bench/service.sh: the "service killed" scenario of bench/failover (managed services).
# Source tests/lab/lab.sh and bench/keepalived.sh (bench_fault_rounds, bench_stats_json,
# bench_sleep_ms) first; call lab_create 2 --witness before vs_bench.
#
# The cluster: n1, n2 and the witness w at the default timings (heartbeat 50 ms, dead time
# 250 ms, quorum); northbound runs one resource, svc: the sample service
# (tools/echo_service.py) on port 7000, which answers each TCP connection with its node's
# name. One round: the client connects to 198.18.0.10:7000 every 5 ms (vigil-probe
# --tcp-port); svc's process on the primary n1 is killed with SIGKILL (its PID from
# `vigil status --json`, or for the command form from its pidfile); the round ends when
# the service answers through the VIP again, from the expected node, plus a tail. The
# figure is the longest gap between two answers the client saw: detection, restart or
# failover, and the service's own start-up (a Python interpreter: about 50-100 ms idle).
# Variants (R rounds each):
#   exec_budget0     exec form (vigil supervises the process: its exit is seen at once),
#                    max_restarts = 0: the group fails over to n2 at the first failure. Undo:
#                    `vigil cleanup northbound` on n1, which then takes the group back
#                    (preempt); wait until settled on n1.
#   exec_budget3     exec form, max_restarts = 3 (the default): restarted in place on n1.
#                    restart_window_s = 2, and each round waits for the window to empty, so
#                    every kill is the first in its window.
#   command_budget0  command form (tools/lsb_service.sh start/stop/status), with
#                    monitor_interval_ms = 1000: the kill (at a random point of the
#                    monitor's period) is seen by the next monitor (0-1 s later), then the
#                    group fails over. The issue's target: median <=
#                    monitor interval + 300 ms.
#   command_budget3  command form, local restart.
# Per round it also checks who answered: n1 then n2 for budget 0, n1 alone for budget 3;
# other sequences are counted in "rounds_unexpected_answers". And from the serving node's
# log (ts= wall-clock ms), "kill_to_running_ms": from the kill to its resource_running
# event for svc, vigil's part: detection, stops, handover, start (for the exec form the
# process is spawned; for the command form the start script returned once the service
# listened, and the first monitor passed). The rest of the client's gap is the service
# getting ready (exec) and the client's next connection.
#
# Functions: vs_bench ROUNDS (sets VS_JSON: {"monitor_interval_ms", "probe_interval_ms",
# VARIANT: {"median_ms", "min_ms", "max_ms", "runs", "rounds_unexpected_answers",
# "recoveries", "kill_to_running_ms": {"median_ms", ...}}}).

VS_PORT=7000
VS_MONITOR_MS=1000
VS_PROBE_MS=5
VS_FORM="exec"         # the variant being measured
VS_EXPECT=""           # the answering nodes a round should show, e.g. "n1 n2"
VS_UNEXPECTED=0
VS_RECOVERIES=0
VS_JSON=""
VS_KILL_MS=0
VS_LOG_FROM=0          # lines of the serving node's log before the kill
VS_SERVING=""          # the node expected to serve after the kill
VS_TO_RUNNING=()

vs_say() { echo "bench: $*" >&2; }
vs_role() {
    lab_vigil "$1" status --json 2>/dev/null |
        jq -r '.groups[]? | select(.name == "northbound") | .role' 2>/dev/null || true
}
vs_svc_field() {  # NODE FILTER: a field of svc in NODE's status
    lab_vigil "$1" status --json 2>/dev/null |
        jq -r "[.groups[]?.resources[]? | select(.name == \"svc\")][0] | $2" 2>/dev/null || true
}
vs_answer() { lab_tcp_answer "$BENCH_VIP" "$VS_PORT" || true; }
vs_answers_from() { [[ $(vs_answer) == "$1" ]]; }

# Settled: n1 primary and running svc, n2 standby, the client served by n1, and svc's
# restart window empty (so that the next kill is the first in its window).
vs_settled() {
    [[ $(vs_role n1) == primary && $(vs_role n2) == standby ]] || return 1
    [[ $(vs_svc_field n1 .state) == running && $(vs_svc_field n1 .restarts) == 0 ]] || return 1
    vs_answers_from n1
}

vs_write_config() {  # BUDGET
    local svc
    if [[ $VS_FORM == exec ]]; then
        svc=$(lab_resource_exec svc "$VS_PORT" "max_restarts=$1" restart_window_s=2 \
            "monitor_interval_ms=$VS_MONITOR_MS")
    else
        svc=$(lab_resource_lsb svc "$VS_PORT" "$LAB_DIR/\$VIGIL_NODE" "max_restarts=$1" \
            restart_window_s=2 "monitor_interval_ms=$VS_MONITOR_MS")
    fi
    lab_write_config "$LAB_DIR/vigil-service.toml" --witness true \
        --group-keys 'resources = ["svc"]' --append "$svc"
}

vs_start_agents() {
    lab_start_agent w
    lab_start_agent n1
    lab_start_agent n2
}
vs_stop_agents() {
    lab_stop_agent n1
    lab_stop_agent n2
    lab_stop_agent w
}

# Waits until settled. If it does not settle, clears failures and restarts the agents once
# (counted in "recoveries"); a second failure ends the run.
vs_settle() {
    if ! lab_wait_for 10000 vs_settled; then
        vs_say "WARNING: not settled after 10 s: n1 $(vs_role n1)" \
            "(svc $(vs_svc_field n1 .state)), n2 $(vs_role n2)" \
            "(svc $(vs_svc_field n2 .state)), answer '$(vs_answer)';" \
            "restarting the agents"
        VS_RECOVERIES=$((VS_RECOVERIES + 1))
        vs_stop_agents
        vs_start_agents
        lab_wait_for 15000 vs_settled || lab__die "the service cluster does not settle on n1"
    fi
    bench_sleep_ms 300
}

vs_kill() {  # SIGKILL of svc's process on n1: exec from the status, command from its pidfile
    local pid
    if [[ $VS_FORM == exec ]]; then
        pid=$(vs_svc_field n1 .pid)
    else
        pid=$(head -n 1 "$LAB_DIR/n1/svc.pid" 2>/dev/null || true)
    fi
    [[ $pid =~ ^[0-9]+$ ]] || lab__die "no PID for svc on n1"
    ip netns pids "$(lab_ns n1)" | grep -qx -- "$pid" || lab__die "svc PID $pid is not on n1"
    # At a random point of the monitor's period: the rounds follow a fixed rhythm (settle,
    # warm-up), and a kill always at the same phase would always wait as long for the
    # next monitor.
    bench_sleep_ms $((RANDOM % VS_MONITOR_MS))
    VS_LOG_FROM=$(wc -l <"$LAB_DIR/$VS_SERVING.log")
    VS_KILL_MS=$(lab_now_ms)
    kill -KILL "$pid"
}

# Wall-clock ms of svc's first resource_running in the serving node's log since the kill.
vs_running_ms() {
    local line
    line=$(tail -n +"$((VS_LOG_FROM + 1))" "$LAB_DIR/$VS_SERVING.log" |
        grep -m 1 'event=resource_running group=northbound resource=svc') || return 0
    [[ $line =~ ts=([0-9T:.-]+Z) ]] || return 0
    date -u -d "${BASH_REMATCH[1]}" +%s%3N
}

vs_restore() {
    local running
    running=$(vs_running_ms)
    if [[ -n $running ]]; then
        VS_TO_RUNNING+=($((running - VS_KILL_MS)))
    else
        vs_say "WARNING: no resource_running for svc in $VS_SERVING's log after the kill"
    fi
    if [[ $LAB_OUTAGE_NODES != "$VS_EXPECT" ]]; then
        VS_UNEXPECTED=$((VS_UNEXPECTED + 1))
        vs_say "WARNING: the client was answered by '$LAB_OUTAGE_NODES', expected '$VS_EXPECT'"
    fi
    lab_vigil n1 cleanup northbound >/dev/null 2>&1 || true
    vs_settle
}

# One variant: FORM BUDGET; sets VS_VARIANT_JSON.
vs_variant() {
    local expected_node
    VS_FORM=$1
    if (($2 == 0)); then VS_EXPECT="n1 n2" expected_node=n2; else VS_EXPECT=n1 expected_node=n1; fi
    VS_SERVING=$expected_node
    VS_UNEXPECTED=0 VS_RECOVERIES=0 VS_TO_RUNNING=()
    vs_say "service killed: $VS_FORM form, max_restarts $2, monitor ${VS_MONITOR_MS} ms," \
        "$rounds rounds"
    vs_write_config "$2"
    : >"$LAB_DIR/n1.log"
    : >"$LAB_DIR/n2.log"
    vs_start_agents
    lab_wait_for 15000 vs_settled || lab__die "the service cluster ($VS_FORM) did not settle"
    bench_sleep_ms 500
    LAB_PROBE_PORT=$VS_PORT LAB_PROBE_MS=$VS_PROBE_MS \
        bench_fault_rounds "service $VS_FORM budget $2" "$rounds" vs_kill \
        "vs_answers_from $expected_node" vs_restore $((VS_MONITOR_MS + 8000)) 300
    vs_stop_agents
    cp "$LAB_DIR/n1.log" "$LAB_DIR/service-$VS_FORM-$2-n1.txt"  # kept with LAB_KEEP=1
    cp "$LAB_DIR/n2.log" "$LAB_DIR/service-$VS_FORM-$2-n2.txt"
    local extra=",\"rounds_unexpected_answers\":$VS_UNEXPECTED,\"recoveries\":$VS_RECOVERIES"
    extra+=",\"kill_to_running_ms\":$(bench_stats_json "${VS_TO_RUNNING[@]}")"
    VS_VARIANT_JSON=$(BENCH_EXTRA_JSON=$extra bench_stats_json "${BENCH_RUNS[@]}")
}

vs_bench() {
    local rounds=$1 v form budget
    VS_JSON=$(jq -cn --argjson m "$VS_MONITOR_MS" --argjson p "$VS_PROBE_MS" \
        '{monitor_interval_ms: $m, probe_interval_ms: $p}')
    for v in exec_budget0 exec_budget3 command_budget0 command_budget3; do
        form=${v%_budget*}
        budget=${v#*_budget}
        vs_variant "$form" "$budget"
        VS_JSON=$(jq -c --arg k "$v" --argjson s "$VS_VARIANT_JSON" '.[$k] = $s' <<<"$VS_JSON")
    done
}
