#!/usr/bin/env python3
"""vrrp_vips.py: how many of a list of VIPs each lab namespace holds, sampled through
netlink. Used by bench/vrrp and tests/e2e/test_vrrp_many.sh (through tests/lab/vrrp.sh).

Usage:
  vrrp_vips.py --vips FILE NAME=NETNS...
      one sample; prints {"counts": {NAME: n}, "held": {NAME: [line indexes]}} (JSON)
  vrrp_vips.py --vips FILE --until NAME=COUNT[,NAME=COUNT...] [--timeout-ms MS]
               [--interval-ms MS] [--ready FILE] NAME=NETNS...
      samples every MS (default 2) until every NAME holds exactly COUNT of the VIPs, or
      the timeout (default 30000, at most 300000) passes; prints one JSON object:
      start_ms, reached_ms (null on timeout), samples, max_sample_gap_ms, the counts of
      the last sample, and for the first NAME of --until the wall-clock ms at which it first
      held at least 1, 50 %, 90 % and 100 % of its COUNT (so a failover's spread shows).
      --ready FILE is created once the first sample is taken.
  vrrp_vips.py --vips FILE --serve FIFO NAME=NETNS...
      the same, as commands read from FIFO (see serve() below): a benchmark round then
      costs no interpreter start-up, which takes a second or more on a loaded machine.
FILE holds one address per line (a /len suffix is ignored). Times are wall-clock ms
(time.time()), comparable with the shell's $EPOCHREALTIME.

Why netlink: counting 1000 VIPs with `ip addr` in a shell loop every 2 ms would fork twice
per sample and take a core away from the daemons being measured. Here one sample is one
RTM_GETADDR dump per namespace (all families at once) over a socket opened inside it;
with 1000 VIPs on a node that is about 100 KiB of messages, parsed in ~1 ms.
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
TIMEOUT_MS_MAX = 300000

stop = False


def on_signal(_signo, _frame):
    global stop
    stop = True


def netns_socket(libc, netns):
    """A NETLINK_ROUTE socket living in namespace `netns` (we return to ours at once)."""
    path = netns if netns.startswith("/") else None
    for base in ("/run/netns", "/var/run/netns"):
        if path is None and os.path.exists(os.path.join(base, netns)):
            path = os.path.join(base, netns)
    if path is None:
        sys.exit(f"vrrp_vips: no namespace {netns}")
    own = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(target, CLONE_NEWNET) != 0:
            sys.exit(f"vrrp_vips: setns {netns}: errno {ctypes.get_errno()}")
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        sock.bind((0, 0))
    finally:
        libc.setns(own, CLONE_NEWNET)
        os.close(target)
        os.close(own)
    return sock


def held_indexes(sock, seq, index_of):
    """The set of VIP indexes (into the file) that the namespace behind `sock` holds."""
    req = struct.pack("=LHHLL", 16 + 8, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, seq, 0)
    req += struct.pack("=BBBBL", socket.AF_UNSPEC, 0, 0, 0, 0)
    sock.send(req)
    found = set()
    unpack_hdr = struct.Struct("=LHHL").unpack_from
    unpack_attr = struct.Struct("=HH").unpack_from
    while True:
        data = sock.recv(1 << 20)
        off = 0
        while off + 16 <= len(data):
            length, kind, _flags, msg_seq = unpack_hdr(data, off)
            if length < 16:
                return found
            if msg_seq == seq:
                if kind in (NLMSG_DONE, NLMSG_ERROR):
                    return found
                if kind == RTM_NEWADDR:
                    attr, end = off + 24, off + length
                    # Fast path: the kernel puts IFA_ADDRESS first (inet_fill_ifaddr,
                    # inet6_fill_ifaddr); one lookup per address instead of an attribute walk.
                    alen, atype = unpack_attr(data, attr)
                    if atype == IFA_ADDRESS and alen >= 4:
                        i = index_of.get(data[attr + 4:attr + alen])
                        if i is not None:
                            found.add(i)
                        off += (length + 3) & ~3
                        continue
                    while attr + 4 <= end:
                        alen, atype = unpack_attr(data, attr)
                        if alen < 4:
                            break
                        if atype in (IFA_ADDRESS, IFA_LOCAL):
                            i = index_of.get(data[attr + 4:attr + alen])
                            if i is not None:
                                found.add(i)
                        attr += (alen + 3) & ~3
            off += (length + 3) & ~3


def parse_until(text, names):
    want = {}
    for part in text.split(","):
        name, _, count = part.partition("=")
        if name not in names or not count.isdigit():
            raise ValueError(f"bad --until part '{part}' (want NAME=COUNT, NAME one of"
                             f" {', '.join(names)})")
        want[name] = int(count)
    return want


def load_vips(path):
    index_of = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                index_of[ipaddress.ip_address(line.split("/")[0]).packed] = len(index_of)
    return index_of


class Sampler:
    def __init__(self, vips, targets):
        self.index_of = load_vips(vips)
        libc = ctypes.CDLL(None, use_errno=True)
        self.socks = {}
        for t in targets:
            name, _, netns = t.partition("=")
            if not netns:
                sys.exit(f"vrrp_vips: '{t}' is not NAME=NETNS")
            self.socks[name] = netns_socket(libc, netns)
        self.seq = 1

    def sample(self, names):
        out = {}
        for name in names:
            self.seq += 1
            out[name] = held_indexes(self.socks[name], self.seq, self.index_of)
        return out

    def once(self):
        held = self.sample(list(self.socks))
        return {"counts": {n: len(h) for n, h in held.items()},
                "held": {n: sorted(h) for n, h in held.items()}}

    def until(self, spec, timeout_ms, interval_ms, ready=None):
        """Samples the NAMEs of `spec` until they hold exactly their counts (see the top)."""
        want = parse_until(spec, list(self.socks))
        names = list(want)
        lead = names[0]
        marks = {"first_ms": 1, "half_ms": max(1, (want[lead] + 1) // 2),
                 "ninety_ms": max(1, -(-want[lead] * 9 // 10)), "all_ms": max(1, want[lead])}
        seen = {k: None for k in marks}
        interval = max(interval_ms, 0.5) / 1000
        deadline = time.monotonic() + min(timeout_ms, TIMEOUT_MS_MAX) / 1000
        start_ms = time.time() * 1000
        samples, max_gap, last, reached, counts = 0, 0.0, None, None, {}
        while not stop:
            now = time.monotonic()
            if last is not None:
                max_gap = max(max_gap, (now - last) * 1000)
            last = now
            wall_ms = time.time() * 1000  # the sample's start: the state was seen no earlier
            counts = {n: len(h) for n, h in self.sample(names).items()}
            samples += 1
            if samples == 1 and ready:
                open(ready, "w").close()
            for key, threshold in marks.items():
                if seen[key] is None and counts[lead] >= threshold:
                    seen[key] = round(wall_ms, 1)
            if all(counts[n] == c for n, c in want.items()):
                reached = round(wall_ms, 1)
                break
            if now >= deadline:
                break
            time.sleep(max(0.0, interval - (time.monotonic() - now)))
        return {"start_ms": round(start_ms, 1), "reached_ms": reached, "samples": samples,
                "max_sample_gap_ms": round(max_gap, 1), "counts": counts, "lead": lead,
                "lead_want": want[lead], **seen}


def write_atomic(path, obj):
    with open(path + ".tmp", "w") as f:
        f.write(json.dumps(obj, separators=(",", ":")) + "\n")
    os.rename(path + ".tmp", path)


def serve(sampler, fifo):
    """Commands, one a line, from FIFO until EOF or "quit"; each answer is a JSON file
    written atomically (renamed into place), so the shell waits for the file to appear:
      vips FILE                                    use FILE's VIPs from now on
      count OUT                                    one sample of every NAME
      until SPEC TIMEOUT_MS INTERVAL_MS READY OUT  as --until (READY: "-" for none)
    An error is answered as {"error": "..."} in OUT."""
    with open(fifo) as commands:
        for line in commands:
            words = line.split()
            if not words:
                continue
            if words[0] == "quit":
                return
            out = words[-1]
            try:
                if words[0] == "vips" and len(words) == 2:
                    sampler.index_of = load_vips(words[1])
                elif words[0] == "count" and len(words) == 2:
                    write_atomic(out, sampler.once())
                elif words[0] == "until" and len(words) == 6:
                    ready = None if words[4] == "-" else words[4]
                    write_atomic(out, sampler.until(words[1], int(words[2]), float(words[3]),
                                                    ready))
                else:
                    raise ValueError(f"bad command '{line.strip()}'")
            except (ValueError, OSError) as e:
                if words[0] != "vips":
                    write_atomic(out, {"error": str(e)})
                else:
                    print(f"vrrp_vips: {e}", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vips", required=True)
    parser.add_argument("--until")
    parser.add_argument("--timeout-ms", type=int, default=30000)
    parser.add_argument("--interval-ms", type=float, default=2)
    parser.add_argument("--ready")
    parser.add_argument("--serve", metavar="FIFO")
    parser.add_argument("targets", nargs="+", help="NAME=NETNS")
    args = parser.parse_args()
    sampler = Sampler(args.vips, args.targets)
    if args.serve:  # SIGTERM ends it as usual: it is killed only when the run is over
        serve(sampler, args.serve)
        return
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if args.until:
        try:
            result = sampler.until(args.until, args.timeout_ms, args.interval_ms, args.ready)
        except ValueError as e:
            sys.exit(f"vrrp_vips: {e}")
        print(json.dumps(result, separators=(",", ":")))
    else:
        print(json.dumps(sampler.once(), separators=(",", ":")))


if __name__ == "__main__":
    main()
