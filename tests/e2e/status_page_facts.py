#!/usr/bin/env python3
"""Reads the status page's DOM (as `chromium --dump-dom` prints it) and prints what the page
shows, one fact per line, for tests/e2e/test_status_page.sh to check with grep:

    conn live                      (#conn data-state: loading, live, stale, down)
    health true                    (#health data-healthy: true, false, unknown)
    self n1                        (body data-node)
    group northbound primary=n1 role=primary epoch=1
    node n2 alive=true self=false
    vip northbound 198.18.0.10/24 present=true
    resource northbound svc state=running
    replication northbound streaming · lag_ms 12   (only when status.json has one)
    problem peer n1 runs a different configuration
    failovers 2                    (#failovers data-count)
    failover northbound epoch=2 from=n1 to=n2 duration_ms=0.4
    phase northbound 2 vips        (the phases above the bar, in their order)
    step northbound 2 +0.00 ms promoted to primary (epoch 2)

It reads the page's stable data attributes (web/status.html names them), not its layout.
"""
import html.parser
import sys


class Facts(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.lines = []
        self.failover = None  # (group, epoch) of the .failover element we are inside
        self.group = None  # the group card we are inside
        self.text = None  # (prefix, text parts) of the element whose text is being read
        self.depth = 0  # <div>/<td>/<li> nesting inside that element

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        get = lambda k: a.get(k) or ""
        classes = get("class").split()
        if tag == "body":
            self.lines.append(f"self {get('data-node')}")
        if get("id") == "conn":
            self.lines.append(f"conn {get('data-state')}")
        if get("id") == "health":
            self.lines.append(f"health {get('data-healthy')}")
        if get("id") == "failovers":
            self.lines.append(f"failovers {get('data-count')}")
        if self.text is not None and tag in ("div", "td", "li"):
            self.depth += 1
        if "card" in classes and "data-group" in a:
            self.group = get("data-group")
            self.lines.append(f"group {get('data-group')} primary={get('data-primary')} "
                              f"role={get('data-role')} epoch={get('data-epoch')}")
        if tag == "tr" and "data-node" in a:
            self.lines.append(f"node {get('data-node')} alive={get('data-alive')} "
                              f"self={get('data-self') or 'false'}")
        if "failover" in classes:
            self.failover = (get("data-group"), get("data-epoch"))
            self.lines.append(f"failover {get('data-group')} epoch={get('data-epoch')} "
                              f"from={get('data-from')} to={get('data-to')} "
                              f"duration_ms={get('data-duration-ms')}")
        if tag == "tr" and "data-vip" in a:
            self.lines.append(f"vip {self.group} {get('data-vip')} "
                              f"present={get('data-present') or 'unknown'}")
        if tag == "tr" and "data-resource" in a:
            self.lines.append(f"resource {self.group} {get('data-resource')} "
                              f"state={get('data-state')}")
        if tag == "td" and "data-replication" in a:
            self.read_text(f"replication {self.group}")
        if tag == "li" and self.in_problems:
            self.read_text("problem")
        if get("id") == "problems":
            self.in_problems = "hidden" not in a
        if "data-phase" in a and self.failover:
            self.lines.append(f"phase {self.failover[0]} {self.failover[1]} {get('data-phase')}")
        if "lbl" in classes and self.failover:
            self.read_text(f"step {self.failover[0]} {self.failover[1]}")

    in_problems = False

    def read_text(self, prefix):
        self.text = (prefix, [])
        self.depth = 1

    def handle_data(self, data):
        if self.text is not None:
            self.text[1].append(data)

    def handle_endtag(self, tag):
        if tag == "ul":
            self.in_problems = False
        # The element being read ends with its own closing tag: a label is a div holding
        # a <b> (the time) and text (the event).
        if self.text is not None and tag in ("div", "td", "li"):
            self.depth -= 1
            if self.depth == 0:
                prefix, parts = self.text
                self.lines.append(f"{prefix} {' '.join(p.strip() for p in parts if p.strip())}")
                self.text = None


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: status_page_facts.py DOM_FILE")
    parser = Facts()
    with open(sys.argv[1], encoding="utf-8") as f:
        parser.feed(f.read())
    print("\n".join(parser.lines))


if __name__ == "__main__":
    main()
