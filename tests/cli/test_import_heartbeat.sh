#!/usr/bin/env bash
# `vigil import heartbeat` as an operator runs it, on the sample files of tests/data/heartbeat:
# exit codes (0 imported, 1 unusable input or output, 2 usage), the key file's mode, the
# notes on stderr, and the written config accepted by `vigil check-config`. No namespaces,
# no root needed: it only reads the samples and writes into a temporary directory.
# Usage: test_import_heartbeat.sh VIGIL_BINARY
set -uo pipefail
vigil=$(realpath "${1:?usage: $0 VIGIL_BINARY}")
data=$(cd "$(dirname "$0")/../data/heartbeat" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigil-import-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0 passes=0
check() {  # check NAME COMMAND...: counts a pass when COMMAND succeeds
    local name=$1; shift
    if "$@"; then
        passes=$((passes + 1))
    else
        echo "FAIL: $name" >&2
        failures=$((failures + 1))
    fi
}
run() {  # run EXPECTED_EXIT ARGS...: runs the importer in $tmp, output in $tmp/out, $tmp/err
    local expected=$1; shift
    (cd "$tmp" && "$vigil" import heartbeat "$@" >"$tmp/out" 2>"$tmp/err")
    local rc=$?
    [[ $rc == "$expected" ]] && return 0
    echo "exit $rc, expected $expected: $*" >&2
    cat "$tmp/err" >&2
    return 1
}
files=(--ha-cf "$data/ha.cf" --haresources "$data/haresources" --authkeys "$data/authkeys")
own=(--node-address alpha:eth0=198.18.0.1 --node-address bravo:eth0=198.18.0.2
     --node-address alpha:eth1=198.18.1.1)

# Complete inputs: exit 0, a config that check-config accepts, the key beside it with 0600.
check "complete import exits 0" run 0 "${files[@]}" "${own[@]}" --out vigil.toml
check "check-config accepts it" bash -c "'$vigil' check-config '$tmp/vigil.toml' >/dev/null"
check "key file is 0600" test "$(stat -c %a "$tmp/auth.key")" = 600
check "key is the sha1 secret" test "$(cat "$tmp/auth.key")" = 6f1c0e8f3b2d4a5e9c7b1a0d2e3f4a5b
check "config names the key beside it" grep -q '^auth_key_file = "auth.key"' "$tmp/vigil.toml"
check "notes on stderr with file:line" grep -q "ha.cf:22: not carried over: respawn" "$tmp/err"
check "notes as comments at the end" grep -q "^# .*ha.cf:22: not carried over: respawn" \
    "$tmp/vigil.toml"
check "no secret on stderr" bash -c "! grep -q 6f1c0e8f '$tmp/err'"
check "summary line" grep -q "0 TODO; check with: vigil check-config vigil.toml" "$tmp/err"

# Existing outputs are not replaced unless asked.
check "existing output refused" run 1 "${files[@]}" "${own[@]}" --out vigil.toml
check "refusal says --force" grep -q "use --force" "$tmp/err"
chmod 644 "$tmp/auth.key"
check "--force replaces" run 0 "${files[@]}" "${own[@]}" --out vigil.toml --force
check "--force leaves the key 0600" test "$(stat -c %a "$tmp/auth.key")" = 600

# Without the nodes' own addresses: still exit 0, TODOs listed, check-config refuses.
# The key in another directory is named by its absolute path.
mkdir -p "$tmp/keys"
check "incomplete import exits 0" run 0 "${files[@]}" --out todo.toml --key-out keys/todo.key
check "TODOs counted" grep -q "4 TODO: fill those in" "$tmp/err"
check "check-config refuses TODOs" bash -c "! '$vigil' check-config '$tmp/todo.toml' 2>/dev/null"
check "key elsewhere is named by absolute path" \
    grep -q "^auth_key_file = \"$tmp/keys/todo.key\"" "$tmp/todo.toml"

# Standard output when --out is left out.
check "stdout import" run 0 "${files[@]}" "${own[@]}" --key-out stdout.key
check "config on stdout" grep -q '^\[cluster\]' "$tmp/out"

# Unusable inputs: exit 1, naming the file (and line).
check "crc exits 1" run 1 --ha-cf "$data/ha.cf" --haresources "$data/haresources" \
    --authkeys "$data/authkeys.crc" --key-out crc.key
check "crc error names file:line" grep -q "authkeys.crc:3: key 3 uses crc" "$tmp/err"
check "no key written for crc" test ! -e "$tmp/crc.key"
check "missing file exits 1" run 1 --ha-cf "$tmp/nope" --haresources "$data/haresources" \
    --authkeys "$data/authkeys"
check "missing file named" grep -q "$tmp/nope: cannot read" "$tmp/err"

# Usage errors: exit 2.
check "missing option exits 2" run 2 --ha-cf "$data/ha.cf"
check "unknown option exits 2" run 2 "${files[@]}" --bogus
check "bad --node-address exits 2" run 2 "${files[@]}" --node-address alpha
check "import without a source exits 2" bash -c "'$vigil' import >/dev/null 2>&1; [[ \$? == 2 ]]"

echo "$passes passed, $failures failed"
[[ $failures == 0 ]]
