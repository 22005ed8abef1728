#!/usr/bin/env bash
# The replicated store end to end (docs/store.md): writes through the VIP are acknowledged
# once durable on the primary and the in-sync standby; the standby refuses writes with 503
# and the primary's name; a retried Idempotency-Key applies once; after the primary's agent
# is killed the standby takes over with every acknowledged write, and the old primary comes
# back as a standby and catches up from a snapshot (the new primary compacted its log).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/store_lib.sh"
start_store_cluster 300 100  # request_timeout_ms, snapshot_entries

# Writes and reads through the VIP.
rev=$(kv put greeting hello) || fail "kv put through the VIP failed"
[[ $rev == "revision "* ]] || fail "kv put printed '$rev'"
[[ $(kv get greeting) == hello ]] || fail "kv get did not return the value"
for i in $(seq 1 50); do kv put "k/$i" "v$i" >/dev/null || fail "put k/$i"; done
[[ $(kv list --prefix k/ | wc -l) == 50 ]] || fail "kv list did not list 50 keys"
lab_wait_for 3000 store_converged n1 n2 || fail "n2 did not apply what n1 committed"
[[ $(store_field n1 '.standbys[0].state') == in_sync ]] || fail "n2 is not in sync on n1"

# The standby never applies a write: 503 and the primary's name.
out=$(lab_exec c curl -s -m 2 -X PUT --data-binary x -w ' %{http_code}' \
    "http://$(lab_addr n2 0):$STORE_PORT/v1/kv/refused")
[[ $out == *' 503' && $out == *'"primary":"n1"'* ]] || fail "standby answered '$out'"
[[ $(kv_curl GET /v1/kv/refused) == *' 404' ]] || fail "the refused write was applied"

# A retried request id applies once.
first=$(kv_curl PUT /v1/kv/counter --data-binary one -H 'Idempotency-Key: req-1')
again=$(kv_curl PUT /v1/kv/counter --data-binary two -H 'Idempotency-Key: req-1')
[[ $first == *' 200' && $again == "${first}" ]] || fail "retry answered '$again' (first '$first')"
[[ $(kv get counter) == one ]] || fail "the retried request applied twice"

# Bad input: a clear 4xx, and the agent keeps serving.
[[ $(kv_curl PATCH /v1/kv/x) == *' 405' ]] || fail "PATCH not refused with 405"
[[ $(kv_curl GET /v1/nowhere) == *' 404' ]] || fail "unknown path not 404"
[[ $(kv_curl PUT /v1/kv/x -H 'If-Match: nope' --data-binary v) == *' 400' ]] ||
    fail "bad If-Match not 400"

# Failover: kill -9 n1's agent; n2 takes over with every acknowledged write.
acked=$(store_field n1 .applied_index)
kill -9 "$(agent_pid n1)"
lab_wait_for 5000 store_serving n2 || fail "n2's store did not take over"
[[ $(kv get greeting) == hello ]] || fail "acknowledged write lost on failover"
[[ $(kv get k/50) == v50 ]] || fail "acknowledged write k/50 lost on failover"
(($(store_field n2 .applied_index) > acked)) || fail "n2 did not commit its noop"
kv put after-failover yes >/dev/null || fail "write on the new primary failed"
# 150 more writes while n1 is down: n2 snapshots and compacts past what n1 has.
for i in $(seq 1 150); do kv put "m/$i" "w$i" >/dev/null || fail "put m/$i on n2"; done
lab_wait_for 3000 eval '(( $(store_field n2 .snapshot_index) > 100 ))' ||
    fail "n2 did not snapshot (snapshot_index $(store_field n2 .snapshot_index))"

# n1 comes back (a fresh agent; its supervisor ended with it) and catches up as a standby.
lab_stop_agent n1 2000 || true
lab_start_agent n1
lab_wait_for 8000 store_converged n2 n1 || fail "n1 did not catch up as a standby"
(( $(store_field n1 .snapshot_index) > 100 )) || fail "n1 caught up without the snapshot"
[[ $(role_of n1) == standby ]] || fail "n1 is not standby after restart"
pass "writes replicated, standby refused, retry applied once, failover kept every ack, n1 caught up from snapshot $(store_field n1 .snapshot_index)"
