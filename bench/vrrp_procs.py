#!/usr/bin/env python3
"""vrrp_procs.py: CPU % and RSS of process trees over a window, for bench/vrrp.

Usage: vrrp_procs.py --window-ms MS NAME=PID[,PID...]...
Prints one JSON object: per NAME {"cpu_pct", "rss_mib", "processes"}.

For each NAME the tree is the given PIDs and all their descendants (found by walking
/proc/*/stat parent links, at the start and again at the end, so a child started in the
window counts from when it was first seen). CPU % = the sum of utime + stime (fields 14
and 15 of /proc/PID/stat, in clock ticks) at the end minus at the start, over the wall
time of the window, x 100: 100 % is one core busy. A process that exits in the window
contributes what it had used when last seen. RSS = the sum of VmRSS (/proc/PID/status) at
the end of the window, in MiB (shared pages count once per process, as `ps` does).
"""
import argparse
import json
import os
import sys
import time

TICKS = os.sysconf("SC_CLK_TCK")


def stat_of(pid):
    """(ppid, utime + stime) of a PID, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # fields from 3 on: state, ppid, ...
    return int(fields[1]), int(fields[11]) + int(fields[12])


def children_map():
    kids = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = stat_of(int(entry))
            if st is not None:
                kids.setdefault(st[0], []).append(int(entry))
    return kids


def tree(roots):
    kids, out, todo = children_map(), set(), list(roots)
    while todo:
        pid = todo.pop()
        if pid not in out and stat_of(pid) is not None:
            out.add(pid)
            todo.extend(kids.get(pid, []))
    return out


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--window-ms", type=int, required=True)
    parser.add_argument("targets", nargs="+", help="NAME=PID[,PID...]")
    args = parser.parse_args()
    roots = {}
    for t in args.targets:
        name, _, pids = t.partition("=")
        try:
            roots[name] = [int(p) for p in pids.split(",") if p]
        except ValueError:
            sys.exit(f"vrrp_procs: '{t}' is not NAME=PID[,PID...]")
        if not roots[name]:
            sys.exit(f"vrrp_procs: no PID for {name}")
    if not 100 <= args.window_ms <= 600000:
        sys.exit("vrrp_procs: --window-ms is 100..600000")

    start_ticks, last_ticks = {}, {}
    for name, pids in roots.items():
        for pid in tree(pids):
            st = stat_of(pid)
            if st is not None:
                start_ticks[(name, pid)] = last_ticks[(name, pid)] = st[1]
    t0 = time.monotonic()
    time.sleep(args.window_ms / 1000)
    wall = time.monotonic() - t0
    out = {}
    for name, pids in roots.items():
        procs = tree(pids)
        rss = 0
        for pid in procs:
            st = stat_of(pid)
            if st is None:
                continue
            last_ticks[(name, pid)] = st[1]
            start_ticks.setdefault((name, pid), st[1])  # new in the window: nothing counted
            rss += rss_kib(pid)
        used = sum(last_ticks[k] - start_ticks[k] for k in last_ticks if k[0] == name)
        out[name] = {"cpu_pct": round(used / TICKS / wall * 100, 2),
                     "rss_mib": round(rss / 1024, 1), "processes": len(procs)}
    print(json.dumps(out, separators=(",", ":")))


if __name__ == "__main__":
    main()
