#!/usr/bin/env bash
# [metrics] and [status_page] on a two-node lab (docs/metrics.md): /metrics shows each node's
# role and epoch in the Prometheus text format; after a switchover the new primary counts a
# failover and shows its duration by phase, and its /status.json lists the failover first in
# "failovers". Both endpoints listen on the namespace's loopback only, and refuse other
# methods. curl runs inside the node's namespace.
source "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "skip: curl not installed (scripts/setup)"; exit 77; }
start_cluster 2 --two-node true --append '[metrics]
listen = "127.0.0.1:9405"

[status_page]
listen = "127.0.0.1:9406"'

http() {  # NODE URL [curl options...]: the body
    local node=$1 url=$2
    shift 2
    lab_exec "$node" curl -sS --max-time 2 "$@" "$url"
}
metrics() { http "$1" http://127.0.0.1:9405/metrics; }
# The value of one series, e.g. sample n1 'vigil_group_epoch{group="northbound"}'; empty if absent.
sample() { metrics "$1" | awk -v s="$2" '$1 == s { print $2 }'; }
role_series() { echo "vigil_group_role{group=\"northbound\",role=\"$1\"}"; }

# Content type and role/epoch on both nodes.
headers=$(http n1 http://127.0.0.1:9405/metrics -o /dev/null -D -)
grep -qi '^content-type: text/plain; version=0.0.4' <<<"$headers" || fail "content type: $headers"
epoch=$(group_field n1 .epoch)
[[ $(sample n1 "$(role_series primary)") == 1 ]] || fail "n1 not primary in its metrics"
[[ $(sample n1 "$(role_series standby)") == 0 ]] || fail "n1 standby series not 0"
[[ $(sample n1 'vigil_group_is_primary{group="northbound"}') == 1 ]] || fail "n1 is_primary"
[[ $(sample n1 'vigil_group_epoch{group="northbound"}') == "$epoch" ]] || fail "n1 epoch"
[[ $(sample n2 "$(role_series standby)") == 1 ]] || fail "n2 not standby in its metrics"
[[ $(sample n2 'vigil_group_is_primary{group="northbound"}') == 0 ]] || fail "n2 is_primary"
[[ $(sample n1 'vigil_peer_up{peer="n2"}') == 1 ]] || fail "n1 does not show n2 up"
age=$(sample n1 'vigil_peer_link_heartbeat_age_seconds{peer="n2",link="0"}')
awk -v a="$age" 'BEGIN { exit !(a != "" && a >= 0 && a < 1) }' || fail "heartbeat age '$age'"
[[ $(sample n1 vigil_healthy) == 1 ]] || fail "n1 not healthy in its metrics"
grep -qE '^vigil_build_info\{version="[^"]+"\} 1$' <<<"$(metrics n1)" || fail "no build info"
pass "role, epoch, peer and health metrics on both nodes"

# A switchover: the new primary counts it and shows its phases.
before=$(sample n2 'vigil_failovers_total{group="northbound"}')
[[ -n $before ]] || fail "no vigil_failovers_total on n2"
lab_vigil n1 switchover northbound --to n2 >/dev/null || fail "switchover failed"
lab_wait_for 3000 is_primary n2 || fail "n2 did not become primary"
new_epoch=$(group_field n2 .epoch)
# The last announcement of the burst ends the timeline: wait for it (3 x 100 ms).
announced() {
    [[ -n $(sample n2 'vigil_last_failover_duration_seconds{group="northbound",phase="announcement"}') ]]
}
lab_wait_for 3000 announced || fail "no announcement phase on n2"
after=$(sample n2 'vigil_failovers_total{group="northbound"}')
((after == before + 1)) || fail "vigil_failovers_total on n2: $before -> $after"
for phase in vips announcement total; do
    v=$(sample n2 "vigil_last_failover_duration_seconds{group=\"northbound\",phase=\"$phase\"}")
    awk -v v="$v" 'BEGIN { exit !(v != "" && v >= 0 && v < 5) }' || fail "phase $phase: '$v'"
done
[[ $(sample n2 'vigil_group_epoch{group="northbound"}') == "$new_epoch" ]] || fail "n2 epoch"
[[ $(sample n2 "$(role_series primary)") == 1 ]] || fail "n2 not primary in its metrics"
[[ $(sample n1 "$(role_series standby)") == 1 ]] || fail "n1 not standby in its metrics"
pass "switchover: failovers_total $before -> $after on n2, phases shown"

# /status.json on the status page: the failover first in "failovers".
status=$(http n2 http://127.0.0.1:9406/status.json)
jq -e --argjson e "$new_epoch" '.ok == true and .node == "n2" and (.groups | length) == 1
    and (.failovers[0] | .group == "northbound" and .epoch == $e and .from == "n1"
         and .to == "n2" and (.promoted_unix_ms > 0) and (.duration_ms >= 0)
         and (.steps | length) >= 2 and (.steps[0].at_ms == 0)
         and (.steps[0].event | startswith("promoted to primary")))' <<<"$status" >/dev/null ||
    fail "status.json: $(jq -c '.failovers[0]' <<<"$status")"
echo "failovers[0]: $(jq -c '.failovers[0] | del(.steps)' <<<"$status")"
# The page itself is web/status.html, byte for byte.
http n2 http://127.0.0.1:9406/ | cmp -s - "$E2E_DIR/../../web/status.html" || fail "GET / differs"
pass "status.json lists the switchover; / serves web/status.html"

# Separate servers, loopback only, GET and HEAD only.
code=$(http n2 http://127.0.0.1:9405/status.json -o /dev/null -w '%{http_code}')
[[ $code == 404 ]] || fail "status.json on the metrics port: $code"
code=$(http n2 http://127.0.0.1:9405/metrics -o /dev/null -w '%{http_code}' -X POST)
[[ $code == 405 ]] || fail "POST /metrics: $code"
if http n1 http://198.18.0.12:9405/metrics -o /dev/null 2>/dev/null; then
    fail "n2's metrics answered on a non-loopback address"
fi
pass "404 across ports, 405 for POST, nothing on the node's own address"

# Heartbeat loss: cut n2 -> n1 for about 150 ms (below the 250 ms dead time). The gap is
# counted when the next heartbeat arrives, on each link: about 3 at a 50 ms interval.
lost() { sample n1 "vigil_peer_link_heartbeats_lost_total{peer=\"n2\",link=\"$1\"}"; }
lost0=$(lost 0) lost1=$(lost 1)
[[ -n $lost0 && -n $lost1 ]] || fail "no heartbeat loss series on n1"
t0=$(lab_now_ms)
lab_cut n2 n1
sleep_ms 150
lab_heal n2 n1
t1=$(lab_now_ms)
counted() { (($(lost 0) > lost0 && $(lost 1) > lost1)); }
lab_wait_for 2000 counted || fail "no loss counted on n1: link 0 $lost0 -> $(lost 0), link 1 $lost1 -> $(lost 1)"
max=$(((t1 - t0) / 50 + 2))
for link in 0 1; do
    base=$lost0
    [[ $link == 1 ]] && base=$lost1
    d=$(($(lost $link) - base))
    ((d >= 1 && d <= max)) || fail "link $link: $d heartbeats counted lost in a $((t1 - t0)) ms cut"
    echo "link $link: $d heartbeats lost in a $((t1 - t0)) ms cut"
done
pass "heartbeat loss counted per link"

# A failover after a death: kill -9 of n2's agent (its supervisor removes the VIPs). n1 takes
# over after the dead time; its history names n2 and has the detection and election phases.
pid=$(agent_pid n2)
[[ -n $pid && $pid != "$(lab_agent_pid n2)" ]] || fail "no agent pid for n2 (got '$pid')"
kill_in_ns n2 "$pid" KILL
lab_wait_for 3000 is_primary n1 || fail "n1 did not take over after kill -9 of n2"
status=$(http n1 http://127.0.0.1:9406/status.json)
jq -e '(.failovers | length) >= 2 and (.failovers[0] | .from == "n2" and .to == "n1"
        and (.phases_ms.detection >= 200) and (.phases_ms.election >= 0)
        and (.steps[0].event == "n2 last heard"))' <<<"$status" >/dev/null ||
    fail "status.json after kill -9: $(jq -c '.failovers[0] | del(.steps)' <<<"$status")"
echo "failovers[0]: $(jq -c '.failovers[0] | del(.steps)' <<<"$status")"
for phase in detection election; do
    [[ -n $(sample n1 "vigil_last_failover_duration_seconds{group=\"northbound\",phase=\"$phase\"}") ]] ||
        fail "no $phase phase in n1's metrics"
done
pass "after kill -9: n1's history and metrics show detection and election"
