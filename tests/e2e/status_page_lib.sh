# shellcheck shell=bash
# Headless Chromium on the status page (docs/status_page.md), for test_status_page*.sh.
# Source after lib.sh. Chromium runs inside a lab namespace, where the page is served on
# 127.0.0.1:$SP_PORT; it dumps the DOM (or takes a screenshot) once the page's script has
# polled status.json a few times in virtual time, and status_page_facts.py turns the DOM
# into one fact a line. Skips the test (77) when Chromium is not installed. VIGIL_CHROMIUM
# names another browser binary.
SP_CHROMIUM=${VIGIL_CHROMIUM:-$(command -v chromium || true)}
if [[ -z $SP_CHROMIUM || ! -x $SP_CHROMIUM ]]; then
    echo "skipped: chromium is not installed (Debian's package chromium; scripts/setup" \
        "installs it)${VIGIL_CHROMIUM:+, or VIGIL_CHROMIUM=$VIGIL_CHROMIUM is not executable}"
    exit 77
fi
SP_PORT=9406
SP_LOG=""  # Chromium's stderr, in $LAB_DIR
SP_URL="http://127.0.0.1:$SP_PORT/"
SP_ARTIFACTS=${VIGIL_ARTIFACTS:-$LAB_ROOT/build/artifacts}
# As root Chromium needs --no-sandbox. 3 s of virtual time: the first poll and two more.
SP_CHROMIUM_ARGS=(--headless=new --no-sandbox --disable-gpu --no-first-run
    --disable-extensions --disable-breakpad "--window-size=1280,1000"
    --virtual-time-budget=3000)

# The body of http://127.0.0.1:$SP_PORT/PATH as seen from inside NS (a lab name, e.g. n1).
sp_http_get() {
    lab_exec "$1" python3 -c 'import sys, urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode())' \
        "$SP_URL$2" 2>/dev/null
}

# Ends what is left of one Chromium run in NS: only processes whose command line names
# that run's own profile directory, so nothing we did not start; then removes the profile.
sp_chromium_leftovers() {
    local pid
    for pid in $(ns_pids_matching "$1" "$2"); do kill -KILL "$pid" 2>/dev/null || true; done
    rm -rf "$2"
}

# sp_chromium NS ARGS...: Chromium on the page in NS with ARGS (--dump-dom prints the DOM
# on stdout, --screenshot=FILE), with a fresh profile directory removed afterwards, 90 s
# at most. Its stderr goes to $SP_LOG.
sp_chromium() {
    local ns=$1 profile rc=0
    shift
    SP_LOG=${SP_LOG:-$LAB_DIR/chromium.txt}
    profile=$(mktemp -d "$LAB_DIR/chromium-profile.XXXXXX")
    lab_on_cleanup "sp_chromium_leftovers $ns $profile"
    timeout -k 5 90 ip netns exec "$(lab_ns "$ns")" "$SP_CHROMIUM" "${SP_CHROMIUM_ARGS[@]}" \
        --user-data-dir="$profile" "$@" "$SP_URL" 2>>"$SP_LOG" || rc=$?
    sp_chromium_leftovers "$ns" "$profile"
    return "$rc"
}

# sp_load NS: loads the page in NS; sets SP_DOM (a file with the DOM) and SP_FACTS (what the
# page shows, one fact a line: status_page_facts.py). Call it in the main shell.
SP_DOM=""
SP_FACTS=""
sp_load() {
    SP_DOM=$(mktemp "$LAB_DIR/dom-$1.XXXXXX")
    sp_chromium "$1" --dump-dom >"$SP_DOM" ||
        fail "chromium could not load $SP_URL in $1's namespace: $(sp_chromium_errors)"
    SP_FACTS=$(python3 "$E2E_DIR/status_page_facts.py" "$SP_DOM") ||
        fail "cannot read the DOM in $SP_DOM"
}

# sp_expect WHAT RE: fails unless a line of SP_FACTS matches the extended regex RE.
sp_expect() {
    grep -qE -- "$2" <<<"$SP_FACTS" || fail "the page does not show $1 (no line matching /$2/); it shows:
$(sed 's/^/    /' <<<"$SP_FACTS")"
}

# The last lines Chromium wrote to stderr, without its complaints about a missing D-Bus.
sp_chromium_errors() { grep -v -e dbus -e 'unexpected operator' "$SP_LOG" | tail -n 5; }

# sp_screenshot NS NAME: saves the page in NS as $SP_ARTIFACTS/NAME.png and prints the path.
sp_screenshot() {
    local shot=$SP_ARTIFACTS/$2.png
    mkdir -p "$SP_ARTIFACTS"
    rm -f "$shot"
    sp_chromium "$1" --screenshot="$shot" >/dev/null ||
        fail "chromium could not take a screenshot: $(sp_chromium_errors)"
    [[ -s $shot ]] || fail "no screenshot in $shot"
    echo "screenshot: $shot"
}
