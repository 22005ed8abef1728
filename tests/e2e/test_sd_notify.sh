#!/usr/bin/env bash
# The agent under a service manager, without systemd as PID 1: a listener stands in for
# systemd's notification socket (sd_notify_listener.py, SO_PASSCRED: each datagram comes
# with its sender's pid). n1 and the witness run with NOTIFY_SOCKET, WATCHDOG_USEC and
# WATCHDOG_PID set as systemd sets them for the unit's main process (n1 with its
# supervisor, as the unit runs it). Shown: READY=1 once, only after n1 is primary with its
# VIPs; the witness's READY; WATCHDOG=1 every half interval from the agent (not the
# supervisor); no pings while the agent is SIGSTOPped (systemd would kill it), pings again
# and a new STATUS after SIGCONT; `vigil cleanup-vips` refuses while the agent runs;
# STOPPING=1 on SIGTERM; systemd's watchdog signal (SIGABRT to the supervisor) kills a hung
# agent and its supervisor removes the VIPs; and `vigil cleanup-vips` removes the VIPs that
# a SIGKILLed agent and supervisor left behind, and only those, quietly and repeatably.
source "$(dirname "$0")/lib.sh"
lab_skip_unless_root
command -v python3 >/dev/null || { echo "skip: python3 missing"; exit 77; }
ulimit -c 0  # the agent killed by SIGABRT below must leave no core file behind
LISTENER="$(dirname "$0")/sd_notify_listener.py"
WATCHDOG_MS=400
lab_create 2 --witness
lab_write_config "$LAB_DIR/vigil.toml" --nodes 2 --witness true

# NODE: a listener for NODE's notifications on $LAB_DIR/NODE.notify, into NODE.notify.jsonl.
start_listener() {
    lab_start_bg "$1" "$LAB_DIR/$1.listener.log" python3 "$LISTENER" \
        "$LAB_DIR/$1.notify" "$LAB_DIR/$1.notify.jsonl" --max-seconds 200
    lab_wait_for 3000 test -S "$LAB_DIR/$1.notify" || fail "listener for $1 did not start"
}
# NODE COMMAND: the agent with systemd's variables; WATCHDOG_PID is the main process's own
# pid (the shell's, which exec turns into vigil: the supervisor for `agent`).
start_notified_agent() {
    local node=$1 command=$2
    lab_start_bg "$node" "$LAB_DIR/$node.log" env NOTIFY_SOCKET="$LAB_DIR/$node.notify" \
        WATCHDOG_USEC=$((WATCHDOG_MS * 1000)) bash -c 'WATCHDOG_PID=$$ exec "$@"' _ \
        "$VIGIL_BIN" "$command" --config "$LAB_CONFIG" --node "$node" --socket "$LAB_DIR/$node.sock"
    LAB_AGENT_PIDS[$node]=$LAB_LAST_PID
}
# NODE [JQ-FILTER]: the notifications received, as JSON lines, optionally filtered.
notes() { jq -c "${2:-.}" "$LAB_DIR/$1.notify.jsonl" 2>/dev/null || true; }
count_msg() { notes "$1" "select(.msg | test(\"$2\"))" | grep -c . || true; }

start_listener n1
start_listener w
start_notified_agent w witness
start_notified_agent n1 agent
lab_start_agent n2
lab_wait_for 5000 is_primary n1 || fail "n1 did not become primary"
lab_wait_for 3000 eval '[[ $(count_msg n1 "READY=1") -ge 1 ]]' || fail "n1 sent no READY=1"
lab_wait_for 3000 eval '[[ $(count_msg w "READY=1") -ge 1 ]]' || fail "the witness sent no READY=1"
supervisor=$(lab_agent_pid n1)
agent=$(agent_pid n1)
[[ -n $agent && $agent != "$supervisor" ]] || fail "no agent pid distinct from the supervisor"

# --- READY: once, after the promotion and the VIPs, from the agent ---------------------------
ready=$(notes n1 'select(.msg | test("READY=1"))')
echo "n1 READY: $ready"
[[ $(count_msg n1 "READY=1") == 1 ]] || fail "READY=1 sent $(count_msg n1 READY=1) times"
[[ $(jq -r .pid <<<"$ready") == "$agent" ]] || fail "READY came from pid $(jq .pid <<<"$ready")"
jq -e '.msg | test("STATUS=northbound: primary \\(epoch [0-9]+\\)")' <<<"$ready" >/dev/null ||
    fail "READY did not come with n1's summary as primary"
