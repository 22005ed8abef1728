# shellcheck shell=bash
# Helpers for the replicated-store tests: a 2-node + witness lab whose group northbound has
# [group.store], and the API reached from the client namespace through the VIP.
STORE_VIP=198.18.0.10
STORE_PORT=7480

store_group_keys() {  # the [group.store] table for lab_write_config --group-keys
    printf '[group.store]\nport = %d\ndata_dir = %s\nrequest_timeout_ms = %d\nsnapshot_entries = %d\n' \
        "$STORE_PORT" "$(lab__toml_string "$LAB_DIR/store/{node}")" "${1:-300}" "${2:-10000}"
}

start_store_cluster() {  # [request_timeout_ms] [snapshot_entries]
    lab_skip_unless_root
    lab_create 2 --witness
    # No preemption: a returning n1 stays standby, so the tests decide every move.
    start_cluster 2 --witness true --preempt false --group-keys "$(store_group_keys "$@")"
    lab_wait_for 5000 store_serving n1 || fail "n1's store is not serving at start"
}

store_field() { group_field "$1" ".store$2"; }  # NODE JQ-SUFFIX: store_field n1 .last_index
store_serving() { [[ $(store_field "$1" .role) == primary ]]; }

# `vigil kv ...` from the client namespace, through the VIP (or --server given first).
kv() { lab_exec c "$VIGIL_BIN" kv --server "$STORE_VIP:$STORE_PORT" "$@"; }

# curl from the client namespace; prints "STATUS BODY".
kv_curl() {  # METHOD URL-PATH [curl args...]
    local method=$1 path=$2
    shift 2
    lab_exec c curl -s -m 2 -X "$method" -w ' %{http_code}' "$@" \
        "http://$STORE_VIP:$STORE_PORT$path"
}

# The standby has applied every entry the primary has: both report the same applied index.
store_converged() {  # PRIMARY STANDBY
    local a b
    a=$(store_field "$1" .applied_index)
    b=$(store_field "$2" .applied_index)
    [[ -n $a && $a == "$b" && $a != 0 ]]
}
