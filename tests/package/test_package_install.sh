#!/usr/bin/env bash
# The .deb, built from this build and installed into throwaway roots (ctest
# e2e.package_install; docs/packaging.md).
# Goal: the package holds what docs/packaging.md promises, with sane modes and metadata, and
# what it installs works: the binary runs and accepts the shipped example, the man pages
# render without warnings, the unit passes `systemd-analyze verify`, the completion loads,
# and the maintainer scripts reload systemd without enabling or starting vigil.
# Method: cpack into a temp dir; dpkg-deb -I/-c; dpkg --root install, remove and purge in
# a throwaway root (scripts run chrootless with DPKG_ROOT set, so they leave the host
# alone); the postinst and prerm once more with a fake systemctl, in a private mount
# namespace where /run/systemd/system exists. Everything lives under one temp dir, removed
# on any exit.
#
# usage: test_package_install.sh BUILD_DIR VERSION
set -euo pipefail
build=$(cd "$1" && pwd)
version=$2
tmp=$(mktemp -d /tmp/vigil-package.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
pass() { echo "ok: $*"; }

for tool in cpack dpkg-deb dpkg dpkg-shlibdeps man; do
    command -v "$tool" >/dev/null || { echo "skipped: $tool is not installed"; exit 77; }
done

# --- Build ----------------------------------------------------------------------------------
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/out" >"$tmp/cpack.log" 2>&1 ||
    { cat "$tmp/cpack.log"; fail "cpack -G DEB failed"; }
deb=$tmp/out/vigil_${version}_amd64.deb
[[ -f $deb ]] || fail "cpack made no $(basename "$deb"): $(ls "$tmp/out")"
pass "cpack built $(basename "$deb") ($(stat -c %s "$deb") bytes)"

# --- Metadata -------------------------------------------------------------------------------
field() { dpkg-deb -f "$deb" "$1"; }
[[ $(field Package) == vigil ]] || fail "Package: $(field Package)"
[[ $(field Version) == "$version" ]] || fail "Version: $(field Version)"
[[ $(field Architecture) == amd64 ]] || fail "Architecture: $(field Architecture)"
[[ $(field Section) == admin ]] || fail "Section: $(field Section)"
[[ -n $(field Maintainer) ]] || fail "no Maintainer"
[[ $(field Description) == "high availability for network-controller services"* ]] ||
    fail "Description: $(field Description)"
depends=$(field Depends)
for dep in iproute2 libc6 libssl3 libnl-3-200 libnl-route-3-200; do
    [[ ", $depends," == *", $dep"[\ ,]* ]] || fail "Depends lacks $dep: $depends"
done
pass "control: vigil $version amd64, section admin, Depends: $depends"

dpkg-deb -e "$deb" "$tmp/control"
for script in postinst prerm postrm; do
    [[ $(stat -c %a "$tmp/control/$script") == 755 ]] || fail "$script is not mode 755"
    sh -n "$tmp/control/$script" || fail "$script is not valid sh"
done
[[ $(cat "$tmp/control/conffiles") == /etc/vigil/vigil.toml.example ]] ||
    fail "conffiles: $(cat "$tmp/control/conffiles")"
pass "maintainer scripts postinst, prerm, postrm (0755); conffiles: the example only"

# --- Contents: every file, its mode and owner, and nothing else ----------------------------
expected="-rwxr-xr-x ./usr/sbin/vigil
-rw-r--r-- ./lib/systemd/system/vigil.service
-rw-r--r-- ./etc/vigil/vigil.toml.example
-rw-r--r-- ./usr/share/man/man8/vigil.8.gz
-rw-r--r-- ./usr/share/man/man5/vigil.toml.5.gz
-rw-r--r-- ./usr/share/bash-completion/completions/vigil
-rw-r--r-- ./usr/share/doc/vigil/README.md
-rw-r--r-- ./usr/share/doc/vigil/copyright
-rw-r--r-- ./usr/share/doc/vigil/docs/config.md
-rw-r--r-- ./usr/share/doc/vigil/docs/packaging.md
-rw-r--r-- ./usr/share/doc/vigil/examples/vigil-witness.toml
-rw-r--r-- ./usr/share/doc/vigil/examples/vigil-vrrp.toml
-rw-r--r-- ./usr/share/doc/vigil/examples/vigil.toml"
listing=$(dpkg-deb -c "$deb")
while read -r mode path; do
    grep -qE "^$mode root/root +[0-9]+ [0-9-]+ [0-9:]+ ${path//./\\.}\$" <<<"$listing" ||
        fail "package lacks $path with mode $mode, owner root: $(grep -F "$path" <<<"$listing")"
done <<<"$expected"
# Only these trees, no world-writable entry, everything owned by root.
share='usr/share/(man/man[58]|bash-completion/completions|doc/vigil(/docs|/examples)?)'
allowed="^\\./(etc/vigil|lib/systemd/system|usr/sbin|$share)/[^/]*\$"
while read -r mode owner _ _ _ path _; do
    [[ $owner == root/root ]] || fail "$path is owned by $owner"
    [[ ${mode:8:1} == w ]] && fail "$path is world-writable ($mode)"
    [[ $mode == d* ]] && continue
    [[ $path =~ $allowed ]] || fail "unexpected file in the package: $path"
done <<<"$listing"
pass "contents: $(grep -vc '^d' <<<"$listing") files, modes and owners as expected"

# --- Install, remove and purge in a throwaway root with dpkg --root -----------------------
root=$tmp/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
# The root holds no other package, so its dependencies are forced; its scripts run on the
# host (chrootless) with DPKG_ROOT=$root, which our scripts take as "not this system".
dpkg_root() {
    dpkg --root="$root" --force-not-root --force-script-chrootless --force-depends \
        --log=/dev/null "$@" >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "dpkg $*"; }
}
dpkg_root -i "$deb"
grep -A1 -x "Package: vigil" "$root/var/lib/dpkg/status" |
    grep -qx "Status: install ok installed" ||
    fail "dpkg --root does not list vigil as installed"
