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
# witness namespace too, and its witness starts first.
start_cluster() {
    local nodes=${1:-2} witness=""
    shift || true
    [[ " $* " == *" --witness true "* ]] && witness=--witness
    lab_skip_unless_root
    lab_create "$nodes" $witness
    lab_write_config "$LAB_DIR/vigil.toml" --nodes "$nodes" "$@"
    local i
    [[ -n $witness ]] && lab_start_agent w
    for ((i = 1; i <= nodes; i++)); do lab_start_agent "n$i"; done
    lab_wait_for 5000 is_primary n1 || fail "n1 did not become primary at start"
    lab_wait_for 3000 lab_has_vip n1 198.18.0.10 || fail "n1 did not add the VIP"
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
