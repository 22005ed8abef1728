#!/usr/bin/env bash
# The control socket survives bad clients: malformed and mistyped requests get a clear
# {"ok":false} and idle connections are dropped after 1 s, so `vigil status` keeps working.
# A second agent started for the same node fails at start-up without touching the VIPs.
source "$(dirname "$0")/lib.sh"
start_cluster 2 --two-node true
sock=$LAB_DIR/n1.sock

ask() { python3 - "$sock" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(3); s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n"); print(s.recv(65536).decode().strip())
PY
}
for req in 'not json' '[]' '{"cmd":7}' '{"cmd":"status","verbose":1}' '{"cmd":"dance"}' \
        '{"cmd":"switchover"}' '{"cmd":"switchover","group":"northbound","to":5}' \
        '{"cmd":"standby","on":"yes"}'; do
    reply=$(ask "$req") || fail "no reply to $req"
    [[ $(jq -r .ok <<<"$reply") == false ]] || fail "accepted $req: $reply"
    [[ -n $(jq -r .error <<<"$reply") ]] || fail "no error text for $req"
done
pass "bad requests refused with a reason"

# 40 idle connections (more than the 32 slots), held open for 2 s.
python3 - "$sock" "$LAB_DIR/idle.ready" <<'PY' &
import socket, sys, time
conns = []
for _ in range(40):
    s = socket.socket(socket.AF_UNIX)
    try: s.connect(sys.argv[1]); conns.append(s)
    except OSError: pass
open(sys.argv[2], "w").close()
time.sleep(2.5)
PY
idle=$!
lab_wait_for 5000 test -e "$LAB_DIR/idle.ready" || fail "idle clients did not connect"
sleep 1.2  # the agent drops idle clients after 1 s
lab_vigil n1 status >/dev/null || fail "status locked out by idle connections"
wait "$idle" || true
is_primary n1 || fail "agent lost its role"
pass "idle connections do not lock the CLI out"

# A duplicate agent for n1 (same socket and port) fails and leaves n1's VIPs alone.
if lab_exec n1 "$VIGIL_BIN" agent --config "$LAB_DIR/vigil.toml" --node n1 \
        --socket "$LAB_DIR/dup.sock" >"$LAB_DIR/dup.log" 2>&1; then
    fail "duplicate agent started"
fi
grep -q 'event=agent_start_failed' "$LAB_DIR/dup.log" || fail "no start failure logged"
grep -q 'event=vip_removed' "$LAB_DIR/dup.log" && fail "duplicate's supervisor removed VIPs"
lab_has_vip n1 198.18.0.10 || fail "VIP gone after duplicate start"
pass "duplicate agent refused without touching the VIPs"
