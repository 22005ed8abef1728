#!/usr/bin/env bash
# The bash completion of vigil (packaging/vigil.bash-completion), ctest `completion`.
# Goal: names come from the configuration (groups, resources, nodes; --config on the line
# wins over $VIGIL_CONFIG), `standby` offers on|off, --config and check-config complete
# file names. Method: source bash-completion and the file, set COMP_WORDS as bash would,
# call _vigil and compare COMPREPLY. No bats: plain bash, one line per case.
# Not under set -e: completion functions, like bash-completion's own, are written for an
# interactive shell, and a failing step inside them must show up as a wrong COMPREPLY.
set -o pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
completion=${1:-$root/packaging/vigil.bash-completion}
source /usr/share/bash-completion/bash_completion
# shellcheck source=../../packaging/vigil.bash-completion
source "$completion"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/vigil.toml" <<'EOF'
[cluster]
name = "c"
auth_key_file = "auth.key"

[[node]]
name = "alpha"
address = "198.18.0.1"

[[node]]
  name = "beta"   # indented, with a comment
address = "198.18.0.2"

[[group]]
name = "northbound"
priority = { alpha = 150, beta = 100 }

[[group]]
name = "southbound"
[group.priority]
alpha = 100
[[group.vip]]
address = "198.18.0.10/24"
interface = "eth0"

[[resource]]
name = "api"
exec = "/usr/bin/api"
EOF
cp "$tmp/vigil.toml" "$tmp/other.toml"
sed -i 's/"beta"/"gamma"/' "$tmp/other.toml"
mkdir "$tmp/dir"
touch "$tmp/dir/a.toml" "$tmp/dir/b.conf"

failures=0
# expect "WANTED REPLIES (sorted, space-separated)" WORD...: the cursor is on the last word.
expect() {
    local want=$1
    shift
    COMP_WORDS=("$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="$*"
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    _vigil vigil
    local got
    got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | xargs)
    if [[ $got == "$want" ]]; then
        echo "ok: '$*' -> $got"
    else
        echo "FAIL: '$*' -> '$got', expected '$want'"
        failures=$((failures + 1))
    fi
}

export VIGIL_CONFIG=$tmp/vigil.toml
expect "switchover" vigil sw
expect "check-config cleanup cleanup-vips" vigil c
expect "off on" vigil standby ""
expect "northbound southbound" vigil switchover ""
expect "southbound" vigil cleanup s
expect "--help --node --socket --to --wait-ms" vigil switchover northbound --
expect "alpha beta" vigil switchover northbound --to ""
expect "restart" vigil resource ""
expect "api" vigil resource restart ""
expect "heartbeat keepalived" vigil import ""
import_options="--authkeys --cluster-name --force --ha-cf --haresources --help --key-out"
expect "$import_options --node-address --out" vigil import heartbeat --
expect "--auth-key-file --cluster-name --conf --force --help --node-address --out" \
    vigil import keepalived --
expect "--follow" vigil events --f
expect "" vigil events -n ""
# --config on the line wins over $VIGIL_CONFIG (cleanup-vips reads that file).
expect "--config --help --node --resources --socket" vigil cleanup-vips --
expect "skip stop" vigil cleanup-vips --resources s
expect "journal" vigil agent --log j
expect "alpha gamma" vigil agent --config "$tmp/other.toml" --node ""
# No configuration file: no names, and no error.
VIGIL_CONFIG=$tmp/missing.toml expect "" vigil switchover ""
# File names for --config and check-config.
cd "$tmp/dir" || exit 1
expect "a.toml b.conf" vigil agent --config ""
expect "a.toml" vigil check-config a
expect "a.toml b.conf" vigil import heartbeat --ha-cf x --out ""
cd - >/dev/null || exit 1

if ((failures > 0)); then
    echo "$failures completion cases failed"
    exit 1
fi
echo "all completion cases passed"
