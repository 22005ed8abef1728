#!/usr/bin/env python3
"""vip_watch.py: samples which lab namespaces hold an address, to prove that two nodes
never hold a VIP at the same instant. Used by tests/lab/lab.sh (lab_watch_start).

Usage: vip_watch.py --vip ADDR --duration-ms MS [--interval-ms MS] [--ready FILE] NAME=NETNS...
(--ready: created once the first sample is taken.)

Every interval it asks each namespace's kernel for its addresses (one RTM_GETADDR dump per
namespace over a netlink socket opened inside it) and records who holds ADDR. On SIGTERM or
at the end of the duration it prints one JSON object: the number of samples, how many had
two or more holders, when the first such overlap was, per name the number of samples in
which it held ADDR, and every change (who, held or not, when), with times in ms of the
wall clock (time.time(), comparable with the shell's $EPOCHREALTIME).

Why netlink and not `ip addr` in a shell loop: two forks per sample, every 5 ms, would take a
good part of one of the two cores the tests run on, and delay the agents being measured. A
dump costs well under a millisecond. Why a sampler at all, and not `ip monitor`: the sample
is what the tests promise (every instant sampled shows at most one holder), and it also
catches an address that was never added through an event we would have seen.

Bounded: at most --duration-ms (capped at 120 s) and at most 20000 changes recorded.
"""
import argparse
import ctypes
import ipaddress
import json
import os
import signal
import socket
import struct
import sys
import time

CLONE_NEWNET = 0x40000000
RTM_GETADDR = 22
RTM_NEWADDR = 20
NLMSG_DONE = 3
NLMSG_ERROR = 2
NLM_F_REQUEST = 0x1
NLM_F_DUMP = 0x300
IFA_ADDRESS = 1
IFA_LOCAL = 2
DURATION_MS_MAX = 120000
CHANGES_MAX = 20000

stop = False


def on_signal(_signo, _frame):
    global stop
    stop = True


def netns_socket(libc, netns):
    """A NETLINK_ROUTE socket that lives in namespace `netns` (a socket keeps the namespace
    it was created in; we return to our own namespace at once)."""
    path = netns if netns.startswith("/") else None
    if path is None:
        for base in ("/run/netns", "/var/run/netns"):
            if os.path.exists(os.path.join(base, netns)):
                path = os.path.join(base, netns)
                break
    if path is None:
        sys.exit(f"vip_watch: no namespace {netns}")
    own = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(target, CLONE_NEWNET) != 0:
            sys.exit(f"vip_watch: setns {netns}: errno {ctypes.get_errno()}")
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
        sock.bind((0, 0))
    finally:
        libc.setns(own, CLONE_NEWNET)
        os.close(target)
        os.close(own)
    return sock


def holds(sock, seq, family, want):
    """True if the namespace behind `sock` has address `want` (packed bytes)."""
    req = struct.pack("=LHHLL", 16 + 8, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, seq, 0)
    req += struct.pack("=BBBBL", family, 0, 0, 0, 0)
    sock.send(req)
    found = False
    while True:
        data = sock.recv(65536)
        off = 0
        while off + 16 <= len(data):
            length, kind, _flags, msg_seq, _pid = struct.unpack_from("=LHHLL", data, off)
            if length < 16:
                return found
            if msg_seq == seq:
                if kind in (NLMSG_DONE, NLMSG_ERROR):
                    return found
                if kind == RTM_NEWADDR:
                    attr = off + 16 + 8
                    end = off + length
                    while attr + 4 <= end:
                        alen, atype = struct.unpack_from("=HH", data, attr)
                        if alen < 4:
                            break
                        if atype in (IFA_ADDRESS, IFA_LOCAL) and data[attr + 4:attr + alen] == want:
                            found = True
                        attr += (alen + 3) & ~3
            off += (length + 3) & ~3


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vip", required=True)
    parser.add_argument("--duration-ms", type=int, required=True)
    parser.add_argument("--interval-ms", type=float, default=5)
    parser.add_argument("--ready", help="created after the first sample")
    parser.add_argument("targets", nargs="+", help="NAME=NETNS")
    args = parser.parse_args()
    vip = ipaddress.ip_address(args.vip.split("/")[0])
    family = socket.AF_INET if vip.version == 4 else socket.AF_INET6
    want = vip.packed
    libc = ctypes.CDLL(None, use_errno=True)
    names, socks = [], []
    for t in args.targets:
        name, _, netns = t.partition("=")
        names.append(name)
        socks.append(netns_socket(libc, netns))
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    interval = max(args.interval_ms, 0.5) / 1000
    deadline = time.monotonic() + min(args.duration_ms, DURATION_MS_MAX) / 1000
    samples = overlap = 0
    first_overlap_ms = None
    held = {n: 0 for n in names}
    state = {n: None for n in names}
    changes = []
    max_gap_ms = 0.0
    last = None
    seq = 1
    start_ms = time.time() * 1000
    while not stop and time.monotonic() < deadline:
        now = time.monotonic()
        if last is not None:
            max_gap_ms = max(max_gap_ms, (now - last) * 1000)
        last = now
        wall_ms = time.time() * 1000
        holders = []
        for name, sock in zip(names, socks):
            seq += 1
            try:
                has = holds(sock, seq, family, want)
            except OSError as e:  # the namespace went away: the lab is being removed
                print(f"vip_watch: {name}: {e}", file=sys.stderr)
                has = False
            if has:
                holders.append(name)
                held[name] += 1
            if has != state[name]:
                state[name] = has
                if len(changes) < CHANGES_MAX:
                    changes.append({"t_ms": round(wall_ms, 1), "node": name, "holds": has})
        samples += 1
        if samples == 1 and args.ready:
            open(args.ready, "w").close()
        if len(holders) > 1:
            overlap += 1
            if first_overlap_ms is None:
                first_overlap_ms = round(wall_ms, 1)
        time.sleep(max(0.0, interval - (time.monotonic() - now)))
    print(json.dumps({
        "vip": str(vip), "start_ms": round(start_ms, 1), "samples": samples,
        "overlap_samples": overlap, "first_overlap_ms": first_overlap_ms,
        "max_sample_gap_ms": round(max_gap_ms, 1), "held_samples": held,
        "changes": changes,
    }, separators=(",", ":")))


if __name__ == "__main__":
    main()
