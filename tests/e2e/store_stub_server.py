#!/usr/bin/env python3
"""A stand-in for vigil's store API (docs/store-api.md), for testing the checker itself.

It serves PUT/GET /v1/kv/{key} and GET /v1/kv?prefix=&limit=&start_after= with
Idempotency-Key replay, over HTTP/1.1 keep-alive, and can misbehave on purpose so that
tests/e2e/test_store_checker_stub.sh proves store_checker.py catches what it must:
  --lose-acked N         the Nth acknowledged write is answered 200 but never stored
  --duplicate N          the Nth write is also stored under a second key (KEY + "/dup")
  --fail-after-apply K   every Kth write is applied but answered 503 (the client retries with
                         the same Idempotency-Key and must get the first reply, replayed)
  --stuck N              the Nth write is applied, but it and every retry of it get 503: the
                         client gives up, and the write is "failed then applied"
Stdlib only. Listens on --host/--port; writes "ready" to --ready-file once listening.
"""
import argparse
import json
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Store:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.items = {}        # key -> (value, revision)
        self.replies = {}      # idempotency key -> (status, body)
        self.revision = 0
        self.writes = 0        # writes applied (not replays)
        self.acked = 0
        self.stuck_id = None   # the request id that --stuck answers 503 forever

    def put(self, key, value, request_id):
        """Returns (status, body dict, replayed)."""
        with self.lock:
            if request_id is not None and request_id == self.stuck_id:
                return 503, {"error": "stuck", "primary": None}, False
            if request_id and request_id in self.replies:
                status, body = self.replies[request_id]
                return status, body, True
            self.writes += 1
            self.revision += 1
            body = {"key": key, "revision": self.revision}
            if self.writes == self.args.duplicate:
                self.items[key + "/dup"] = (value, self.revision)
                self.revision += 1
            self.items[key] = (value, self.revision)
            if request_id:
                self.replies[request_id] = (200, body)
            if self.writes == self.args.stuck:
                self.stuck_id = request_id
                return 503, {"error": "stuck", "primary": None}, False
            if self.args.fail_after_apply and self.writes % self.args.fail_after_apply == 0:
                return 503, {"error": "not the primary", "primary": None}, False
            self.acked += 1
            if self.acked == self.args.lose_acked:
                del self.items[key]  # acknowledged, then forgotten: the bug to catch
            return 200, body, False

    def list(self, prefix, limit, start_after):
        with self.lock:
            keys = sorted(k for k in self.items if k.startswith(prefix) and k > start_after)
            page = keys[:limit]
            items = [{"key": k, "value": self.items[k][0], "revision": self.items[k][1]}
                     for k in page]
            return {"items": items, "next": page[-1] if len(keys) > limit else None}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real server

    def setup(self):
        super().setup()
        # Headers and body go out in two writes: without this, Nagle and delayed ACKs add
        # 40 ms to every reply.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self):
        length = int(self.headers.get("Content-Length", "0"))
        value = self.rfile.read(length).decode("utf-8", "replace")
        path = urllib.parse.urlsplit(self.path).path
        if not path.startswith("/v1/kv/"):
            return self.reply(404, {"error": "no such endpoint: " + path})
        key = urllib.parse.unquote(path[len("/v1/kv/"):])
        status, body, replayed = self.server.store.put(
            key, value, self.headers.get("Idempotency-Key"))
        self.reply(status, body, [("Idempotent-Replayed", "true")] if replayed else [])

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/v1/kv":
            q = urllib.parse.parse_qs(url.query)
            body = self.server.store.list(q.get("prefix", [""])[0],
                                          int(q.get("limit", ["100"])[0]),
                                          q.get("start_after", [""])[0])
            return self.reply(200, body)
        if url.path.startswith("/v1/kv/"):
            key = urllib.parse.unquote(url.path[len("/v1/kv/"):])
            with self.server.store.lock:
                item = self.server.store.items.get(key)
            if item is None:
                return self.reply(404, {"error": "key not found", "key": key})
            return self.reply(200, {"key": key, "value": item[0], "revision": item[1]})
        self.reply(404, {"error": "no such endpoint: " + url.path})


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that hangs up mid-reply (the load tool at its end) is not news


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--ready-file", help="write the bound port here once listening")
    p.add_argument("--lose-acked", type=int, default=0)
    p.add_argument("--duplicate", type=int, default=0)
    p.add_argument("--fail-after-apply", type=int, default=0)
    p.add_argument("--stuck", type=int, default=0)
    args = p.parse_args()
    server = Server((args.host, args.port), Handler)
    server.store = Store(args)
    if args.ready_file:
        with open(args.ready_file, "w") as f:
            f.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
