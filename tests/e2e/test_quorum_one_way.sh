#!/usr/bin/env bash
# One-way loss: everything n1 (primary) sends to n2 is lost, on both links, while n1 still
# hears n2 and the witness hears both. n2 sees n1 as dead and may ask for votes, but the
# witness still hears n1 and keeps promising it, so n2 cannot reach a quorum: n2 must not
# become primary, n1 stays primary, and the client never loses the VIP. Then the path heals
# and nothing changes. The VIP's holders are sampled every 5 ms throughout.
source "$(dirname "$0")/lib.sh"
hold_ms=2000
start_cluster 2 --witness true
epoch0=$(status_field n1 '.groups[0].epoch')
log_mark n1
log_mark n2

lab_watch_start 198.18.0.10 n1 n2
lab_probe_start 198.18.0.10 $((hold_ms + 2000))
sleep 0.3
lab_cut n1 n2
t_cut=$(lab_now_ms)
lab_wait_for 2000 eval '[[ $(peer_alive n2 n1) == false ]]' ||
    fail "n2 still hears n1: the one-way cut did not work"
seen_ms=$(($(lab_now_ms) - t_cut))
# Hold the cut for several dead times; n1 must be primary at every look.
while (($(lab_now_ms) - t_cut < hold_ms)); do
    is_primary n1 || fail "n1 lost the group $(($(lab_now_ms) - t_cut)) ms into the cut"
    [[ $(role_of n2) != primary ]] || fail "n2 became primary without the witness's vote"
    sleep 0.05
done
[[ $(peer_alive n1 n2) == true ]] ||
    fail "n1 should still hear n2"
[[ $(status_field w '.groups[0].promised_to') == n1 ]] || fail "the witness does not back n1"
n2_state=$(lab_vigil n2 status || true)

lab_heal n1 n2

lab_wait_for 2000 eval '[[ $(peer_alive n2 n1) == true ]]' ||
    fail "n2 does not hear n1 after healing"
sleep 0.5
lab_probe_stop
lab_watch_stop
watch_no_overlap
[[ $(jq '.held_samples.n2' "$LAB_WATCH_OUT") == 0 ]] || fail "n2 held the VIP at some point"
is_primary n1 || fail "n1 not primary after healing"
only_holder 198.18.0.10 n1 || fail "VIP not on n1 alone after healing"
if log_since_mark n1 | grep 'event=role_change'; then fail "n1 changed roles"; fi
if log_since_mark n2 | grep 'event=role_change.*to=primary'; then fail "n2 promoted"; fi
gap=$(lab_json_num "$LAB_PROBE_OUT" max_gap_ms)
echo "n2 lost n1 after ${seen_ms} ms; ${hold_ms} ms of one-way loss; epochs: n1" \
    "$epoch0 -> $(status_field n1 '.groups[0].epoch'), n2 $(status_field n2 '.groups[0].epoch');" \
    "longest client gap ${gap} ms"
awk -v g="$gap" 'BEGIN { exit !(g < 100) }' || fail "the client lost the VIP for ${gap} ms"
echo "n2's status during the cut:"
sed 's/^/    /' <<<"$n2_state"
pass "one-way loss: n1 kept the group, n2 never primary, client gap ${gap} ms"
