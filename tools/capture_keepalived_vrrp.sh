#!/usr/bin/env bash
# Captures real keepalived VRRPv3 advertisements as test data for src/wire/vrrp_test.cc
# (tests/data/vrrp/, described in its README.md). Not run in CI: the files it writes are
# committed, so the unit tests need neither keepalived nor root. Run it again (as root)
# after a keepalived upgrade to check that nothing changed on the wire:
#
#   tools/capture_keepalived_vrrp.sh [OUTDIR]     (default tests/data/vrrp)
#
# How: the namespace lab of tests/lab/lab.sh (two nodes, one link). keepalived runs in n1
# (VRRP only, foreground) with three IPv4 instances (multicast, another VRID / priority /
# interval, unicast to n2) and two IPv6 ones (the second with a link-local VIP first); tcpdump listens on n2's eth0. After a few
# adverts keepalived gets SIGTERM, and as master of every instance it sends priority-0
# adverts before leaving (RFC 9568 §6.4.3). The pcap is then cut into one line per distinct
# packet: "SRC DST TTL HEX" (the IP payload, i.e. the VRRP message).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/tests/data/vrrp}
# shellcheck source=tests/lab/lab.sh
source "$root/tests/lab/lab.sh"
lab_skip_unless_root
for tool in keepalived tcpdump python3; do
    command -v "$tool" >/dev/null || { echo "capture: $tool is missing" >&2; exit 1; }
done

lab_create 2
mkdir -p "$out"
conf=$LAB_DIR/keepalived.conf
cat >"$conf" <<'EOF'
global_defs {
    router_id vigil_capture
    vrrp_version 3
    # No gratuitous ARP / NA repeats: only the adverts matter here.
    vrrp_garp_master_repeat 1
    vrrp_garp_master_refresh 0
}

vrrp_instance v4_multi {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 1
    virtual_ipaddress {
        198.18.0.10/24
        198.18.0.20/24
    }
}

vrrp_instance v4_fast {
    state MASTER
    interface eth0
    virtual_router_id 52
    priority 200
    advert_int 0.5
    virtual_ipaddress {
        198.18.0.21/24
    }
}

vrrp_instance v4_unicast {
    state MASTER
    interface eth0
    virtual_router_id 53
    priority 100
    advert_int 1
    unicast_src_ip 198.18.0.11
    unicast_peer {
        198.18.0.12
    }
    virtual_ipaddress {
        198.18.0.22/24
    }
}

vrrp_instance v6_multi {
    state MASTER
    interface eth0
    virtual_router_id 61
    priority 120
    advert_int 1
    virtual_ipaddress {
        fd00:18::10/64
        fd00:18::20/64
    }
}

# RFC 9568 §5.2.9: an IPv6 router's first address is its link-local one.
vrrp_instance v6_link_local {
    state MASTER
    interface eth0
    virtual_router_id 62
    priority 254
    advert_int 0.3
    virtual_ipaddress {
        fe80::62/64
        fd00:18::62/64
    }
}
EOF

pcap=$LAB_DIR/keepalived.pcap
lab_start_bg n2 "$LAB_DIR/tcpdump.log" tcpdump -i eth0 -n -U -s 0 -w "$pcap" \
    'ip proto 112 or ip6 proto 112'
tcpdump_pid=$LAB_LAST_PID
lab_wait_for 5000 grep -q "listening on" "$LAB_DIR/tcpdump.log" ||
    { cat "$LAB_DIR/tcpdump.log" >&2; echo "capture: tcpdump did not start" >&2; exit 1; }

# -P: the VRRP subsystem only; -n: foreground, so that the PID we hold is keepalived's.
lab_start_bg n1 "$LAB_DIR/keepalived.log" keepalived -n -l -D -P -f "$conf" \
    -p "$LAB_DIR/keepalived.pid" -r "$LAB_DIR/vrrp.pid"
keepalived_pid=$LAB_LAST_PID
sleep 5  # a few adverts of every instance (intervals 0.3 s to 1 s; masters after ~3.5 s)
lab_stop_pid "$keepalived_pid" 10000 TERM  # graceful: priority-0 adverts on the way out
sleep 0.5
lab_stop_pid "$tcpdump_pid" 5000 INT

version=$(keepalived -v 2>&1 | sed -n 1p)  # sed reads all: no SIGPIPE under pipefail
cp "$pcap" "$out/keepalived.pcap"
cp "$conf" "$out/keepalived.conf"
python3 - "$pcap" "$out" "$version" <<'EOF'
import ipaddress, struct, sys
pcap, out, version = sys.argv[1:]
data = open(pcap, "rb").read()
magic = struct.unpack("<I", data[:4])[0]
assert magic == 0xa1b2c3d4, "want a little-endian microsecond pcap"
linktype = struct.unpack("<I", data[20:24])[0]
assert linktype == 1, "want Ethernet frames"
seen, lines = set(), {"v4": [], "v6": [], "priority0": []}
at = 24
while at + 16 <= len(data):
    incl = struct.unpack("<I", data[at + 8:at + 12])[0]
    frame = data[at + 16:at + 16 + incl]
    at += 16 + incl
    ethertype = struct.unpack("!H", frame[12:14])[0]
    ip = frame[14:]
    if ethertype == 0x0800:
        ihl = (ip[0] & 0x0f) * 4
        total = struct.unpack("!H", ip[2:4])[0]
        ttl, proto = ip[8], ip[9]
        src, dst = ipaddress.ip_address(ip[12:16]), ipaddress.ip_address(ip[16:20])
        payload = ip[ihl:total]
        family = "v4"
    elif ethertype == 0x86DD:
        plen = struct.unpack("!H", ip[4:6])[0]
        proto, ttl = ip[6], ip[7]
        src, dst = ipaddress.ip_address(ip[8:24]), ipaddress.ip_address(ip[24:40])
        payload = ip[40:40 + plen]
        family = "v6"
    else:
        continue
    if proto != 112:
        continue
    line = f"{src} {dst} {ttl} {payload.hex()}"
    if line in seen:
        continue  # a master repeats the same advert every interval
    seen.add(line)
    lines["priority0" if payload[2] == 0 else family].append(line)
header = (f"# Captured by tools/capture_keepalived_vrrp.sh from {version}"
          " (config: keepalived.conf, pcap: keepalived.pcap).\n"
          "# One distinct packet per line: IP source, IP destination, TTL / hop limit,"
          " the IP payload in hex.\n")
for name, found in lines.items():
    assert found, f"no {name} packets captured"
    with open(f"{out}/keepalived_{name}.txt", "w") as f:
        f.write(header + "".join(l + "\n" for l in found))
    print(f"capture: {len(found)} {name} packets -> {out}/keepalived_{name}.txt")
EOF
