#!/usr/bin/env bash
# Many VRRP routers in one agent (issue 6): two vigil nodes (two_node = true), 200 vrrp3
# routers with placement = "spread" over (eth0, IPv4), (eth0, IPv6), (eth1, IPv4) and
# (eth1, IPv6) (50 each, advert 100 ms; tests/lab/vrrp.sh lab_vrrp_routers). Checks:
#   - each node is master of exactly its half: every VIP on exactly one node, n1 holding
#     the routers it is given priority 200 in (the even ones in file order, docs/config.md
#     "placement"), n2 the odd ones, and `vigil status` agreeing (100 masters each);
#   - each agent has exactly one raw VRRP socket per interface and family (4), however
#     many routers share them;
#   - n1 powered off: n2 becomes master of all 200; powered on: back to the same spread.
# Correctness, not speed: the time bounds are generous (bench/vrrp measures the timing).
source "$(dirname "$0")/lib.sh"
source "$E2E_DIR/../lab/vrrp.sh"
lab_skip_unless_root
lab_create 2
lab_vrrp_prepare

N=200 INTERVAL_MS=100
VIPS=$LAB_DIR/vips
lab_vrrp_write_config "$LAB_DIR/vigil.toml" "$N" "$INTERVAL_MS" spread
lab_vrrp_vips "$N" "$VIPS"

# held NODE: the VIP indexes (file order) NODE holds, one line, space-separated.
held() {
    python3 "$LAB_VRRP_VIPS_PY" --vips "$VIPS" "$1=$(lab_ns "$1")" |
        jq -r --arg n "$1" '.held[$n] | map(tostring) | join(" ")'
}
EVEN=$(seq -s ' ' 0 2 $((N - 1)))
ODD=$(seq -s ' ' 1 2 $((N - 1)))
masters() { status_field "$1" '[.vrrp[]? | select(.state == "master")] | length'; }

check_spread() {  # WHEN
    lab_vrrp_wait "$VIPS" 15000 n1=$((N / 2)) n2=$((N / 2)) ||
        fail "$1: not split 100/100 (n1 n2: $(lab_vrrp_count "$VIPS" n1 n2))"
    [[ $(held n1) == "$EVEN" ]] || fail "$1: n1 holds the wrong routers: $(held n1)"
    [[ $(held n2) == "$ODD" ]] || fail "$1: n2 holds the wrong routers: $(held n2)"
    local m1 m2
    m1=$(masters n1) m2=$(masters n2)
    [[ $m1 == $((N / 2)) && $m2 == $((N / 2)) ]] ||
        fail "$1: vigil status says n1 is master of $m1 routers, n2 of $m2"
    pass "$1: n1 master of the $((N / 2)) even routers, n2 of the $((N / 2)) odd ones; every VIP on one node"
}

t0=$(lab_now_ms)
lab_start_agent n1
lab_start_agent n2
check_spread "start"
echo "  start to spread: $(($(lab_now_ms) - t0)) ms"

for node in n1 n2; do
    pid=$(agent_pid "$node")
    [[ $pid =~ ^[0-9]+$ ]] || fail "no agent pid for $node"
    sockets=$(lab_vrrp_raw_sockets "$pid" | sort)
    v4=$(grep -c '^4 ' <<<"$sockets" || true)
    v6=$(grep -c '^6 ' <<<"$sockets" || true)
    ((v4 == 2 && v6 == 2)) ||
        fail "$node's agent has $v4 IPv4 and $v6 IPv6 raw VRRP sockets, want 2 and 2: $sockets"
    # Which interface each one serves: /proc does not show SO_BINDTODEVICE, the agent's log
    # does (one vrrp_socket event per socket opened).
    pairs=$(grep ' event=vrrp_socket ' "$LAB_DIR/$node.log" |
        sed -n 's/.* interface=\([^ ]*\) family=\([^ ]*\).*/\1 \2/p' | sort | tr '\n' ,)
    [[ $pairs == "eth0 ipv4,eth0 ipv6,eth1 ipv4,eth1 ipv6," ]] ||
        fail "$node's agent opened VRRP sockets for: $pairs (want each pair once)"
    pass "$node's agent: one raw VRRP socket per interface and family (4 for $N routers)"
done

t0=$(lab_now_ms)
lab_power_off n1
lab_vrrp_wait "$VIPS" 10000 n2=$N ||
    fail "n1 powered off: n2 does not hold all $N VIPs (n1 n2: $(lab_vrrp_count "$VIPS" n1 n2))"
[[ $(masters n2) == "$N" ]] || fail "n1 powered off: n2 says master of $(masters n2), not $N"
pass "n1 powered off: n2 master of all $N routers after $(($(lab_now_ms) - t0)) ms"

t0=$(lab_now_ms)
lab_power_on n1
check_spread "n1 powered on"
echo "  power-on to spread: $(($(lab_now_ms) - t0)) ms"

lab_stop_agent n1
lab_stop_agent n2
[[ $(lab_vrrp_count "$VIPS" n1 n2) == "0 0" ]] ||
    fail "VIPs left after both agents stopped: $(lab_vrrp_count "$VIPS" n1 n2)"
pass "both agents stopped: no VIP left"
