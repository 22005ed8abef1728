#!/usr/bin/env bash
# A VIP deleted from the primary's interface behind vigil's back is re-added and announced
# again, and logged; VIPs left on a node by an earlier run are removed when its agent starts
# as a standby.
source "$(dirname "$0")/lib.sh"
lab_skip_unless_root
lab_create 2
lab_write_config "$LAB_DIR/vigil.toml" --nodes 2 --two-node true
# Left-overs: n2 holds the VIP before any agent runs (a crash of an earlier run).
ip -n "$(lab_ns n2)" addr add 198.18.0.10/24 dev eth0
lab_start_agent n1
lab_start_agent n2
lab_wait_for 3000 is_primary n1 || fail "n1 not primary"
lab_wait_for 2000 only_holder 198.18.0.10 n1 || fail "n2 kept the left-over VIP"
grep -q 'event=vip_removed group=northbound vip=198.18.0.10/24.*left over' "$LAB_DIR/n2.log" ||
    fail "left-over removal not logged"

t0=$(lab_now_ms)
ip -n "$(lab_ns n1)" addr del 198.18.0.10/24 dev eth0
lab_wait_for 1500 lab_has_vip n1 198.18.0.10 || fail "deleted VIP not re-added"
echo "re-added after $(($(lab_now_ms) - t0)) ms"
grep -q 'event=vip_lost group=northbound vip=198.18.0.10/24' "$LAB_DIR/n1.log" ||
    fail "loss not logged"
[[ $(lab_vigil n1 status -v --json | jq .counters.vips_readded) -ge 1 ]] || fail "not counted"
client_ping 198.18.0.10 || fail "VIP unreachable after re-add"
pass "VIP defended; left-overs removed"
