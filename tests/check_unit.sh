#!/usr/bin/env bash
# Verifies packaging/vigil.service with `systemd-analyze verify` (no systemd as PID 1 needed):
# the unit is copied with /usr/sbin/vigil replaced by the build's binary (VIGIL_BIN), since
# verify checks that every Exec command exists. Any diagnostic at all fails the test (an
# unknown key is only a warning to systemd). Then the lines docs/systemd.md relies on are
# checked to be there. Exit 77 (skipped) without systemd-analyze.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
unit=$root/packaging/vigil.service
bin=${VIGIL_BIN:?VIGIL_BIN names the vigil binary}
if ! command -v systemd-analyze >/dev/null; then
    echo "skip: systemd-analyze is not installed (Debian package systemd)"
    exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s|/usr/sbin/vigil|$bin|g" "$unit" >"$dir/vigil.service"
if ! out=$(systemd-analyze verify --man=no "$dir/vigil.service" 2>&1) || [[ -n $out ]]; then
    echo "FAIL: systemd-analyze verify on $unit:"
    echo "$out"
    exit 1
fi
# The behaviour docs/systemd.md describes depends on these lines.
for line in "Type=notify" "NotifyAccess=all" "WatchdogSec=" "Restart=on-failure" \
    "RuntimeDirectory=vigil" "StateDirectory=vigil" "KillMode=mixed" "ProtectSystem=strict" \
    "ExecStart=/usr/sbin/vigil agent --config /etc/vigil/vigil.toml" \
    "ExecReload=/usr/sbin/vigil reload" \
    "ExecStopPost=-/usr/sbin/vigil cleanup-vips --config /etc/vigil/vigil.toml" \
    "CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW" \
    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK AF_PACKET"; do
    grep -q -- "^$line" "$unit" || { echo "FAIL: $unit lacks '$line'"; exit 1; }
done
# The agent pings at half WatchdogSec: the watchdog must be well above a heartbeat's jitter.
wd=$(sed -n 's/^WatchdogSec=\([0-9]*\)s$/\1/p' "$unit")
[[ -n $wd ]] && ((wd >= 2)) || { echo "FAIL: WatchdogSec must be whole seconds >= 2s"; exit 1; }
echo "ok: systemd-analyze verify found nothing in $unit"
