# shellcheck shell=bash
# Shared helpers for the end-to-end tests: a lab (tests/lab/lab.sh) plus assertions.
# Each test_*.sh is one scenario on real network namespaces with real agents; ctest runs
# them with VIGIL_BIN and VIGIL_PROBE set. Exit 77 = skipped (no root / no namespaces).
set -euo pipefail
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lab/lab.sh
source "$E2E_DIR/../lab/lab.sh"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
pass() { echo "ok: $*"; }

# Field of an agent's `vigil status --json`, via a jq filter: status_field n1 '.groups[0].role'
status_field() {
    local node=$1 filter=$2
    lab_vigil "$node" status --json 2>/dev/null | jq -r "$filter" || true
}
role_of() { status_field "$1" ".groups[] | select(.name == \"${2:-northbound}\") | .role"; }
is_primary() { [[ $(role_of "$1" "${2:-northbound}") == primary ]]; }
agent_pid() { status_field "$1" .pid; }

# Starts a lab of N nodes (default 2) with a config (lab_write_config options after N)
# and waits until northbound has its primary on n1. With `--witness true` the lab gets the
# witness namespace too, and its witness starts first. If the caller made the lab already
# (lab_create, e.g. to put files in $LAB_DIR that the config names), it is used as it is.
start_cluster() {
    local nodes=${1:-2} witness=""
    shift || true
    [[ " $* " == *" --witness true "* ]] && witness=--witness
    lab_skip_unless_root
    ((LAB_NODES > 0)) || lab_create "$nodes" $witness
    lab_write_config "$LAB_DIR/vigil.toml" --nodes "$nodes" "$@"
    local i
    [[ -n $witness ]] && lab_start_agent w
    for ((i = 1; i <= nodes; i++)); do lab_start_agent "n$i"; done
    lab_wait_for 5000 is_primary n1 || fail "n1 did not become primary at start"
    lab_wait_for 3000 lab_has_vip n1 198.18.0.10 || fail "n1 did not add the VIP"
    # With a witness, n1 may win with the witness's vote before n2 is up: wait until every
    # voter hears every other, so that tests start from a settled cluster.
    if [[ -n $witness ]]; then
        for i in w $(seq 1 "$nodes"); do
            lab_wait_for 3000 eval "[[ \$(status_field $i .voters_alive) == $((nodes + 1)) ]]" ||
                fail "$i does not hear all $((nodes + 1)) voters at start"
        done
    fi
}

# Only `node` holds `vip` among n1..nN.
only_holder() {
    local vip=$1 node=$2 nodes=${3:-2} i
    for ((i = 1; i <= nodes; i++)); do
        if [[ n$i == "$node" ]]; then
            lab_has_vip "n$i" "$vip" || return 1
        else
            lab_has_vip "n$i" "$vip" && return 1
        fi
    done
    return 0
}

client_ping() {  # ADDR: one echo from the client, 1 s at most
    local addr=$1
    if [[ $addr == *:* ]]; then
        lab_exec c ping -6 -c 1 -W 1 "$addr" >/dev/null 2>&1
    else
        lab_exec c ping -c 1 -W 1 "$addr" >/dev/null 2>&1
    fi
}

# True if the float LAB_OUTAGE_MS is below LIMIT ms.
outage_below() { awk -v a="$LAB_OUTAGE_MS" -v b="$1" 'BEGIN { exit !(a < b) }'; }

# --- Quorum tests: who held the VIP when (lab_watch_start / lab_watch_stop) ---------------

# Fails unless the stopped watcher saw at most one holder in every sample; prints the count.
watch_no_overlap() {
    local samples overlap gap
    samples=$(jq .samples "$LAB_WATCH_OUT")
    overlap=$(jq .overlap_samples "$LAB_WATCH_OUT")
    gap=$(jq .max_sample_gap_ms "$LAB_WATCH_OUT")
    echo "VIP holders sampled $samples times (longest gap between samples ${gap} ms)"
    ((samples >= 20)) || fail "only $samples samples of the VIP holders"
    if ((overlap > 0)); then
        fail "two nodes held the VIP in $overlap samples: $(jq -c .changes "$LAB_WATCH_OUT")"
    fi
}

