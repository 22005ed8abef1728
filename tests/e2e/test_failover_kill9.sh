#!/usr/bin/env bash
# kill -9 of the primary's agent: the survivor takes over, and the dead agent's VIPs are gone
# from its node within one dead time (its supervising parent removes them), so the two nodes
# never both answer for the address.
source "$(dirname "$0")/lib.sh"
start_cluster 2 --two-node true
pid=$(agent_pid n1)
[[ -n $pid && $pid != "$(lab_agent_pid n1)" ]] || fail "no agent pid (got '$pid')"

t0=$(lab_now_ms)
kill -9 "$pid"
lab_wait_for 250 bash -c "! ip -n $(lab_ns n1) -o addr show | grep -q ' 198.18.0.10/'" ||
    fail "n1 still holds the VIP 250 ms after kill -9"
gone_ms=$(($(lab_now_ms) - t0))
lab_wait_for 2000 is_primary n2 || fail "n2 did not take over"
took_ms=$(($(lab_now_ms) - t0))
lab_has_vip n1 fd00:18::10 && fail "n1 still holds the IPv6 VIP"
grep -q 'event=agent_died' "$LAB_DIR/n1.log" || fail "supervisor did not log the death"
client_ping 198.18.0.10 || fail "VIP unreachable after kill -9 failover"
pass "VIPs gone from n1 after ${gone_ms} ms; n2 primary after ${took_ms} ms"
