#!/usr/bin/env bash
# Events reach journald as structured entries (docs/logging.md): each agent runs in a
# private mount namespace (unshare -m) whose /run/systemd/journal/socket is a listener
# (tests/lab/journal_listener.py) decoding journald's native protocol, so the test sees
# the exact fields sd_journal_sendv sent, and the host's journal is not touched. n1 runs
# with --log auto and $JOURNAL_STREAM naming its stderr's device:inode (what systemd
# gives a service), n2 with --log journal. A switchover must give n2 a role_change entry
# with VIGIL_GROUP, VIGIL_EPOCH, VIGIL_REASON, PRIORITY and SYSLOG_IDENTIFIER; nothing goes
# to stderr meanwhile; and with no journal listening, --log journal falls back to stderr.
source "$(dirname "$0")/lib.sh"
lab_skip_unless_root
command -v unshare >/dev/null && command -v python3 >/dev/null ||
    { echo "skipped: needs unshare and python3"; exit 77; }
LISTENER=$LAB_ROOT/tests/lab/journal_listener.py
lab_create 2
lab_write_config "$LAB_DIR/vigil.toml" --nodes 2 --two-node true

# journal_agent NODE OUT|none ENV...: the agent of NODE in its network namespace and a
# private mount namespace with a tmpfs over /run/systemd/journal (or the nearest existing
# parent), where a listener writes the entries to OUT ("none": no listener at all).
journal_agent() {
    local node=$1 out=$2
    shift 2
    # shellcheck disable=SC2016
    lab_start_bg "$node" "$LAB_DIR/$node.log" env "$@" unshare -m --propagation private bash -c '
        set -euo pipefail
        listener=$1 out=$2
        shift 2
        for d in /run/systemd/journal /run/systemd /run; do [[ -d $d ]] && break; done
        mount -t tmpfs -o mode=0755 vigil-test-journal "$d"
        mkdir -p /run/systemd/journal
        pids=()
        if [[ $out != none ]]; then
            python3 "$listener" /run/systemd/journal/socket "$out" &
            pids+=($!)
            for _ in $(seq 300); do [[ -e $out.ready ]] && break; sleep 0.01; done
            [[ -e $out.ready ]] || { echo "journal listener did not start" >&2; exit 1; }
        fi
        "$@" &
        agent=$!
        trap "kill -TERM $agent; wait $agent; kill ${pids[*]} 2>/dev/null; exit 0" TERM
        wait $agent
    ' journal-agent "$LISTENER" "$out" "$VIGIL_BIN" agent --config "$LAB_CONFIG" --node "$node" \
        --socket "$LAB_DIR/$node.sock" ${LOG_FLAG:+--log "$LOG_FLAG"}
    LAB_AGENT_PIDS[$node]=$LAB_LAST_PID
}
# entry FILE JQ_CONDITION: some entry of FILE matches (a line being written fails: retry).
entry() { jq -s -e "any(.[]; $2)" "$1" >/dev/null 2>&1; }

touch "$LAB_DIR/n1.log"  # its device:inode is n1's stderr, as systemd would announce it
stream=$(stat -c '%d:%i' "$LAB_DIR/n1.log")
LOG_FLAG=auto journal_agent n1 "$LAB_DIR/n1.journal" "JOURNAL_STREAM=$stream"
LOG_FLAG=journal journal_agent n2 "$LAB_DIR/n2.journal" JOURNAL_STREAM=
lab_wait_for 5000 is_primary n1 || fail "n1 did not become primary at start"
lab_wait_for 3000 eval "[[ \$(role_of n2) == standby ]]" || fail "n2 not standby"

lab_vigil n1 switchover northbound --to n2 >/dev/null || fail "switchover failed"
epoch=$(status_field n2 '.groups[0].epoch')
promoted='.VIGIL_EVENT == "role_change" and .VIGIL_TO == "primary"'
lab_wait_for 3000 entry "$LAB_DIR/n2.journal" "$promoted" || fail "no role_change entry from n2"
e=$(jq -c "select($promoted)" "$LAB_DIR/n2.journal" | head -n 1)
echo "n2's journal entry: $e"
jq -e --arg epoch "$epoch" '.VIGIL_GROUP == "northbound" and .VIGIL_EPOCH == $epoch
    and .VIGIL_NODE == "n2" and .VIGIL_FROM == "standby" and (.VIGIL_REASON | length > 0)
    and .PRIORITY == "6" and .SYSLOG_IDENTIFIER == "vigil"
    and (.MESSAGE | startswith("role_change group=northbound from=standby to=primary epoch="
                               + $epoch))' \
    <<<"$e" >/dev/null || fail "role_change entry lacks a field: $e"
# n1 (auto + JOURNAL_STREAM): its own demotion and its supervisor's start, marked as such.
lab_wait_for 3000 entry "$LAB_DIR/n1.journal" \
    '.VIGIL_EVENT == "role_change" and .VIGIL_TO == "standby" and .VIGIL_GROUP == "northbound"' ||
    fail "no role_change entry from n1 (--log auto with JOURNAL_STREAM)"
entry "$LAB_DIR/n1.journal" \
    '.VIGIL_EVENT == "supervisor_started" and .VIGIL_PROCESS == "supervisor"' ||
    fail "no supervisor_started entry with VIGIL_PROCESS"
entry "$LAB_DIR/n2.journal" '.VIGIL_EVENT == "vip_added" and .VIGIL_VIP == "198.18.0.10/24"' ||
    fail "no vip_added entry with VIGIL_VIP"
# Everything went to the journal, nothing to stderr; `vigil events` still has it all.
if grep -h 'event=' "$LAB_DIR/n1.log" "$LAB_DIR/n2.log"; then fail "events on stderr too"; fi
listed=$(lab_vigil n2 events -n 1000)
grep -q "event=role_change group=northbound from=standby to=primary" <<<"$listed" ||
    fail "vigil events lacks the role_change when logging to the journal"
entries=$(cat "$LAB_DIR/n1.journal" "$LAB_DIR/n2.journal" | wc -l)

# No journal listening: --log journal falls back to stderr rather than lose events.
lab_stop_agent n2
LOG_FLAG=journal journal_agent n2 none JOURNAL_STREAM=
lab_wait_for 3000 eval "grep -q 'node=n2 event=agent_started' $LAB_DIR/n2.log" ||
    fail "with no journal, n2's events did not fall back to stderr"
pass "role_change entry with VIGIL_GROUP, VIGIL_EPOCH=$epoch ($entries entries);" \
    "auto detects JOURNAL_STREAM; stderr fallback"
