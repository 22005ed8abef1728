#!/usr/bin/env bash
# lsb_service.sh: an LSB-style init script for the sample service (tools/echo_service.py),
# for command-form resources (start/stop/monitor) in tests and the demo:
#
#   lsb_service.sh start|stop|status DIR NAME [PORT]
#
#   [[resource]]
#   name = "db"
#   start = "/path/lsb_service.sh start /run/x db 7001"
#   stop = "/path/lsb_service.sh stop /run/x db"
#   monitor = "/path/lsb_service.sh status /run/x db"
#
# start  runs echo_service.py on PORT (default 7000) in its own session, with the pidfile
#        DIR/NAME.pid, and exits 0 once it listens (the service writes the pidfile then);
#        1 if it died first or was not listening within LSB_START_WAIT_MS (3000). Already
#        running: exit 0. The service's output goes to DIR/NAME.out.
# stop   SIGTERM, then SIGKILL after LSB_STOP_WAIT_MS (3000); exit 0 (also if not running).
# status exit 0 running; 1 dead but the pidfile remains (killed); 3 not running (LSB).
# Every start and stop appends "MS ACTION begin|done|failed node=... role=... epoch=..." to
# DIR/NAME.actions (MS = wall-clock ms; the fields are vigil's VIGIL_* environment), so a
# test can check the order in which resources were started and stopped.
# A PID is only signalled if its command line names our pidfile: a recycled PID is left
# alone.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage() { echo "usage: lsb_service.sh start|stop|status DIR NAME [PORT]" >&2; exit 2; }
(($# >= 3)) || usage
action=$1 dir=$2 name=$3 port=${4:-7000}
[[ $name =~ ^[A-Za-z0-9_.-]+$ ]] || { echo "lsb_service: bad name '$name'" >&2; exit 2; }
[[ $port =~ ^[0-9]+$ ]] || { echo "lsb_service: bad port '$port'" >&2; exit 2; }
pidfile=$dir/$name.pid
start_wait_ms=${LSB_START_WAIT_MS:-3000}
stop_wait_ms=${LSB_STOP_WAIT_MS:-3000}

now_ms() { local us=${EPOCHREALTIME//[.,]/}; echo $((us / 1000)); }
note() {  # PHASE: one line in DIR/NAME.actions
    echo "$(now_ms) $action $1 node=${VIGIL_NODE:-} role=${VIGIL_ROLE:-}" \
        "epoch=${VIGIL_EPOCH:-}" >>"$dir/$name.actions"
}

# The PID in the pidfile if that process is our service, else nothing.
our_pid() {
    local pid
    pid=$(head -n 1 "$pidfile" 2>/dev/null) || return 0
    [[ $pid =~ ^[0-9]+$ ]] || return 0
    tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "--pidfile $pidfile" || return 0
    # A zombie has an empty cmdline, so it never gets here.
    echo "$pid"
}

# Polls every 10 ms until CMD... succeeds (0) or MS pass (1).
wait_ms() {
    local deadline=$(($(now_ms) + $1))
    shift
    until "$@"; do
        (($(now_ms) < deadline)) || return 1
        sleep 0.01
    done
}
is_gone() {  # exited; a zombie counts as gone (its parent may be slow to reap it)
    local s
    s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    s=${s##*) }
    [[ ${s:0:1} == Z ]]
}
listening() { [[ -n $(our_pid) ]]; }

do_start() {
    mkdir -p "$dir"
    [[ -z $(our_pid) ]] || exit 0
    note begin
    rm -f "$pidfile"
    # setsid: the service is not in the process group of the start command, so the agent
    # may kill a start that timed out without taking the service down with it.
    setsid python3 -S "$here/echo_service.py" --port "$port" --pidfile "$pidfile" \
        >>"$dir/$name.out" 2>&1 </dev/null &
    local child=$!
    if ! wait_ms "$start_wait_ms" listening; then
        kill -KILL "$child" 2>/dev/null || true
        note failed
        echo "lsb_service: $name did not start listening on port $port; see $dir/$name.out" >&2
        exit 1
    fi
    note "done"
}

do_stop() {
    local pid
    pid=$(our_pid)
    note begin
    if [[ -n $pid ]]; then
        kill -TERM "$pid" 2>/dev/null || true
        if ! wait_ms "$stop_wait_ms" is_gone "$pid"; then
            kill -KILL "$pid" 2>/dev/null || true
            wait_ms 1000 is_gone "$pid" || true
        fi
    fi
    rm -f "$pidfile"
    note "done"
}

do_status() {
    [[ -n $(our_pid) ]] && exit 0
    [[ -e $pidfile ]] && exit 1
    exit 3
}

case $action in
    start) do_start ;;
    stop) do_stop ;;
    status) do_status ;;
    *) usage ;;
esac