while read -r mode path; do
    [[ $(stat -c %A "$root/${path#./}") == "$mode" ]] || fail "installed $path: not $mode"
done <<<"$expected"
pass "dpkg --root -i: installed, every file in place with its mode"

# The installed binary runs, and accepts the shipped example given a key beside it.
"$root/usr/sbin/vigil" --help >"$tmp/help.txt" || fail "vigil --help exited $?"
grep -q "switchover" "$tmp/help.txt" || fail "vigil --help lists no switchover"
cp "$root/etc/vigil/vigil.toml.example" "$tmp/vigil.toml"
head -c 32 /dev/urandom | base64 >"$tmp/auth.key"
chmod 600 "$tmp/auth.key"
summary=$("$root/usr/sbin/vigil" check-config "$tmp/vigil.toml") ||
    fail "check-config refused the shipped example: $summary"
[[ $summary == "config ok: cluster controller, 3 nodes"* ]] || fail "check-config: $summary"
pass "installed vigil runs; check-config on the example: $summary"

# The man pages render without a warning, and man finds them by name in the root.
for page in man8/vigil.8.gz man5/vigil.toml.5.gz; do
    warnings=$(MANWIDTH=80 man --warnings -l "$root/usr/share/man/$page" 2>&1 >/dev/null)
    [[ -z $warnings ]] || fail "man -l $page warns: $warnings"
done
MANWIDTH=80 MANPATH=$root/usr/share/man man 8 vigil 2>/dev/null | grep -q "vigil switchover" ||
    fail "man 8 vigil (MANPATH in the root) does not show vigil switchover"
MANWIDTH=80 MANPATH=$root/usr/share/man man 5 vigil.toml 2>/dev/null | grep -q "dead_time_ms" ||
    fail "man 5 vigil.toml does not show dead_time_ms"
pass "vigil(8) and vigil.toml(5) render without warnings"

# The completion loads with bash-completion and completes vigil's subcommands.
bash -c 'source /usr/share/bash-completion/bash_completion && source "$1" &&
    complete -p vigil | grep -q _vigil && COMP_WORDS=(vigil swi) && COMP_CWORD=1 &&
    COMP_LINE="vigil swi" && COMP_POINT=9 && _vigil vigil &&
    [[ ${COMPREPLY[*]} == switchover ]]' _ "$root/usr/share/bash-completion/completions/vigil" ||
    fail "the installed completion does not load or complete 'vigil swi'"
