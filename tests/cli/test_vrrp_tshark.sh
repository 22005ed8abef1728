#!/usr/bin/env bash
# VRRPv3 adverts made by vigil's encoder, read by an independent dissector: tshark must
# find nothing malformed and no expert warning, show every VRRP checksum as correct
# (Checksum Status: Good, i.e. it computed the RFC 9568 §5.2.8 pseudo-header sum itself),
# and read back version 3 and the VRID, priority, interval and addresses we wrote.
# Usage: test_vrrp_tshark.sh PATH/TO/vigil-vrrp-pcap   (skips, 77, without tshark)
set -euo pipefail
tool=${1:?usage: test_vrrp_tshark.sh PATH/TO/vigil-vrrp-pcap}
if ! command -v tshark >/dev/null; then
    echo "skipped: tshark is not installed"
    exit 77
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/vigil-vrrp-tshark.XXXXXX")
trap 'rm -rf "$dir"' EXIT
pcap=$dir/vrrp.pcap
"$tool" "$pcap"

fail=0
check() {  # DESCRIPTION WANT GOT
    if [[ $2 != "$3" ]]; then
        echo "FAIL: $1"
        echo "  want: $2"
        echo "  got:  $3"
        fail=1
    else
        echo "ok: $1"
    fi
}

# tshark's defaults already say VRRPv3 checksums include the pseudo-header
# (vrrp.v3_checksum_as_in_v2: FALSE); set it anyway so that a changed default cannot make
# this test pass for the wrong reason. The IPv4 header checksum is checked too.
opts=(-o vrrp.v3_checksum_as_in_v2:FALSE -o ip.check_checksum:TRUE)
export HOME=$dir  # tshark reads and writes its profile under $HOME; keep it out of ours
run() { tshark -n -r "$pcap" "${opts[@]}" "$@" 2>"$dir/stderr"; }

# Few tshark runs: each one costs a second or two of start-up.
run -V >"$dir/verbose"
check "packets read" 6 "$(grep -c '^Frame [0-9]' "$dir/verbose")"
check "every packet is VRRP" 6 "$(grep -c '^Virtual Router Redundancy Protocol$' "$dir/verbose")"
check "-V says every checksum is [correct]" 6 \
    "$(grep -cE '^ +Checksum: 0x[0-9a-f]{4} \[correct\]$' "$dir/verbose")"
check "nothing malformed, no expert warning or error" "" \
    "$(run -Y '_ws.malformed || _ws.expert.severity >= "Warning"')"

fields=(-T fields -E 'separator=|' -E 'aggregator=,' -e ip.src -e ipv6.src -e ip.dst -e ipv6.dst
        -e ip.ttl -e ipv6.hlim -e vrrp.version -e vrrp.type -e vrrp.virt_rtr_id -e vrrp.prio
        -e vrrp.addr_count -e vrrp.short_adver_int -e vrrp.ip_addr -e vrrp.ipv6_addr
        -e vrrp.checksum.status -e ip.checksum.status)
mapfile -t got < <(run "${fields[@]}")
many=$(seq -s, -f '198.18.1.%g' 1 85)
# The last two fields: VRRP checksum status, IPv4 header checksum status; 1 = Good.
want=(
    "198.18.0.11||224.0.0.18||255||3|1|51|150|2|100|198.18.0.10,198.18.0.20||1|1"
    "198.18.0.11||198.18.0.12||255||3|1|53|100|1|100|198.18.0.22||1|1"
    "198.18.0.11||224.0.0.18||255||3|1|52|0|1|4095|198.18.0.21||1|1"
    "|fe80::11||ff02::12||255|3|1|61|120|2|100||fe80::61,fd00:18::10|1|"
    "|fe80::11||ff02::12||255|3|1|255|255|1|1||fe80::ff|1|"
    "198.18.0.11||224.0.0.18||255||3|1|1|1|85|30|$many||1|1"
)
for i in "${!want[@]}"; do
    check "packet $((i + 1)): addresses, TTL, version, type, VRID, priority, count, interval, VIPs, checksums" \
        "${want[$i]}" "${got[$i]:-}"
done

# The checks above can fail: the same file with one VIP byte changed is caught.
cp "$pcap" "$dir/good.pcap"
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[-1] ^= 1; open(sys.argv[1], "wb").write(b)' "$pcap"
check "a corrupted advert: checksum status Bad (0), an expert warning or error" "6|0" \
    "$(run -Y '_ws.expert.severity >= "Warning"' -T fields -E 'separator=|' -e frame.number -e vrrp.checksum.status)"
mv "$dir/good.pcap" "$pcap"

if grep -qv "Running as user" "$dir/stderr"; then
    echo "tshark said on stderr:"
    grep -v "Running as user" "$dir/stderr"
fi
if [[ $fail -ne 0 ]]; then
    echo "--- tshark -V ---"
    head -n 120 "$dir/verbose"
    exit 1
fi
echo "vrrp_tshark: all checks passed"
