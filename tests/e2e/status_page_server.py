#!/usr/bin/env python3
"""A stand-in for the agent's status page server, for tests/e2e/test_status_page_fixture.sh:
serves PAGE at / and STATUS (a JSON file) at /status.json on 127.0.0.1:PORT, as the agent
does with [status_page] listen (docs/status_page.md). With --answers N, /status.json answers
503 after its first N answers: an agent that went away while the page was open (N = 0: an
agent that never answered). Stops after --lifetime-s seconds in any case.
"""
import argparse
import http.server
import threading


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--page", required=True)
    ap.add_argument("--status", required=True)
    ap.add_argument("--answers", type=int, default=-1, help="-1: answer every request")
    ap.add_argument("--lifetime-s", type=float, default=120)
    args = ap.parse_args()
    with open(args.page, "rb") as f:
        page = f.read()
    with open(args.status, "rb") as f:
        status = f.read()
    answered = [0]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            path = self.path.split("?")[0]
            if path == "/":
                return self.reply(200, "text/html; charset=utf-8", page)
            if path == "/status.json":
                if 0 <= args.answers <= answered[0]:
                    return self.reply(503, "text/plain", b"agent unavailable\n")
                answered[0] += 1
                return self.reply(200, "application/json", status)
            return self.reply(404, "text/plain", b"not found\n")

        def reply(self, code, ctype, body):
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    threading.Timer(args.lifetime_s, server.shutdown).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
