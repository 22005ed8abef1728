#!/usr/bin/env bash
# Key rotation without downtime: each node signs with its current key and accepts the
# current or the next one; SIGHUP re-reads the key files. Rotating node by node — the mixed
# state included — loses no heartbeat, counts no auth failure and changes no role.
source "$(dirname "$0")/lib.sh"
lab_skip_unless_root
lab_create 2
lab_write_config "$LAB_DIR/base.toml" --nodes 2 --two-node true
old=$(head -c 32 /dev/urandom | base64)
new=$(head -c 32 /dev/urandom | base64)
for n in n1 n2; do
    # Same cluster config (the digest ignores key paths), node-specific key files.
    sed -e "s|^auth_key_file = .*|auth_key_file = \"$n.key\"\nauth_key_next_file = \"$n.next\"|" \
        "$LAB_DIR/base.toml" >"$LAB_DIR/$n.toml"
    (umask 077; echo "$old" >"$LAB_DIR/$n.key"; : >"$LAB_DIR/$n.next")
done
lab_start_agent n1 "$LAB_DIR/n1.toml"
lab_start_agent n2 "$LAB_DIR/n2.toml"
lab_wait_for 5000 is_primary n1 || fail "n1 not primary"
epoch=$(status_field n1 '.groups[0].epoch')

hup() { kill -HUP "$(lab_agent_pid "$1")"; sleep 0.3; }
healthy_pair() {
    for n in n1 n2; do
        json=$(lab_vigil $n status -v --json)
        [[ $(jq .counters.auth_failures <<<"$json") == 0 ]] || fail "$n: auth failures: $1"
        [[ $(jq -r '.peers[0].alive' <<<"$json") == true ]] || fail "$n: peer dead: $1"
    done
    [[ $(role_of n1) == primary && $(status_field n1 '.groups[0].epoch') == "$epoch" ]] ||
        fail "role or epoch changed: $1"
}
# 1. The new key becomes "next" everywhere.
for n in n1 n2; do echo "$new" >"$LAB_DIR/$n.next"; hup $n; done
healthy_pair "step 1"
# 2. Node by node, the new key becomes current and the old one next (mixed state between).
echo "$new" >"$LAB_DIR/n1.key"; echo "$old" >"$LAB_DIR/n1.next"; hup n1
healthy_pair "step 2, mixed"
echo "$new" >"$LAB_DIR/n2.key"; echo "$old" >"$LAB_DIR/n2.next"; hup n2
healthy_pair "step 2"
# 3. The old key goes.
for n in n1 n2; do : >"$LAB_DIR/$n.next"; hup $n; done
healthy_pair "step 3"
grep -q 'event=auth_keys_reloaded' "$LAB_DIR/n1.log" || fail "reload not logged"

# A node still on the old key alone is now rejected (and counted), not trusted.
echo "$old" >"$LAB_DIR/n2.key"; hup n2
lab_wait_for 2000 bash -c "(( \$($VIGIL_BIN status -v --json --socket $LAB_DIR/n1.sock | jq .counters.auth_failures) > 0 ))" ||
    fail "old key still accepted after rotation"
pass "rotated keys node by node with no auth failure and no role change"
