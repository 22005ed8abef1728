#!/usr/bin/env python3
"""echo_service: the sample managed service of the lab (tests, demo, bench).

A TCP server that answers every connection with one line, the name of the node it runs
on, and closes it. A client connecting to a VIP thus learns which node served it:
`vigil-probe --target VIP --tcp-port PORT` measures the longest stretch without an answer
and the sequence of answering nodes during a failover.

    echo_service.py --port 7000 [--address ADDR] [--node NAME] [--pidfile FILE]

The node name comes from --node, else $VIGIL_NODE (set by vigil for resource commands),
else the host name. --address defaults to every IPv4 and IPv6 address ("::", dual stack);
a specific address may be one that is not (yet) on the host, such as a VIP (the socket is
bound with IP_FREEBIND). SIGTERM and SIGINT close the listening socket and exit 0, so a
stop is quick and clean; --pidfile is written once listening and removed on the way out.
Python 3 standard library only.
"""

import argparse
import os
import signal
import socket
import sys

# Linux values; older Pythons lack the names.
IP_FREEBIND = getattr(socket, "IP_FREEBIND", 15)
IPV6_FREEBIND = 78
BACKLOG = 128
NODE_BYTES_MAX = 63  # what vigil-probe accepts as an answer


class Stop(Exception):
    """Raised by the signal handler to leave accept() at once."""


def on_signal(signum, _frame):
    raise Stop(signal.Signals(signum).name)


def parse_args(argv):
    p = argparse.ArgumentParser(description="Answer each TCP connection with NODE\\n.")
    p.add_argument("--port", type=int, required=True, help="TCP port to listen on")
    p.add_argument("--address", default="::",
                   help="address to bind (default '::': every IPv4 and IPv6 address)")
    p.add_argument("--node", default="", help="name to answer (default: $VIGIL_NODE, host name)")
    p.add_argument("--pidfile", default="", help="write our PID here once listening")
    args = p.parse_args(argv)
    if not 1 <= args.port <= 65535:
        p.error("--port is 1..65535")
    args.node = args.node or os.environ.get("VIGIL_NODE", "") or socket.gethostname()
    if len(args.node.encode()) > NODE_BYTES_MAX or "\n" in args.node:
        p.error("the node name must be one line of at most %d bytes" % NODE_BYTES_MAX)
    return args


def listen(address, port):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        if address == "::":
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        else:
            sock.setsockopt(socket.IPPROTO_IPV6, IPV6_FREEBIND, 1)
    elif address != "0.0.0.0":
        sock.setsockopt(socket.IPPROTO_IP, IP_FREEBIND, 1)
    sock.bind((address, port))
    sock.listen(BACKLOG)
    return sock


def answer(conn, line):
    try:
        conn.sendall(line)
        conn.shutdown(socket.SHUT_WR)
    except OSError:
        pass  # the client gave up (reset, timed out): nothing to do
    finally:
        conn.close()


def main(argv):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    line = (args.node + "\n").encode()
    try:
        sock = listen(args.address, args.port)
    except Stop:
        return 0
    except OSError as e:
        print("echo_service: cannot listen on [%s]:%d: %s" % (args.address, args.port, e),
              file=sys.stderr, flush=True)
        return 1
    try:
        if args.pidfile:
            with open(args.pidfile + ".tmp", "w") as f:
                f.write("%d\n" % os.getpid())
            os.replace(args.pidfile + ".tmp", args.pidfile)
        print("echo_service: pid %d answering %s on [%s]:%d" %
              (os.getpid(), args.node, args.address, args.port), file=sys.stderr, flush=True)
        while True:
            conn, _ = sock.accept()
            answer(conn, line)
    except Stop as why:
        print("echo_service: %s, exiting" % why, file=sys.stderr, flush=True)
    finally:
        # Ignore further signals while closing: a second SIGTERM must not leave the pidfile.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        sock.close()
        if args.pidfile:
            try:
                os.unlink(args.pidfile)
            except OSError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