# ms from T0_MS (lab_now_ms) to the first sample after T0_MS in which NODE held (true) or
# no longer held (false) the VIP; "" if it never did.
watch_first() {
    local node=$1 holds=$2 t0=$3
    jq -r --arg n "$node" --argjson h "$holds" --argjson t0 "$t0" \
        '[.changes[] | select(.node == $n and .holds == $h and .t_ms >= $t0)][0].t_ms // empty
         | . - $t0 | floor' "$LAB_WATCH_OUT"
}

# The lines NODE's log gained since log_mark NODE was called.
log_mark() { LOG_MARK[$1]=$(wc -l <"$LAB_DIR/$1.log"); }
log_mark_start() { LOG_MARK[$1]=0; }  # log_since_mark NODE then gives the whole log
log_since_mark() { tail -n "+$((${LOG_MARK[$1]:-0} + 1))" "$LAB_DIR/$1.log"; }
declare -A LOG_MARK=()
sleep_ms() { sleep "$(awk -v ms="$1" 'BEGIN { printf "%.3f", (ms > 0 ? ms : 0) / 1000 }')"; }
peer_alive() { status_field "$1" ".peers[] | select(.name == \"$2\") | .alive"; }

# --- Managed services (resources and checks) ---------------------------------------------

# Field of resource NAME in NODE's status, whichever group has it ("null" if none):
# resource_field n1 svc .state
resource_field() {
    status_field "$1" "[.groups[].resources[]? | select(.name == \"$2\")][0] | $3"
}
resource_running() { [[ $(resource_field "$1" "$2" .state) == running ]]; }
# Field of a group in NODE's status: group_field n1 .failed_here [GROUP]
group_field() { status_field "$1" ".groups[] | select(.name == \"${3:-northbound}\") | $2"; }

# An extended regex for a log line of EVENT with some field equal to VALUE, e.g.
# log_re resource_stop api matches "event=resource_stop group=northbound resource=api ...".
log_re() { echo "event=$1 (.* )?[a-z_]+=\"?$2\"?( |\$)"; }

# Line number (since log_mark) of the first line of NODE's log matching the extended regex
# RE; empty if none.
log_line() { log_since_mark "$1" | grep -nE -m 1 -- "$2" | cut -d: -f1; }

# Fails unless NODE's log (since log_mark) has lines matching each RE in this order.
# WHAT names the sequence in the failure message.
log_in_order() {
    local node=$1 what=$2 re prev=0 prev_re="" n
    shift 2
    for re in "$@"; do
        n=$(log_line "$node" "$re")
        [[ -n $n ]] || fail "$what: $node logged nothing matching '$re'"
        ((n > prev)) || fail "$what: on $node, '$re' (line $n) came before '$prev_re' (line $prev)"
        prev=$n prev_re=$re
    done
}

# Wall-clock ms of the first line of NODE's log (since log_mark) matching RE; empty if none.
log_ms() {
    local line
    line=$(log_since_mark "$1" | grep -E -m 1 -- "$2") || return 0
    [[ $line =~ ts=([0-9T:.-]+Z) ]] || return 0
    date -u -d "${BASH_REMATCH[1]}" +%s%3N
}

# PIDs of the processes in NODE's namespace whose command line holds TEXT.
ns_pids_matching() {
    local pid
    for pid in $(ip netns pids "$(lab_ns "$1")" 2>/dev/null); do
        tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "$2" && echo "$pid"
    done
    return 0
}

# Sends SIG to PID only if it runs in NODE's namespace (started by an agent we started).
kill_in_ns() {
    local node=$1 pid=$2 sig=${3:-KILL}
    [[ $pid =~ ^[0-9]+$ ]] || fail "kill_in_ns: '$pid' is not a PID"
    ip netns pids "$(lab_ns "$node")" | grep -qx -- "$pid" ||
        fail "kill_in_ns: PID $pid is not in $node's namespace"
    kill "-$sig" "$pid"
}

# The LSB status of the sample service NAME on NODE (tools/lsb_service.sh, its pidfile under
# $LAB_DIR/NODE): 0 running, 1 dead with its pidfile left, 3 stopped.
lsb_status() {
    local rc=0
    "$LAB_LSB_SERVICE" status "$LAB_DIR/$1" "$2" || rc=$?
    echo "$rc"
}

# The client is served by NODE through the VIP (northbound's) on PORT (7000) within MS
# (3000). An exec resource counts as running once its process runs, before it listens.
served_by() {
    local node=$1 port=${2:-7000} ms=${3:-3000}
    lab_wait_for "$ms" eval "[[ \$(lab_tcp_answer 198.18.0.10 $port) == $node ]]"
}
