#!/usr/bin/env bash
# Forged, malformed, oversized and replayed heartbeats are dropped and counted; the agent
# keeps running and nothing changes roles. A replay is a real heartbeat captured on the
# wire and sent again from the real peer's address.
source "$(dirname "$0")/lib.sh"
start_cluster 2 --two-node true
epoch=$(status_field n1 '.groups[0].epoch')

# Capture three real heartbeats from n2 to n1 on link 0.
pcap=$LAB_DIR/hb.pcap
lab_exec n1 timeout 5 tcpdump -i eth0 -c 3 -w "$pcap" -U \
    'udp and src host 198.18.0.12 and dst port 7405' >/dev/null 2>&1 ||
    fail "could not capture heartbeats"

lab_exec n2 python3 - "$pcap" <<'PY' || fail "sender script failed"
import os, random, socket, struct, sys, time
data = open(sys.argv[1], "rb").read()
off, payloads = 24, []
while off + 16 <= len(data):
    incl = struct.unpack("<I", data[off + 8:off + 12])[0]
    frame = data[off + 16:off + 16 + incl]
    off += 16 + incl
    ihl = (frame[14] & 0x0F) * 4
    payloads.append(frame[14 + ihl + 8:])
assert payloads, "no heartbeat captured"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.0.12", 0))           # the real peer's address, another port
dst = ("198.18.0.11", 7405)
rnd = random.Random(7)
for p in payloads:                   # replays: valid HMAC, old sequence numbers
    for _ in range(3):
        s.sendto(p, dst)
for i in range(200):                 # forged: one byte flipped (HMAC no longer matches)
    p = bytearray(payloads[0]); p[rnd.randrange(len(p))] ^= 0xFF
    s.sendto(bytes(p), dst)
    time.sleep(0.0005)               # paced: measure the agent, not the socket buffer
for i in range(200):                 # garbage of every size, and empty datagrams
    s.sendto(os.urandom(rnd.randrange(0, 2000)), dst)
    time.sleep(0.0005)
s.sendto(b"\0" * 60000, dst)         # oversized
PY
sleep 0.3
json=$(lab_vigil n1 status -v --json)
replays=$(jq .counters.replays_rejected <<<"$json")
auth=$(jq .counters.auth_failures <<<"$json")
malformed=$(jq .counters.malformed <<<"$json")
echo "rejected: replays=$replays auth_failures=$auth malformed=$malformed"
((replays >= 9)) || fail "replays not rejected ($replays)"
received=$(jq .counters.datagrams_received <<<"$json")
accepted=$(jq .counters.heartbeats_accepted <<<"$json")
# The kernel may drop some of the burst (socket buffer); every one that reached the agent
# and was not a genuine heartbeat must be counted as rejected.
((received - accepted == replays + auth + malformed)) ||
    fail "rejections do not add up: received $received, accepted $accepted"
((auth + malformed >= 300)) || fail "too few forged datagrams seen ($auth + $malformed)"
((auth >= 1)) || fail "no auth failure counted"
[[ $(jq -r '.groups[0].role' <<<"$json") == primary ]] || fail "n1 lost its role"
[[ $(jq -r '.groups[0].epoch' <<<"$json") == "$epoch" ]] || fail "epoch changed"
[[ $(jq -r '.peers[0].alive' <<<"$json") == true ]] || fail "peer n2 no longer alive"
grep -q 'event=auth_failed' "$LAB_DIR/n1.log" || fail "auth failure not logged"
n=$(grep -c 'event=auth_failed' "$LAB_DIR/n1.log")
((n <= 10)) || fail "auth failure logs not rate-limited ($n lines)"
pass "replays, forgeries and garbage rejected; n1 still primary at epoch $epoch"