pass "bash completion loads and completes"

# The unit passes systemd-analyze verify in a root holding the system's units (for the
# targets it names), the installed unit and binary; man finds its Documentation= pages.
if command -v systemd-analyze >/dev/null; then
    vroot=$tmp/verify-root
    mkdir -p "$vroot/lib/systemd" "$vroot/usr/sbin"
    cp -a /lib/systemd/system "$vroot/lib/systemd/system"
    cp "$root/lib/systemd/system/vigil.service" "$vroot/lib/systemd/system/vigil.service"
    cp "$root/usr/sbin/vigil" "$vroot/usr/sbin/vigil"
    out=$(cd "$tmp" && MANPATH=$root/usr/share/man systemd-analyze verify --root="$vroot" \
        vigil.service 2>&1) || fail "systemd-analyze verify: $out"
    [[ -z $out ]] || fail "systemd-analyze verify warns: $out"
    pass "systemd-analyze verify: the installed unit is clean"
else
    echo "note: systemd-analyze not installed; the unit was not verified"
fi

dpkg_root -r vigil
[[ ! -e $root/usr/sbin/vigil && ! -e $root/lib/systemd/system/vigil.service ]] ||
    fail "dpkg -r left the binary or the unit"
[[ -f $root/etc/vigil/vigil.toml.example ]] || fail "dpkg -r removed the conffile"
dpkg_root --purge vigil
[[ ! -e $root/etc/vigil/vigil.toml.example ]] || fail "dpkg --purge left the conffile"
pass "dpkg --root -r keeps the example (a conffile), --purge removes it"

# --- Maintainer scripts against a fake systemctl --------------------------------------------
fake=$tmp/fake-bin
mkdir -p "$fake"
cat >"$fake/systemctl" <<EOF
#!/bin/sh
echo "\$*" >>"$tmp/systemctl.calls"
EOF
chmod 755 "$fake/systemctl"
calls() { xargs 2>/dev/null <"$tmp/systemctl.calls" || true; }
run_script() {  # SCRIPT ARG...: in a mount namespace where /run/systemd/system exists
    # shellcheck disable=SC2016  # $0 and $@ belong to the inner sh
    unshare --mount --propagation private sh -c '
        mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system &&
        PATH="$0:$PATH" "$@"' "$fake" "$@"
}
if [[ $(id -u) -eq 0 ]] && unshare --mount --propagation private true 2>/dev/null; then
    run_script "$tmp/control/postinst" configure
    [[ $(calls) == "--system daemon-reload" ]] || fail "postinst under systemd ran: $(calls)"
    rm -f "$tmp/systemctl.calls"
    run_script env DPKG_ROOT=/elsewhere "$tmp/control/postinst" configure
    [[ -z $(calls) ]] || fail "postinst with DPKG_ROOT set ran systemctl: $(calls)"
    run_script "$tmp/control/prerm" upgrade
    [[ -z $(calls) ]] || fail "prerm upgrade ran systemctl: $(calls)"
    run_script "$tmp/control/prerm" remove
    [[ $(calls) == "stop vigil.service" ]] || fail "prerm remove ran: $(calls)"
    rm -f "$tmp/systemctl.calls"
    run_script "$tmp/control/postrm" purge
    [[ $(calls) == "--system daemon-reload" ]] || fail "postrm purge ran: $(calls)"
    pass "maintainer scripts: daemon-reload on configure, stop on remove; never enable or start"
else
    echo "note: no root or no mount namespaces: maintainer scripts checked without systemd only"
fi
# Without systemd running (no /run/systemd/system) the scripts call nothing. The check is
# the fake systemctl: it must not have been called by the dpkg --root run either.
rm -f "$tmp/systemctl.calls"
[[ -d /run/systemd/system ]] || PATH="$fake:$PATH" sh "$tmp/control/postinst" configure
[[ -z $(calls) ]] || fail "postinst without systemd ran systemctl: $(calls)"

echo "package install test passed"
