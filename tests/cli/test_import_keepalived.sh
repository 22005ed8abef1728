#!/usr/bin/env bash
# `vigil import keepalived` as an operator runs it, on the sample files of
# tests/data/keepalived: exit codes (0 imported, 1 unusable input or output, 2 usage), the
# notes on stderr and at the end of the config, include followed relative to the including
# file (glob), --out never replacing a file without --force. No namespaces, no root needed:
# it only reads the samples and writes into a temporary directory.
# (check-config is not run on the output: it does not know protocol = "vrrp3" yet; the
# unit test ImportKeepalived.DISABLED_OutputParses is to be enabled with that parser.)
# Usage: test_import_keepalived.sh VIGIL_BINARY
set -uo pipefail
vigil=$(realpath "${1:?usage: $0 VIGIL_BINARY}")
data=$(cd "$(dirname "$0")/../data/keepalived" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigil-import-keepalived-test.XXXXXX")
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
    (cd "$tmp" && "$vigil" import keepalived "$@" >"$tmp/out" 2>"$tmp/err")
    local rc=$?
    [[ $rc == "$expected" ]] && return 0
    echo "exit $rc, expected $expected: $*" >&2
    cat "$tmp/err" >&2
    return 1
}
pair=(--conf "lb1=$data/pair-a.conf" --conf "lb2=$data/pair-b.conf")

# The pair: exit 0, one vrrp3 group with both priorities, notes on stderr and in the file.
check "pair exits 0" run 0 "${pair[@]}" --out vigil.toml
check "a vrrp3 group" grep -q '^protocol = "vrrp3"' "$tmp/vigil.toml"
check "both priorities" grep -q '^priority = { lb1 = 150, lb2 = 100 }' "$tmp/vigil.toml"
check "heartbeat address from unicast_src_ip" grep -q '^address = \["198.18.0.12"\]' \
    "$tmp/vigil.toml"
check "notes on stderr with file:line" \
    grep -q "$data/pair-a.conf:28: not carried over: authentication" "$tmp/err"
check "notes as comments at the end" \
    grep -q "^# .*pair-a.conf:28: not carried over: authentication" "$tmp/vigil.toml"
check "no VRRP password anywhere" bash -c "! grep -q s3cret99 '$tmp/vigil.toml' '$tmp/err'"
check "summary line" grep -q "make the key file auth.key, then check with: vigil check-config vigil.toml" "$tmp/err"
check "--auth-key-file and --cluster-name" run 0 "${pair[@]}" --auth-key-file /etc/vigil/k \
    --cluster-name edge
check "auth_key_file written" grep -q '^auth_key_file = "/etc/vigil/k"' "$tmp/out"
check "cluster name written" grep -q '^name = "edge"' "$tmp/out"

# An existing --out is not replaced unless asked.
check "existing output refused" run 1 "${pair[@]}" --out vigil.toml
check "refusal says --force" grep -q "use --force" "$tmp/err"
check "--force replaces" run 0 "${pair[@]}" --out vigil.toml --force

# include: relative to the including file, glob; a pattern matching nothing is a note.
check "include exits 0" run 0 --conf "db1=$data/include-main.conf"
check "included instance converted" grep -q '^name = "VI_DB"' "$tmp/out"
check "included file named by path" grep -q "# $data/conf.d/vi_db.conf:1" "$tmp/out"
check "unmatched include noted" grep -q "include-main.conf:6: warning: include missing" "$tmp/err"

# Standard output without --out, and --node-address for a file without unicast_src_ip.
check "stdout import" run 0 --conf "gw=$data/ipv6.conf" --node-address gw=fd00::1
check "config on stdout" grep -q '^\[cluster\]' "$tmp/out"
check "address from --node-address" grep -q '^address = \["fd00::1"\]' "$tmp/out"

# Unusable inputs: exit 1, naming file and line; nothing written.
check "no heartbeat address exits 1" run 1 --conf "gw=$data/ipv6.conf" --out none.toml
check "missing address named" grep -q "give --node-address gw=ADDRESS" "$tmp/err"
check "nothing written on error" test ! -e "$tmp/none.toml"
check "bad values exit 1" run 1 --conf "n1=$data/bad.conf" --node-address n1=198.18.0.1
check "bad value named by file:line" grep -q "bad.conf:4: virtual_router_id 300" "$tmp/err"
check "disagreeing nodes exit 1" run 1 --conf "a=$data/neutron.conf" \
    --conf "b=$data/neutron-b.conf" --node-address a=198.18.0.1 --node-address b=198.18.0.2
check "both lines named" grep -q "neutron-b.conf:5: vrrp_instance VR_1: interface .* differs from .*neutron.conf:5" "$tmp/err"
check "missing file exits 1" run 1 --conf "n1=$tmp/nope"
check "missing file named" grep -q "$tmp/nope: cannot read" "$tmp/err"

# Usage errors: exit 2.
check "missing --conf exits 2" run 2
check "bad --conf exits 2" run 2 --conf "$data/pair-a.conf"
check "bad --node-address exits 2" run 2 "${pair[@]}" --node-address lb1
check "unknown option exits 2" run 2 "${pair[@]}" --bogus

echo "$passes passed, $failures failed"
[[ $failures == 0 ]]
