#!/usr/bin/env python3
"""vrrp_log.py: when an agent's VRRP routers moved, from its log (logfmt, ts= UTC with ms).

Usage: vrrp_log.py LOG FROM_LINE
Reads LOG after line FROM_LINE (a line count taken before the fault) and prints one JSON
object with wall-clock ms (comparable with $EPOCHREALTIME): "masters" (vrrp_state events
to master), "first_master_ms", "last_master_ms", "vips_added", "first_vip_added_ms",
"last_vip_added_ms". bench/vrrp subtracts the fault's time to show where the failover time
goes: in the protocol's timers (first master), in handling the routers one after another
(last master - first master), or in adding the addresses (last vip_added).
"""
import datetime
import json
import re
import sys

TS = re.compile(r"^ts=(\S+)")


def wall_ms(line):
    m = TS.match(line)
    if not m:
        return None
    text = m.group(1).rstrip("Z")
    try:
        t = datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return None
    return round(t.timestamp() * 1000, 1)


def main():
    if len(sys.argv) != 3 or not sys.argv[2].isdigit():
        sys.exit("usage: vrrp_log.py LOG FROM_LINE")
    masters, added = [], []
    with open(sys.argv[1], errors="replace") as f:
        for number, line in enumerate(f, 1):
            if number <= int(sys.argv[2]):
                continue
            if " event=vrrp_state " in line and " to=master" in line:
                t = wall_ms(line)
                if t is not None:
                    masters.append(t)
            elif " event=vip_added " in line:
                t = wall_ms(line)
                if t is not None:
                    added.append(t)
    print(json.dumps({
        "masters": len(masters),
        "first_master_ms": min(masters, default=None),
        "last_master_ms": max(masters, default=None),
        "vips_added": len(added),
        "first_vip_added_ms": min(added, default=None),
        "last_vip_added_ms": max(added, default=None),
    }, separators=(",", ":")))


if __name__ == "__main__":
    main()
