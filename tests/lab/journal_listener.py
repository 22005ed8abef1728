#!/usr/bin/env python3
"""A stand-in for journald's native socket, for tests: binds SOCKET (AF_UNIX datagrams, as
/run/systemd/journal/socket) and writes each entry it receives to OUT as one JSON object
per line, {"FIELD": "value", ...} (a field sent twice keeps its first value and lists the
rest under "FIELD+"). It decodes the native protocol of systemd's journal-native docs:
"NAME=value\\n", or "NAME\\n" + 64-bit little-endian length + the bytes + "\\n" for values
with newlines; a large entry arrives as a memfd passed with SCM_RIGHTS. Touch READY once
bound. Runs until killed."""
import array
import json
import os
import socket
import struct
import sys


def parse(data):
    fields, i = {}, 0
    while i < len(data):
        nl = data.index(b"\n", i)
        line = data[i:nl]
        if b"=" in line:
            key, value = line.split(b"=", 1)
            i = nl + 1
        else:
            key = line
            (size,) = struct.unpack("<Q", data[nl + 1:nl + 9])
            value = data[nl + 9:nl + 9 + size]
            i = nl + 9 + size + 1
        k, v = key.decode(), value.decode("utf-8", "replace")
        if k in fields:
            fields.setdefault(k + "+", []).append(v)
        else:
            fields[k] = v
    return fields


def main():
    path, out_path = sys.argv[1], sys.argv[2]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    with open(out_path + ".ready", "w"):
        pass
    with open(out_path, "a", buffering=1) as out:
        while True:
            fds = array.array("i")
            data, anc, _, _ = sock.recvmsg(1 << 20, socket.CMSG_SPACE(fds.itemsize))
            for level, kind, payload in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
            for fd in fds:
                os.lseek(fd, 0, os.SEEK_SET)
                chunks = []
                while chunk := os.read(fd, 1 << 16):
                    chunks.append(chunk)
                os.close(fd)
                data = b"".join(chunks)
            out.write(json.dumps(parse(data)) + "\n")


if __name__ == "__main__":
    main()
