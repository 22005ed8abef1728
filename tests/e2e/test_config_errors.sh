#!/usr/bin/env bash
# A bad config is refused by check-config and by the agent, with file, line and key named;
# nodes running different configs show the mismatch and report unhealthy.
source "$(dirname "$0")/lib.sh"
lab_skip_unless_root
lab_create 2
lab_write_config "$LAB_DIR/vigil.toml" --nodes 2 --two-node true
"$VIGIL_BIN" check-config "$LAB_DIR/vigil.toml" >/dev/null || fail "good config refused"

bad=$LAB_DIR/bad.toml
sed 's/n2 = 100/n3 = 100/' "$LAB_DIR/vigil.toml" >"$bad"
if out=$("$VIGIL_BIN" check-config "$bad" 2>&1); then fail "bad config accepted"; fi
grep -q "bad.toml:[0-9]*:.*priority.n3" <<<"$out" || fail "error lacks file:line:key: $out"
if out=$(lab_exec n1 "$VIGIL_BIN" agent --config "$bad" --node n1 \
        --socket "$LAB_DIR/bad.sock" 2>&1); then
    fail "agent started on a bad config"
fi
grep -q "not starting" <<<"$out" || fail "agent error unclear: $out"

# Two full nodes with neither a witness nor two_node = true: refused, and the message says
# what to add (a partition would otherwise give two primaries without anyone choosing it).
pair=$LAB_DIR/pair.toml
grep -v '^two_node = true$' "$LAB_DIR/vigil.toml" >"$pair"
if out=$("$VIGIL_BIN" check-config "$pair" 2>&1); then fail "two-node config accepted"; fi
grep -q "pair.toml:[0-9]*:.*witness.*two_node = true" <<<"$out" ||
    fail "two-node refusal unclear: $out"
if out=$(lab_exec n1 "$VIGIL_BIN" agent --config "$pair" --node n1 \
        --socket "$LAB_DIR/pair.sock" 2>&1); then
    fail "agent started on a two-node config without witness or two_node"
fi

# Different (valid) configs on the two nodes: both run, both see and report the mismatch.
other=$LAB_DIR/other.toml
sed 's/heartbeat_interval_ms = 50/heartbeat_interval_ms = 40/' "$LAB_DIR/vigil.toml" >"$other"
lab_start_agent n1
lab_start_agent n2 "$other"
lab_wait_for 3000 bash -c "[[ \$($VIGIL_BIN status --json --socket $LAB_DIR/n1.sock | jq .peers[0].config_mismatch) == true ]]" ||
    fail "mismatch not shown"
if lab_vigil n1 status >/dev/null; then fail "status exit 0 despite a config mismatch"; fi
grep -q 'event=config_mismatch peer=n2' "$LAB_DIR/n1.log" || fail "mismatch not logged"
pass "bad config refused with location; mismatch shown and logged"
