#!/usr/bin/env bash
# `vigil events`: a follower on the standby (`vigil events --follow --json`) receives the
# role_change of a switchover as it happens, with group, epoch and reason, in sequence
# order; afterwards `vigil events` lists the same event as the same logfmt line as the
# agent's log, and `--json` with the same seq. Bad requests are refused with a reason
# and the agent keeps serving.
source "$(dirname "$0")/lib.sh"
start_cluster 2 --two-node true
sock2="$LAB_DIR/n2.sock"

# The follower: -n 1 prints the newest event at once, which tells us it is connected.
lab_start_bg n2 "$LAB_DIR/follow.out" "$VIGIL_BIN" events --follow --json -n 1 --socket "$sock2"
follower=$LAB_LAST_PID
lab_wait_for 3000 eval "[[ -s $LAB_DIR/follow.out ]]" || fail "the follower printed nothing"
first_seq=$(head -n 1 "$LAB_DIR/follow.out" | jq -r .seq)

lab_vigil n1 switchover northbound --to n2 >/dev/null || fail "switchover failed"
epoch=$(status_field n2 '.groups[0].epoch')
# has_event FILE JQ_CONDITION: some line of FILE is such an event (the file may end in a
# line being written: jq then fails and the wait goes on).
has_event() { jq -s -e "any(.[]; $2)" "$1" >/dev/null 2>&1; }
promoted() { has_event "$LAB_DIR/follow.out" '.event == "role_change" and .to == "primary"'; }
lab_wait_for 3000 promoted || fail "the follower did not receive the role_change"
event=$(jq -c 'select(.event == "role_change" and .to == "primary")' "$LAB_DIR/follow.out" |
    head -n 1)
echo "follower got: $event"
jq -e --arg epoch "$epoch" '.group == "northbound" and .epoch == $epoch and .node == "n2"
    and .from == "standby" and .level == "info" and (.reason | length > 0)
    and (.ts | test("^[0-9-]{10}T[0-9:.]{12}Z$"))' <<<"$event" >/dev/null ||
    fail "role_change lacks group/epoch $epoch/reason: $event"
# Every line is an event with consecutive sequence numbers, from the one -n 1 gave.
jq -s -e --argjson first "$first_seq" \
    '[.[].seq] as $s | $s[0] == $first and ([range(0; $s | length)] | map(. + $first)) == $s' \
    "$LAB_DIR/follow.out" >/dev/null ||
    fail "sequence numbers not consecutive: $(jq -c .seq "$LAB_DIR/follow.out" | tr '\n' ' ')"
seq=$(jq -r .seq <<<"$event")

# After the fact: the same event, with the same seq, and as the log's own line.
lab_vigil n2 events --json -n 1000 >"$LAB_DIR/events.json"
has_event "$LAB_DIR/events.json" ".seq == $seq and .event == \"role_change\"" ||
    fail "vigil events --json does not list seq $seq"
promotion="event=role_change group=northbound from=standby to=primary epoch=$epoch "
listed=$(lab_vigil n2 events -n 1000 | grep -F "$promotion") ||
    fail "vigil events does not list the role_change: $(lab_vigil n2 events)"
logged=$(grep -F "$promotion" "$LAB_DIR/n2.log" | grep -v process=) ||
    fail "no role_change in n2's log"
[[ ${listed#* } == "${logged#* }" ]] ||  # the same line but for ts (read twice, may differ)
    fail "vigil events and the log differ:
  events: $listed
  log:    $logged"
[[ $(lab_vigil n2 events -n 3 | wc -l) == 3 ]] || fail "-n 3 did not print 3 events"

# The follower is still connected (not idle-expired after a quiet second) and receives more.
sleep 1.2
lab__gone "$follower" && fail "the follower was disconnected"
lab_vigil n2 switchover northbound --to n1 >/dev/null || fail "switchover back failed"
lab_wait_for 3000 has_event "$LAB_DIR/follow.out" '.event == "role_change" and .to == "standby"' ||
    fail "the follower missed the second role_change"
lab_stop_pid "$follower"

# Bad requests: a reason, and the agent goes on.
raw() {  # one request line on n2's socket, prints the reply
    python3 - "$sock2" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.argv[2].encode() + b"\n")
print(s.makefile().readline().strip())
PY
}
r=$(raw '{"cmd":"events","since":-1}')
grep -q '"since\\" must be a sequence number' <<<"$r" || fail "since -1 accepted: $r"
r=$(raw '{"cmd":"events","follow":"yes"}')
grep -q '"follow\\" must be true or false' <<<"$r" || fail "follow \"yes\" accepted: $r"
r=$(raw '{"cmd":"events","limit":0}')
grep -q '"limit\\" must be' <<<"$r" || fail "limit 0 accepted: $r"
r=$(raw "{\"cmd\":\"events\",\"since\":$seq,\"limit\":1}")
# The newest `limit` of the events after `since`.
jq -e --argjson seq "$seq" '.ok and (.events | length) == 1 and .events[0].seq > $seq
    and .events[0].seq == .next_seq - 1' <<<"$r" >/dev/null || fail "since $seq limit 1: $r"
r=$(raw "{\"cmd\":\"events\",\"since\":$seq}")
jq -e --argjson seq "$seq" '.ok and .events[0].seq == $seq + 1' <<<"$r" >/dev/null ||
    fail "since $seq: $r"
[[ $(status_field n2 .healthy) == true ]] || fail "n2 unhealthy after the bad requests"
pass "follower got role_change seq $seq (epoch $epoch) live; vigil events lists it as the log does"
