#!/usr/bin/env bash
# The status page (docs/status_page.md) in headless Chromium against a lab cluster: two
# nodes and a witness, each agent serving the page on 127.0.0.1:9406 inside its own
# namespace ([status_page] listen). Chromium runs inside a node's namespace, loads the page
# and dumps the DOM once the page's script has polled status.json (status_page_lib.sh).
# The page must show n1 as primary at start; after a switchover to n2, n2 as primary on both
# nodes' pages and the handover in n2's failover timeline; after n2 loses both cables, n1's
# page must show n1 as primary again, n2 dead, and the failover with n2's detection in its
# timeline, while n2's page says it is unhealthy. The last page, once n2 is back, is kept as
# a screenshot: build/artifacts/status_page.png (VIGIL_ARTIFACTS sets the directory).
# Skipped (77) without Chromium (Debian's package chromium, installed by scripts/setup).
source "$(dirname "$0")/lib.sh"
source "$E2E_DIR/status_page_lib.sh"

start_cluster 2 --witness true --preempt false \
    --append "$(printf '[status_page]\nlisten = "127.0.0.1:%d"' "$SP_PORT")"

# The agent serves the page and the JSON it polls, with the failovers the page draws.
lab_wait_for 5000 eval 'sp_http_get n1 status.json >/dev/null' ||
    fail "n1's agent does not serve ${SP_URL}status.json"
sp_http_get n1 "" | grep -q 'id="failovers"' || fail "$SP_URL is not the status page"
sp_http_get n1 status.json | jq -e '.failovers | type == "array"' >/dev/null ||
    fail "status.json has no \"failovers\" array"

sp_load n1
sp_expect "a live connection" '^conn live$'
sp_expect "n1 as the page's node" '^self n1$'
sp_expect "a healthy cluster" '^health true$'
sp_expect "n1 as primary" '^group northbound primary=n1 role=primary '
sp_expect "the VIP present" '^vip northbound 198.18.0.10/24 present=true$'
sp_expect "n2 alive" '^node n2 alive=true '
sp_expect "the witness alive" '^node w alive=true '
sp_expect "n1's promotion at start" '^failover northbound epoch=[0-9]+ from= to=n1 '
pass "the page shows n1 primary, n2 and w alive"

# A switchover: both nodes' pages show n2, and n2's timeline has the handover.
epoch0=$(group_field n1 .epoch)
lab_vigil n1 switchover northbound --to n2 >/dev/null || fail "switchover to n2 failed"
lab_wait_for 3000 eval '[[ $(group_field n1 .primary) == n2 ]]' || fail "n1 does not see n2 primary"
epoch1=$(group_field n2 .epoch)
((epoch1 > epoch0)) || fail "n2 primary at epoch $epoch1, not above $epoch0"
sp_load n2
sp_expect "n2 as primary on n2's page" \
    "^group northbound primary=n2 role=primary epoch=$epoch1\$"
sp_expect "the handover in n2's timeline" \
    "^failover northbound epoch=$epoch1 from=n1 to=n2 duration_ms=[0-9.]+\$"
sp_expect "the promotion step of the handover" \
    "^step northbound $epoch1 \\+[0-9.]+ ms promoted to primary \\(epoch $epoch1\\)\$"
sp_expect "the VIP added in the handover" \
    "^step northbound $epoch1 .* vip 198.18.0.10/24 added\$"
sp_load n1
sp_expect "n2 as primary on n1's page" \
    "^group northbound primary=n2 role=standby epoch=$epoch1\$"
pass "after the switchover both pages show n2 primary at epoch $epoch1; n2's has the handover"

# Unplanned: n2 loses both cables. n1 takes over once n2 is dead and its lease has run out.
lab_power_off n2
lab_wait_for 5000 is_primary n1 || fail "n1 did not take over from the cut-off n2"
epoch2=$(group_field n1 .epoch)
sp_load n1
sp_expect "n1 as primary again" "^group northbound primary=n1 role=primary epoch=$epoch2\$"
sp_expect "n2 dead" '^node n2 alive=false '
first=$(grep -m 1 '^failover ' <<<"$SP_FACTS" || true)
[[ $first == "failover northbound epoch=$epoch2 from=n2 to=n1 "* ]] ||
    fail "the newest failover on n1's page is not n2 -> n1 at epoch $epoch2: '$first'"
sp_expect "n2's last heartbeat in the timeline" "^step northbound $epoch2 .* n2 last heard\$"
sp_expect "n2's detection in the timeline" "^step northbound $epoch2 .* n2 declared dead\$"
duration=${first##* duration_ms=}
sp_load n2
sp_expect "n2 unhealthy on its own page" '^health false$'
sp_expect "n1 dead as n2 sees it" '^node n1 alive=false '
pass "after n2's power-off n1's page shows n1 primary at epoch $epoch2 (failover" \
    "$duration ms) and n2 dead; n2's page shows it unhealthy"

# n2 back: the screenshot shows a healthy cluster and the failovers' timelines.
lab_power_on n2
lab_wait_for 5000 eval '[[ $(peer_alive n1 n2) == true ]]' || fail "n1 does not hear n2 again"
sp_screenshot n1 status_page
pass "the status page shows the primary before and after a switchover and a power-off"
