#!/usr/bin/env bash
# A paused primary (SIGSTOP of its agent process, as a hung disk or a frozen VM would do)
# cannot demote itself. With a witness, n2 takes over once n1's lease and the witness's
# promise have run out, and n1's supervisor (still running) removes n1's VIPs when the
# lease it was last told runs out. After SIGCONT, n1's agent finds its lease expired: it
# comes back as standby without promoting, adding or announcing anything (preempt = false,
# so that n2 keeps the group and any promotion of n1 would be a bug). The VIP's holders are
# sampled every 5 ms throughout: never two at once.
source "$(dirname "$0")/lib.sh"
dead=250 # the lab's dead_time_ms
stop_ms=1000
start_cluster 2 --witness true --preempt false
agent=$(agent_pid n1)
supervisor=$(lab_agent_pid n1)
[[ -n $agent && $agent != "$supervisor" ]] || fail "no agent pid (got '$agent')"
[[ $(ps -o ppid= -p "$agent" | tr -d ' ') == "$supervisor" ]] ||
    fail "agent $agent is not the child of supervisor $supervisor"
lab_on_cleanup "kill -CONT $agent 2>/dev/null"
epoch0=$(status_field n1 '.groups[0].epoch')

lab_watch_start 198.18.0.10 n1 n2
lab_probe_start 198.18.0.10 $((stop_ms + 3000))
sleep 0.3
log_mark n1
log_mark n2
log_mark w
t_stop=$(lab_now_ms)
kill -STOP "$agent"
lab_wait_for $((stop_ms - 100)) eval "! lab_has_vip n1 198.18.0.10" ||
    fail "the supervisor left the VIP on the stopped n1"
gone_ms=$(($(lab_now_ms) - t_stop))
lab_wait_for $((stop_ms - gone_ms)) is_primary n2 || fail "n2 not primary while n1 is stopped"
took_ms=$(($(lab_now_ms) - t_stop))
# Still stopped, lease long gone: nothing of n1 may hold the VIP (v4 or v6).
sleep_ms $((stop_ms - took_ms))
[[ $(ps -o stat= -p "$agent") == T* ]] || fail "n1's agent is not stopped"
lab_has_vip n1 198.18.0.10 && fail "n1 holds the VIP while stopped"
lab_has_vip n1 fd00:18::10 && fail "n1 holds the IPv6 VIP while stopped"
stopped_ms=$(($(lab_now_ms) - t_stop))

kill -CONT "$agent"
t_cont=$(lab_now_ms)
lab_wait_for 2000 eval '[[ $(role_of n1) == standby ]]' || fail "n1 not standby after SIGCONT"
back_ms=$(($(lab_now_ms) - t_cont))
sleep 0.5 # would n1 try to take the group back, or defend "its" VIP?
lab_probe_stop
lab_watch_stop
watch_no_overlap
is_primary n2 || fail "n2 lost the group after n1 came back"
only_holder 198.18.0.10 n2 || fail "VIP not on n2 alone"
epoch2=$(status_field n2 '.groups[0].epoch')
((epoch2 > epoch0)) || fail "n2 primary at epoch $epoch2, not above $epoch0"

# n1's own log after the stop: its demotion, and no promotion, VIP or announcement.
after=$(log_since_mark n1)
grep 'process=supervisor' <<<"$after" | grep -q 'event=vip_removed' ||
    fail "the supervisor did not log removing the VIPs: $after"
agent_lines=$(grep -v 'process=supervisor' <<<"$after" || true)
grep -q 'event=role_change.*from=primary' <<<"$agent_lines" || fail "n1 did not log demoting"
if grep -E 'to=primary|event=vip_added|event=vip_announced' <<<"$agent_lines"; then
    fail "n1 promoted, added or announced a VIP after SIGCONT"
fi
# Asking for votes is not acting as primary, but no voter may grant them: n2 is primary,
# and both voters' promises back it.
if campaigns=$(grep 'event=campaign' <<<"$agent_lines"); then
    echo "note: n1 asked for votes after SIGCONT:"
    sed 's/^/    /' <<<"$campaigns"
fi
for v in n2 w; do
    if log_since_mark $v | grep 'event=vote .*candidate=n1'; then fail "$v voted for n1"; fi
done
gap=$(lab_json_num "$LAB_PROBE_OUT" max_gap_ms)
echo "stopped for ${stopped_ms} ms: VIP gone from n1 at +${gone_ms} ms, n2 primary at" \
    "+${took_ms} ms; n1 standby ${back_ms} ms after SIGCONT; client outage ${gap} ms"
((gone_ms <= dead + 150)) || fail "VIP removed only ${gone_ms} ms after the stop"
((took_ms <= 2 * dead + 300)) || fail "n2 took ${took_ms} ms"
pass "SIGSTOP: watchdog removed the VIP at +${gone_ms} ms, n2 took over at +${took_ms} ms"