# In the agent's log the promotion and both VIPs come before the readiness.
order=$(grep -nE 'event=(role_change.*to=primary|vip_added|service_ready)' "$LAB_DIR/n1.log" |
    sed -E 's/^([0-9]+):.*event=([a-z_]+).*/\2/' | tr '\n' ' ')
[[ $order == "role_change vip_added vip_added service_ready "* ]] ||
    fail "READY not after the promotion and the VIPs: $order"
starting=$(notes n1 'select(.msg | test("^STATUS=starting")) | .msg' | head -n 3 | tr '\n' ' ')
[[ -n $starting ]] || fail "no STATUS=starting before READY"
echo "n1 before READY: $starting"
wready=$(notes w 'select(.msg | test("READY=1")) | .msg')
[[ $wready == *"STATUS=witness: hears"* ]] || fail "witness READY without its summary: $wready"
[[ $(count_msg w "READY=1") == 1 ]] || fail "the witness sent READY=1 more than once"

# --- WATCHDOG: every half interval, from the agent's loop ------------------------------------
t0=$(lab_now_ms)
sleep 2
t1=$(lab_now_ms)
pings=$(notes n1 "select(.msg == \"WATCHDOG=1\" and .t_ms >= $t0 and .t_ms <= $t1)")
n=$(grep -c . <<<"$pings" || true)
pids=$(jq -r .pid <<<"$pings" | sort -u | tr '\n' ' ')
gap=$(jq -s '[.[].t_ms] | [range(1; length) as $i | .[$i] - .[$i - 1]] | max // 0 | floor' <<<"$pings")
echo "n1 watchdog: $n pings in $((t1 - t0)) ms (expected about $(((t1 - t0) / (WATCHDOG_MS / 2)))), longest gap ${gap} ms, from pid(s) $pids"
((n >= 7 && n <= 14)) || fail "$n watchdog pings in 2 s, expected about 10"
[[ $pids == "$agent " ]] || fail "watchdog pings from $pids, not the agent $agent"
((gap < WATCHDOG_MS)) || fail "a ${gap} ms gap between pings: systemd would have killed the agent"
[[ $(notes w 'select(.msg == "WATCHDOG=1") | .pid' | sort -u) == "$(agent_pid w)" ]] ||
    fail "the witness's pings do not come from the witness"

# --- SIGSTOP: the pings stop, so systemd would kill the agent; SIGCONT: they resume ----------
lab_on_cleanup "kill -CONT $agent 2>/dev/null"
kill -STOP "$agent"
t_stop=$(lab_now_ms)
sleep 1.2
# A ping sent just before the stop may reach a busy listener late: look from 250 ms on
# (more than a ping period), where about 5 pings would have come from a running loop.
late=$(notes n1 "select(.msg == \"WATCHDOG=1\" and .t_ms > $((t_stop + 250)))" | grep -c . || true)
((late == 0)) || fail "$late watchdog pings while the agent was stopped"
lab_wait_for 3000 is_primary n2 || fail "n2 did not take over from the stopped n1"
kill -CONT "$agent"
t_cont=$(lab_now_ms)
lab_wait_for 2000 eval '[[ -n $(notes n1 "select(.msg == \"WATCHDOG=1\" and .t_ms > $t_cont)") ]]' ||
    fail "no watchdog ping after SIGCONT"
lab_wait_for 3000 eval '[[ -n $(notes n1 "select(.msg | test(\"^STATUS=northbound: standby, primary n2\"))") ]]' ||
    fail "no STATUS saying n1 is standby under n2 after it resumed"
pass "no pings for 1.2 s while stopped; pings and STATUS 'standby, primary n2' after SIGCONT"
[[ $(count_msg n1 "READY=1") == 1 ]] || fail "READY=1 sent again after the role changed"

# --- cleanup-vips refuses while the agent answers ---------------------------------------------
if lab_exec n1 "$VIGIL_BIN" cleanup-vips --config "$LAB_CONFIG" --node n1 \
    --socket "$LAB_DIR/n1.sock" 2>"$LAB_DIR/refuse.err"; then
    fail "cleanup-vips ran while n1's agent was running"
