#!/usr/bin/env bash
# The status page itself (web/status.html) in headless Chromium, without an agent: a
# stand-in server (status_page_server.py) serves it inside a lab namespace with a recorded
# status (status_page_fixture.json: `vigil status --json -v` of a lab node, made unhealthy,
# plus a replication field and the "failovers" of /status.json). The page must show what
# the status says (groups, primaries, VIPs, resources, replication only where present,
# nodes alive or dead, problems, the failovers newest first with their steps), show HTML
# found in the data as text, load nothing from elsewhere, and say so when the agent stops
# answering (the data is marked stale) or never answered. Screenshot:
# build/artifacts/status_page_fixture.png. Skipped (77) without Chromium or without root.
source "$(dirname "$0")/lib.sh"
source "$E2E_DIR/status_page_lib.sh"
page=$LAB_ROOT/web/status.html
fixture=$E2E_DIR/status_page_fixture.json

# Nothing from elsewhere: no absolute or protocol-relative URL in a src, href or url().
if grep -nE '(src|href)=["'\'']?([a-z]+:)?//|url\(|@import' "$page"; then
    fail "the page loads something from elsewhere (above)"
fi

lab_skip_unless_root
lab_create 1
server_pid=""
# serve ANSWERS: (re)starts the stand-in in n1's namespace; /status.json answers ANSWERS
# times (-1: always), then 503.
serve() {
    [[ -z $server_pid ]] || lab_stop_pid "$server_pid" 2000
    lab_start_bg n1 "$LAB_DIR/server.log" python3 "$E2E_DIR/status_page_server.py" \
        --port "$SP_PORT" --page "$page" --status "$fixture" --answers "$1" --lifetime-s 120
    server_pid=$LAB_LAST_PID
    lab_wait_for 5000 eval 'sp_http_get n1 "" >/dev/null' ||
        fail "the stand-in server did not start: $(cat "$LAB_DIR/server.log")"
}

serve -1
sp_load n1
sp_expect "a live connection" '^conn live$'
sp_expect "the agent's node" '^self n2$'
sp_expect "the status as unhealthy" '^health false$'
sp_expect "the config mismatch problem" '^problem peer n1 runs a different configuration$'
sp_expect "northbound on n2" '^group northbound primary=n2 role=primary epoch=3$'
sp_expect "southbound on n2" '^group southbound primary=n2 role=primary epoch=1$'
sp_expect "the IPv6 VIP present" '^vip northbound fd00:18::10/64 present=true$'
sp_expect "the resource running" '^resource northbound svc state=running$'
sp_expect "northbound's replication" '^replication northbound streaming · lag_ms 12$'
if grep -q '^replication southbound' <<<"$SP_FACTS"; then
    fail "the page shows replication for southbound, which has none"
fi
sp_expect "n1 alive" '^node n1 alive=true self=false$'
sp_expect "the witness dead" '^node w alive=false self=false$'
sp_expect "three failovers" '^failovers 3$'
want="failover northbound epoch=3 from=n1 to=n2 duration_ms=472.4
failover northbound epoch=2 from=n1 to=n2 duration_ms=200.243
failover southbound epoch=1 from= to=n2 duration_ms=200.287"
got=$(grep '^failover ' <<<"$SP_FACTS" || true)
[[ $got == "$want" ]] || fail "failovers not shown newest first as expected; got:
$got"
phases=$(grep '^phase northbound 3 ' <<<"$SP_FACTS" | cut -d' ' -f4 | paste -sd,)
[[ $phases == detection,election,vips,announcement ]] ||
    fail "the phases of epoch 3 are not shown in the order they happen: '$phases'"
sp_expect "the detection step" '^step northbound 3 \+252 ms n1 declared dead$'
sp_expect "the last announcement" '^step northbound 3 \+472 ms unsolicited NA 3/3 '
steps=$(grep -c '^step northbound 3 ' <<<"$SP_FACTS")
((steps == 11)) || fail "the epoch 3 timeline has $steps steps on the page, not 11"
grep -q 'data-check="uplink" data-passing="false"' "$SP_DOM" || fail "the failing check is missing"
# The fixture's check detail and a problem hold an <img onerror=...>: shown, never parsed.
if grep -q '<img' "$SP_DOM"; then fail "HTML from status.json became an element of the page"; fi
grep -q '&lt;img src=x' "$SP_DOM" || fail "the check's detail is not shown as text"
pass "the page shows the status: groups, VIPs, resources, replication, nodes, failovers"
sp_screenshot n1 status_page_fixture

# The agent answers once, then no more: the data stays, marked stale, and the page says so.
serve 1
sp_load n1
sp_expect "the connection as stale" '^conn stale$'
sp_expect "the health as unknown" '^health unknown$'
sp_expect "the last data it had" '^group northbound primary=n2 role=primary epoch=3$'
grep -q 'Cannot reach the agent (HTTP 503 ' "$SP_DOM" || fail "no 'Cannot reach the agent' banner"
grep -q 'The data below is STALE' "$SP_DOM" || fail "the data is not marked stale"
grep -qE '<main id="main" class="stale"' "$SP_DOM" || fail "the stale data is not greyed out"
pass "an agent that stops answering: banner, data marked stale"

# The agent never answers: the page says so and shows no data.
serve 0
sp_load n1
sp_expect "the connection as down" '^conn down$'
sp_expect "the health as unknown" '^health unknown$'
grep -q 'No data received yet' "$SP_DOM" || fail "no 'No data received yet' banner"
if grep -q '^group ' <<<"$SP_FACTS"; then fail "groups shown without data"; fi
pass "an agent that never answers: banner, no data"
