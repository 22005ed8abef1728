#!/usr/bin/env python3
"""End-to-end checker of the replicated store (issue 5, part 7; docs/store-api.md).

  write:  N client threads write unique values, PUT /v1/kv/<prefix>/<client>/<n> with
          Idempotency-Key <run>-<client>-<n>, through the VIP, retrying the same request id
          on errors, timeouts and 503 until it is acknowledged (200) or the retry deadline
          passes. Each write is recorded as acked or not (with its revision) in --record.
  verify: reads back everything under the prefix (paginated) from --server, compares it
          with the record and prints
            checker: acked=N lost=L duplicated=D failed_then_applied=F
          lost = acked but absent, or holding another value; duplicated = a write's token
          found under two keys, two keys with one revision, or an acked write whose revision
          changed (applied again after its ack); failed_then_applied = not acked but present
          (allowed: the outcome was unknown to the client). Exit 1 if lost or duplicated.

The writer stops starting new writes after --seconds or once --stop-file exists; a write in
flight then gets --retry-seconds more. Stdlib only; run it where it reaches the server (the
lab's client namespace: ip netns exec ... python3 store_checker.py ...).
"""
import argparse
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse

RETRY_PAUSE_S = 0.02  # between attempts of one write: keeps a down server from spinning us


class Connection:
    """One keep-alive HTTP/1.1 connection, reopened after any error."""

    def __init__(self, server, timeout_s):
        self.host, port = server.rsplit(":", 1)
        self.port = int(port)
        self.timeout_s = timeout_s
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        """Returns (status, headers dict lower-cased, body bytes); raises OSError-like on
        transport errors (http.client.HTTPException is converted)."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout_s)
        try:
            self.conn.request(method, path, body=body, headers=headers or {})
            resp = self.conn.getresponse()
            data = resp.read()
            hdrs = {k.lower(): v for k, v in resp.getheaders()}
            if hdrs.get("connection", "").lower() == "close":
                self.close()
            return resp.status, hdrs, data
        except (OSError, http.client.HTTPException) as e:
            self.close()
            raise ConnectionError(str(e)) from e

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Writer(threading.Thread):
    def __init__(self, args, client, stop):
        super().__init__(daemon=True)
        self.args, self.client, self.stop = args, client, stop
        self.records = []
        self.errors = {}  # reason -> count

    def count(self, reason):
        self.errors[reason] = self.errors.get(reason, 0) + 1

    def run(self):
        conn = Connection(self.args.server, self.args.timeout)
        n = 0
        while not self.stop.is_set():
            self.records.append(self.write_one(conn, n))
            n += 1
        conn.close()

    def write_one(self, conn, n):
        a = self.args
        key = f"{a.prefix}/{self.client}/{n}"
        token = f"{a.run_id}:{self.client}:{n}"
        rec = {"client": self.client, "n": n, "key": key, "token": token, "acked": False,
               "revision": None, "attempts": 0, "replayed": False}
        headers = {"Idempotency-Key": f"{a.run_id}-{self.client}-{n}",
                   "Content-Type": "application/octet-stream"}
        path = "/v1/kv/" + urllib.parse.quote(key, safe="/")
        while True:
            if self.stop.is_set() and time.monotonic() > self.stop.deadline:
                return rec  # given up: the outcome stays unknown (not acked)
            rec["attempts"] += 1
            try:
                status, hdrs, body = conn.request("PUT", path, token.encode(), headers)
            except ConnectionError:
                self.count("transport")
                time.sleep(RETRY_PAUSE_S)
                continue
            if status == 200:
                rec["acked"] = True
                rec["revision"] = json.loads(body)["revision"]
                rec["replayed"] = hdrs.get("idempotent-replayed") == "true"
                return rec
            self.count(f"http_{status}")
            if status != 503:  # a 4xx is a bug of ours or of the server: stop retrying it
                rec["refused"] = f"{status} {body[:200]!r}"
                return rec
            time.sleep(RETRY_PAUSE_S)


class StopFlag(threading.Event):
    deadline = 0.0


def cmd_write(args):
    args.run_id = args.run_id or f"r{os.getpid()}x{int(time.time()) % 100000}"
    stop = StopFlag()
    writers = [Writer(args, c, stop) for c in range(args.clients)]
    start = time.monotonic()
    for w in writers:
        w.start()
    end = start + args.seconds
    while time.monotonic() < end and not (args.stop_file and os.path.exists(args.stop_file)):
        time.sleep(0.05)
    stop.deadline = time.monotonic() + args.retry_seconds
    stop.set()
    for w in writers:
        w.join(args.retry_seconds + args.timeout + 5)
    records = [r for w in writers for r in w.records]
    errors = {}
    for w in writers:
        for k, v in w.errors.items():
            errors[k] = errors.get(k, 0) + v
    acked = sum(r["acked"] for r in records)
    out = {"run_id": args.run_id, "prefix": args.prefix, "clients": args.clients,
           "seconds": round(time.monotonic() - start, 3), "writes": len(records),
           "acked": acked, "errors": errors, "records": records}
    with open(args.record, "w") as f:
        json.dump(out, f)
    # replayed: a retry answered from the idempotency record, i.e. an earlier attempt had
    # applied but its reply was lost: the case the request id exists for.
    print(f"checker write: writes={len(records)} acked={acked} "
          f"retries={sum(r['attempts'] - 1 for r in records)} "
          f"replayed={sum(r['replayed'] for r in records)} errors={json.dumps(errors)}")
    return 0


def read_all(args):
    """Every item under the prefix, page by page; retries a page until --wait-seconds."""
    conn = Connection(args.server, args.timeout)
    deadline = time.monotonic() + args.wait_seconds
    items, start_after = [], ""
    while True:
        q = {"prefix": args.prefix + "/", "limit": "1000"}
        if start_after:
            q["start_after"] = start_after
        path = "/v1/kv?" + urllib.parse.urlencode(q)
        try:
            status, _, body = conn.request("GET", path)
        except ConnectionError as e:
            status, body = 0, str(e).encode()
        if status != 200:
            if time.monotonic() > deadline:
                raise SystemExit(f"checker verify: cannot list {args.prefix}/ on {args.server}: "
                                 f"{status} {body[:200]!r}")
            time.sleep(0.1)
            continue
        page = json.loads(body)
        items.extend(page["items"])
        if page.get("next") is None:
            conn.close()
            return items
        start_after = page["next"]


def classify(record, items):
    """Counts and examples of each outcome (see the module doc)."""
    by_token = {}
    by_revision = {}
    for it in items:
        value = it.get("value", "")
        by_token.setdefault(value, []).append(it)
        by_revision.setdefault(it["revision"], []).append(it["key"])
    counts = {"writes": len(record["records"]), "acked": 0, "lost": 0, "duplicated": 0,
              "failed_then_applied": 0, "not_acked_absent": 0, "foreign": 0}
    examples = {}
    duplicated = set()  # the keys of the writes found applied twice (each write counts once)

    def note(kind, text):
        if len(examples.setdefault(kind, [])) < 5:
            examples[kind].append(text)

    known = {}
    for r in record["records"]:
        known[r["token"]] = r["key"]
        found = by_token.get(r["token"], [])
        at_key = [it for it in found if it["key"] == r["key"]]
        if len(found) > 1:
            duplicated.add(r["key"])
            note("duplicated", f"{r['token']} under {[it['key'] for it in found]}")
        if r["acked"]:
            counts["acked"] += 1
            if not at_key:
                counts["lost"] += 1
                note("lost", f"{r['key']} (revision {r['revision']}) acked, absent")
            elif at_key[0]["revision"] != r["revision"]:
                duplicated.add(r["key"])
                note("duplicated", f"{r['key']} acked at revision {r['revision']}, "
                                   f"now {at_key[0]['revision']}: applied again")
        elif at_key:
            counts["failed_then_applied"] += 1
        else:
            counts["not_acked_absent"] += 1
    value_at = {it["key"]: it.get("value", "") for it in items}
    for rev, keys in by_revision.items():
        if len(keys) > 1:  # each key is charged to the write whose token it holds
            duplicated.update(known.get(value_at[k], k) for k in keys)
            note("duplicated", f"revision {rev} held by {keys}")
    for it in items:
        if it.get("value", "") not in known:
            counts["foreign"] += 1
            note("foreign", f"{it['key']} holds a value no write of this run made")
    counts["duplicated"] = len(duplicated)
    return counts, examples


def cmd_verify(args):
    with open(args.record) as f:
        record = json.load(f)
    args.prefix = record["prefix"]
    items = read_all(args)
    counts, examples = classify(record, items)
    label = f" ({args.label})" if args.label else ""
    print(f"checker: acked={counts['acked']} lost={counts['lost']} "
          f"duplicated={counts['duplicated']} "
          f"failed_then_applied={counts['failed_then_applied']}{label}")
    print(f"checker: writes={counts['writes']} not_acked_absent={counts['not_acked_absent']} "
          f"items_read={len(items)} foreign={counts['foreign']}")
    for kind, texts in examples.items():
        for t in texts:
            print(f"checker: {kind}: {t}", file=sys.stderr)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(counts, f)
    return 1 if counts["lost"] or counts["duplicated"] else 0


def main():
    p = argparse.ArgumentParser(description="End-to-end checker of vigil's replicated store")
    sub = p.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write", help="write unique values, record which were acknowledged")
    w.add_argument("--server", required=True, help="ADDR:PORT (the VIP)")
    w.add_argument("--clients", type=int, default=8)
    w.add_argument("--seconds", type=float, default=30)
    w.add_argument("--stop-file", help="stop starting writes once this file exists")
    w.add_argument("--retry-seconds", type=float, default=10,
                   help="how long a write in flight at the stop keeps retrying")
    w.add_argument("--timeout", type=float, default=1.0, help="per request, seconds")
    w.add_argument("--prefix", default="chk")
    w.add_argument("--run-id", default="")
    w.add_argument("--record", required=True, help="JSON file the writes are recorded in")
    v = sub.add_parser("verify", help="read everything back and count lost/duplicated")
    v.add_argument("--server", required=True, help="ADDR:PORT of the node to read from")
    v.add_argument("--record", required=True)
    v.add_argument("--wait-seconds", type=float, default=10,
                   help="keep retrying the listing this long (a new primary may not serve yet)")
    v.add_argument("--timeout", type=float, default=2.0)
    v.add_argument("--label", default="", help="printed after the counts, e.g. 'primary n2'")
    v.add_argument("--json", help="also write the counts to this file")
    args = p.parse_args()
    if args.command == "write":
        if args.clients < 1 or args.clients > 1000:
            p.error("--clients is 1..1000")
        return cmd_write(args)
    return cmd_verify(args)


if __name__ == "__main__":
    sys.exit(main())