fi
grep -q "is running" "$LAB_DIR/refuse.err" || fail "refusal does not say why: $(cat "$LAB_DIR/refuse.err")"

# --- STOPPING on SIGTERM ------------------------------------------------------------------------
lab_stop_agent n1
stopping=$(notes n1 'select(.msg | test("STOPPING=1"))')
[[ -n $stopping ]] || fail "no STOPPING=1 on SIGTERM"
[[ $(jq -r .pid <<<"$stopping") == "$agent" ]] || fail "STOPPING=1 not from the agent"
echo "n1 on SIGTERM: $(jq -r .msg <<<"$stopping" | tr '\n' ' ')"

# --- systemd's watchdog kill under KillMode=mixed: SIGABRT to the main process only --------
# The hung agent (SIGSTOPped here) gets it from its supervisor, dies, and the supervisor
# removes the VIPs and exits with the agent's status, for Restart=on-failure.
lab_wait_for 2000 lab_has_vip n2 198.18.0.10 || fail "n2 does not hold the VIP"
n2_agent=$(agent_pid n2)
n2_supervisor=$(lab_agent_pid n2)
lab_on_cleanup "kill -CONT $n2_agent 2>/dev/null"
kill -STOP "$n2_agent"
kill -ABRT "$n2_supervisor"
lab_wait_for 3000 lab__gone "$n2_supervisor" || fail "n2's supervisor did not exit on SIGABRT"
lab__gone "$n2_agent" || fail "n2's agent survived its supervisor's SIGABRT"
grep -q 'event=agent_died .*status="killed by signal 6"' "$LAB_DIR/n2.log" ||
    fail "n2's supervisor did not see its agent die of SIGABRT"
lab_has_vip n2 198.18.0.10 && fail "the supervisor left the VIP after the watchdog kill"
unset "LAB_AGENT_PIDS[n2]"
pass "watchdog signal: agent killed, VIPs removed by its supervisor"

# --- cleanup-vips after SIGKILL of agent and supervisor together (the supervisor is gone) ----
lab_start_agent n2
lab_wait_for 5000 is_primary n2 || fail "n2 did not become primary again"
lab_wait_for 2000 lab_has_vip n2 198.18.0.10 || fail "n2 does not hold the VIP"
ip -n "$(lab_ns n2)" addr add 198.18.0.99/24 dev eth0  # not a VIP: must stay
lab_kill_tree "$(lab_agent_pid n2)" KILL
lab_wait_for 2000 lab__gone "$(lab_agent_pid n2)" || fail "n2's supervisor survived SIGKILL"
lab_has_vip n2 198.18.0.10 || fail "the VIP did not stay behind (the test shows nothing)"
cleanup() {
    lab_exec n2 env SERVICE_RESULT=signal EXIT_CODE=killed EXIT_STATUS=KILL "$VIGIL_BIN" \
        cleanup-vips --config "$LAB_CONFIG" --node n2 --socket "$LAB_DIR/n2.sock"
}
cleanup 2>"$LAB_DIR/cleanup1.err" || fail "cleanup-vips failed: $(cat "$LAB_DIR/cleanup1.err")"
lab_has_vip n2 198.18.0.10 && fail "cleanup-vips left 198.18.0.10"
lab_has_vip n2 fd00:18::10 && fail "cleanup-vips left fd00:18::10"
lab_has_vip n2 198.18.0.99 || fail "cleanup-vips removed an address that is not a VIP"
lab_has_vip n2 198.18.0.12 || fail "cleanup-vips removed the node's own address"
grep -q 'event=vip_removed' "$LAB_DIR/cleanup1.err" || fail "cleanup-vips did not log its removal"
cleanup 2>"$LAB_DIR/cleanup2.err" || fail "cleanup-vips failed the second time"
[[ ! -s $LAB_DIR/cleanup2.err ]] || fail "cleanup-vips not quiet with nothing to do: $(cat "$LAB_DIR/cleanup2.err")"
pass "READY once after promotion, watchdog from the agent, STOPPING, cleanup-vips after SIGKILL"
