# shellcheck shell=bash disable=SC2034
# vrrp.sh: VRRP additions to the lab (tests/lab/lab.sh must be sourced first), for the
# VRRPv3 end-to-end tests and bench/vrrp. Source it; do not run it.
#
#   lab_keepalived_start NODE CONF  run Debian's keepalived (VRRP only, foreground, logging
#                                   to $LAB_DIR/NODE.keepalived.log) in NODE's namespace with
#                                   CONF; its pid files live in $LAB_DIR; sets
#                                   LAB_KEEPALIVED_PIDS[NODE]
#   lab_keepalived_stop NODE [SIG]  SIGTERM (or SIG: KILL = a crash) keepalived on NODE
#   lab_vrrp_vip_holders VIP NODE...  prints the NODEs that hold VIP, space-separated
#   lab_longest_overlap_ms FILE     from lab_watch_stop's JSON: the longest time (ms) during
#                                   which two or more nodes held the VIP at once (0 = never)
#   lab_vrrp_state NODE GROUP       the vrrp3 group's state in NODE's `vigil status --json`
declare -gA LAB_KEEPALIVED_PIDS=()

lab_keepalived_start() {
    local node=$1 conf=$2
    command -v keepalived >/dev/null || lab__die "keepalived is not installed (scripts/setup)"
    lab_start_bg "$node" "$LAB_DIR/$node.keepalived.log" keepalived --dont-fork --log-console \
        --log-detail --vrrp --use-file="$conf" --pid="$LAB_DIR/$node.keepalived.pid" \
        --vrrp_pid="$LAB_DIR/$node.keepalived-vrrp.pid"
    LAB_KEEPALIVED_PIDS[$node]=$LAB_LAST_PID
}

lab_keepalived_stop() {
    local node=$1 sig=${2:-TERM}
    local pid=${LAB_KEEPALIVED_PIDS[$node]:-}
    [[ -n $pid ]] || return 0
    if [[ $sig == KILL ]]; then
        lab_kill_tree "$pid" KILL
        lab_stop_pid "$pid" 1000
    else
        lab_stop_pid "$pid" 5000 "$sig"
    fi
    unset "LAB_KEEPALIVED_PIDS[$node]"
}

lab_vrrp_vip_holders() {
    local vip=$1 node out=()
    shift
    for node in "$@"; do lab_has_vip "$node" "$vip" && out+=("$node"); done
    echo "${out[*]}"
}

lab_longest_overlap_ms() {
    python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
held, start, longest = set(), None, 0.0
for c in d.get("changes", []):
    (held.add if c["holds"] else held.discard)(c["node"])
    t = c["t_ms"]
    if len(held) >= 2 and start is None:
        start = t
    elif len(held) < 2 and start is not None:
        longest, start = max(longest, t - start), None
if start is not None:  # still overlapping when the watch ended: as bad as it gets
    longest = float("inf")
print(int(round(longest)) if longest != float("inf") else 999999)
PY
}

lab_vrrp_state() {
    lab_vigil "$1" status --json 2>/dev/null |
        jq -r --arg g "$2" '.vrrp[]? | select(.name == $g) | .state' || true
}
