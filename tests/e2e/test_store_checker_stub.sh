#!/usr/bin/env bash
# The end-to-end checker can fail: run tests/e2e/store_checker.py against a stand-in server
# (store_stub_server.py) on 127.0.0.1 that (1) behaves, but answers 503 after applying every
# 7th write, so the checker's same-id retries must be replayed and nothing counts twice;
# (2) acknowledges one write and then forgets it: the checker must report lost=1 and fail;
# (3) stores one write under a second key: duplicated=1 and fail; (4) applies one write but
# answers it 503 until the client gives up: failed_then_applied=1, which is no failure.
# No root, no namespaces.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/vigil-checker-stub.XXXXXX")
stub_pid=""
cleanup() {
    [[ -n $stub_pid ]] && kill "$stub_pid" 2>/dev/null && wait "$stub_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

start_stub() {  # stub options...: starts it, sets port
    rm -f "$work/port"
    python3 "$here/store_stub_server.py" --ready-file "$work/port" "$@" &
    stub_pid=$!
    for _ in $(seq 1 200); do [[ -s $work/port ]] && break; sleep 0.02; done
    [[ -s $work/port ]] || fail "the stub server did not start"
    port=$(cat "$work/port")
}
stop_stub() { kill "$stub_pid"; wait "$stub_pid" 2>/dev/null || true; stub_pid=""; }

# run_checker NAME: write for 1.5 s with 4 clients, then verify; sets out and rc.
run_checker() {
    python3 "$here/store_checker.py" write --server "127.0.0.1:$port" --clients 4 \
        --seconds 1.5 --retry-seconds 1 --record "$work/$1.json" >"$work/$1.write" ||
        fail "$1: the writer failed: $(cat "$work/$1.write")"
    rc=0
    out=$(python3 "$here/store_checker.py" verify --server "127.0.0.1:$port" \
        --record "$work/$1.json" 2>&1) || rc=$?
    echo "$1: $(head -1 <<<"$out")"
}

start_stub --fail-after-apply 7
run_checker clean
stop_stub
((rc == 0)) || fail "clean run: exit $rc: $out"
[[ $out == *" lost=0 duplicated=0 "* ]] || fail "clean run: $out"
acked=$(sed -n 's/^checker: acked=\([0-9]*\).*/\1/p' <<<"$out")
((acked > 20)) || fail "clean run: only '$acked' writes acknowledged"
replayed=$(jq '[.records[] | select(.replayed)] | length' "$work/clean.json")
((replayed > 0)) || fail "clean run: no retry was answered from the idempotency record"

start_stub --lose-acked 5
run_checker lost
stop_stub
((rc == 1)) || fail "a lost acknowledged write was not reported (exit $rc): $out"
[[ $out == *" lost=1 duplicated=0 "* ]] || fail "lost write: expected lost=1: $out"
[[ $out == *"lost: chk/"*"acked, absent"* ]] || fail "lost write not named: $out"

start_stub --duplicate 3
run_checker dup
stop_stub
((rc == 1)) || fail "a duplicated write was not reported (exit $rc): $out"
[[ $out == *" lost=0 duplicated=1 "* ]] || fail "duplicate: expected duplicated=1: $out"

start_stub --stuck 9
run_checker stuck
stop_stub
((rc == 0)) || fail "a write with an unknown outcome failed the check (exit $rc): $out"
[[ $out == *" lost=0 duplicated=0 failed_then_applied=1"* ]] ||
    fail "stuck write: expected failed_then_applied=1: $out"

echo "ok: checker passes a correct server ($replayed replays), reports lost=1," \
    "duplicated=1 and failed_then_applied=1"
