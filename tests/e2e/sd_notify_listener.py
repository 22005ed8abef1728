#!/usr/bin/env python3
"""A stand-in for systemd's notification socket (sd_notify(3)), for tests without systemd
as PID 1. Binds a unix datagram socket at PATH with SO_PASSCRED, so that every datagram
arrives with its sender's pid (SCM_CREDENTIALS, as systemd checks NotifyAccess= with), and
appends one JSON line per datagram to OUT: {"t_ms": wall clock ms, "pid": sender, "msg": text}.
Stops on SIGTERM or after --max-seconds (bounded, like every helper of the lab)."""
import argparse
import json
import signal
import socket
import struct
import sys
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("out")
    parser.add_argument("--max-seconds", type=float, default=180.0)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    sock.bind(args.path)
    sock.settimeout(0.2)
    creds_size = struct.calcsize("3i")
    deadline = time.monotonic() + args.max_seconds
    with open(args.out, "a", buffering=1) as out:
        while time.monotonic() < deadline:
            try:
                msg, ancdata, _, _ = sock.recvmsg(4096, socket.CMSG_SPACE(creds_size))
            except socket.timeout:
                continue
            pid = None
            for level, kind, data in ancdata:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    pid, _, _ = struct.unpack("3i", data[:creds_size])
            line = {"t_ms": time.time() * 1000.0, "pid": pid, "msg": msg.decode(errors="replace")}
            out.write(json.dumps(line) + "\n")


if __name__ == "__main__":
    main()
