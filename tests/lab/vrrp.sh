# shellcheck shell=bash disable=SC2034
# vrrp.sh: VRRP additions to the lab (tests/lab/lab.sh must be sourced first), for the
# VRRPv3 end-to-end tests and bench/vrrp. Source it; do not run it.
#
#   lab_keepalived_start NODE CONF  run Debian's keepalived (VRRP only, foreground, logging
#                                   to $LAB_DIR/NODE.keepalived.log and not to syslog: with
#                                   no /dev/log, syslog(3) writes every line to /dev/console,
#                                   slowly enough to stall keepalived for seconds at a
#                                   failover of 100 routers) in NODE's namespace with
#                                   CONF; its pid files live in $LAB_DIR; sets
#                                   LAB_KEEPALIVED_PIDS[NODE]
#   lab_keepalived_stop NODE [SIG]  SIGTERM (or SIG: KILL = a crash) keepalived on NODE
#   lab_vrrp_vip_holders VIP NODE...  prints the NODEs that hold VIP, space-separated
#   lab_longest_overlap_ms FILE     from lab_watch_stop's JSON: the longest time (ms) during
#                                   which two or more nodes held the VIP at once (0 = never)
#   lab_vrrp_state NODE GROUP       the vrrp3 group's state in NODE's `vigil status --json`
#
# Many routers (bench/vrrp, tests/e2e/test_vrrp_many.sh). Router k (0-based) of N sits on
# the (interface, family) pair k % 4: (eth0, IPv4), (eth0, IPv6), (eth1, IPv4), (eth1,
# IPv6), with VRID k / 4 + 1 (so at most 4 x 250 = 1000 routers) and one VIP:
# 198.19.0.VRID/17 (eth0), fd00:19::VRID/64 (eth0), 198.19.128.VRID/17 (eth1),
# fd00:1a::VRID/64 (eth1) (VRID in hex for IPv6): inside 198.18.0.0/15 and fd00::/8, clear of
# the lab's node addresses. N < 4 uses only the first pairs.
#   lab_vrrp_prepare                promote_secondaries = 1 in the node namespaces, as
#                                   Debian's systemd sets it (50-default.conf): otherwise
#                                   removing the first VIP of a /17 removes all the others
#                                   on that interface with it, and the daemons put them back
#   lab_vrrp_routers N              prints N lines "NAME INTERFACE FAMILY VRID VIP/LEN"
#   lab_vrrp_vips N FILE            writes the N VIPs (no /len), one a line, in router order
#   lab_vrrp_write_config FILE N INTERVAL_MS [PLACEMENT]
#                                   vigil config: nodes n1, n2 (two_node = true), N vrrp3
#                                   routers; PLACEMENT "n1" (default: priority { n1 = 150,
#                                   n2 = 100 }) or "spread" (placement = "spread"); auth.key
#                                   beside FILE; sets LAB_CONFIG
#   lab_keepalived_write_config FILE NODE N INTERVAL_MS [FIRST [LAST]]
#                                   keepalived config with routers FIRST..LAST (0-based,
#                                   default all N): vrrp_version 3, state BACKUP, priority
#                                   150 on n1 and 100 on n2, one VIP each
#   lab_keepalived_write_configs PREFIX NODE N INTERVAL_MS
#                                   N one-router configs PREFIX-0.conf .. PREFIX-(N-1).conf
#   lab_keepalived_start NODE CONF ID  (with a third argument) one more keepalived on NODE,
#                                   files $LAB_DIR/NODE.ID.keepalived.*; its PID is
#                                   LAB_KEEPALIVED_PIDS[NODE.ID]
#   lab_keepalived_pids NODE        the PIDs of every keepalived started on NODE (with or
#                                   without ID), comma-separated
#   lab_keepalived_stop_all [SIG]   SIGTERM every keepalived at once, then wait for each
#   lab_vrrp_count FILE NODE...     one netlink sample: prints "N1COUNT N2COUNT..." of the
#                                   VIPs in FILE held by each NODE
#   lab_vrrp_raw_sockets PID        PID's raw VRRP sockets, "FAMILY BOUND_ADDRESS" a line
#   lab_vrrp_wait FILE TIMEOUT_MS NODE=COUNT...  true once every NODE holds exactly COUNT
#                                   of FILE's VIPs (sampled every 5 ms, bench/vrrp_vips.py)
declare -gA LAB_KEEPALIVED_PIDS=()
LAB_VRRP_VIPS_PY=$LAB_ROOT/bench/vrrp_vips.py

lab_keepalived_start() {
    local node=$1 conf=$2 key=$1${3:+.$3}
    command -v keepalived >/dev/null || lab__die "keepalived is not installed (scripts/setup)"
    lab_start_bg "$node" "$LAB_DIR/$key.keepalived.log" keepalived --dont-fork --log-console \
        --log-detail --no-syslog --vrrp --use-file="$conf" --pid="$LAB_DIR/$key.keepalived.pid" \
        --vrrp_pid="$LAB_DIR/$key.keepalived-vrrp.pid"
    LAB_KEEPALIVED_PIDS[$key]=$LAB_LAST_PID
}

lab_keepalived_pids() {
    local key out=()
    for key in "${!LAB_KEEPALIVED_PIDS[@]}"; do
        [[ $key == "$1" || $key == "$1".* ]] && out+=("${LAB_KEEPALIVED_PIDS[$key]}")
    done
    local IFS=,
    echo "${out[*]}"
}

lab_keepalived_stop_all() {
    local sig=${1:-TERM} key
    for key in "${!LAB_KEEPALIVED_PIDS[@]}"; do
        lab__ours "${LAB_KEEPALIVED_PIDS[$key]}" && kill "-$sig" "${LAB_KEEPALIVED_PIDS[$key]}" 2>/dev/null
    done
    for key in "${!LAB_KEEPALIVED_PIDS[@]}"; do
        lab_stop_pid "${LAB_KEEPALIVED_PIDS[$key]}" 5000 "$sig"
        unset "LAB_KEEPALIVED_PIDS[$key]"
    done
}

lab_keepalived_stop() {
    local node=$1 sig=${2:-TERM}
    local pid=${LAB_KEEPALIVED_PIDS[$node]:-}
    [[ -n $pid ]] || return 0
    if [[ $sig == KILL ]]; then
        lab_kill_tree "$pid" KILL
        lab_stop_pid "$pid" 1000
    else
        lab_stop_pid "$pid" 5000 "$sig"
    fi
    unset "LAB_KEEPALIVED_PIDS[$node]"
}

lab_vrrp_vip_holders() {
    local vip=$1 node out=()
    shift
    for node in "$@"; do lab_has_vip "$node" "$vip" && out+=("$node"); done
    echo "${out[*]}"
}

lab_longest_overlap_ms() {
    python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
held, start, longest = set(), None, 0.0
for c in d.get("changes", []):
    (held.add if c["holds"] else held.discard)(c["node"])
    t = c["t_ms"]
    if len(held) >= 2 and start is None:
        start = t
    elif len(held) < 2 and start is not None:
        longest, start = max(longest, t - start), None
if start is not None:  # still overlapping when the watch ended: as bad as it gets
    longest = float("inf")
print(int(round(longest)) if longest != float("inf") else 999999)
PY
}

lab_vrrp_state() {
    lab_vigil "$1" status --json 2>/dev/null |
        jq -r --arg g "$2" '.vrrp[]? | select(.name == $g) | .state' || true
}

lab_vrrp_prepare() {
    local i
    for ((i = 1; i <= LAB_NODES; i++)); do
        lab_exec "n$i" sysctl -qw net.ipv4.conf.all.promote_secondaries=1 \
            net.ipv4.conf.default.promote_secondaries=1 >/dev/null
    done
}

LAB__VRRP_ROUTERS_N=0
LAB__VRRP_ROUTERS=""
lab_vrrp_routers() { lab__vrrp_cache "$1"; printf '%s\n' "$LAB__VRRP_ROUTERS"; }

# The last list is kept (in the calling shell, not in a $(...)): bench/vrrp writes 200
# one-router keepalived configs from the same list.
lab__vrrp_cache() {
    local n=$1
    if ! [[ $n =~ ^[0-9]+$ ]] || ((n < 1 || n > 1000)); then lab__die "lab_vrrp_routers: N is 1..1000"; fi
    if ((n != LAB__VRRP_ROUTERS_N)); then
        LAB__VRRP_ROUTERS=$(lab__vrrp_routers "$n")
        LAB__VRRP_ROUTERS_N=$n
    fi
}

lab__vrrp_routers() {
    local n=$1 k vrid
    for ((k = 0; k < n; k++)); do
        vrid=$((k / 4 + 1))
        case $((k % 4)) in
            0) echo "vr$k eth0 4 $vrid 198.19.0.$vrid/17" ;;
            1) printf 'vr%d eth0 6 %d fd00:19::%x/64\n' "$k" "$vrid" "$vrid" ;;
            2) echo "vr$k eth1 4 $vrid 198.19.128.$vrid/17" ;;
            3) printf 'vr%d eth1 6 %d fd00:1a::%x/64\n' "$k" "$vrid" "$vrid" ;;
        esac
    done
}

lab_vrrp_vips() { lab_vrrp_routers "$1" | awk '{ sub(/\/.*/, "", $5); print $5 }' >"$2"; }

lab_vrrp_write_config() {
    local file=$1 n=$2 interval=$3 placement=${4:-n1} name iface fam vrid vip
    [[ $placement == n1 || $placement == spread ]] ||
        lab__die "lab_vrrp_write_config: placement is n1 or spread"
    lab__init
    lab__vrrp_cache "$n"
    (umask 077 && head -c 32 /dev/urandom | base64 >"$(dirname "$file")/auth.key")
    {
        printf '[cluster]\nname = "vrrp-many"\nauth_key_file = "auth.key"\n'
        printf 'state_dir = %s\ntwo_node = true\n' "$(lab__toml_string "$LAB_DIR/state")"
        printf '\n[[node]]\nname = "n1"\naddress = ["198.18.0.11", "198.18.1.11"]\n'
        printf '\n[[node]]\nname = "n2"\naddress = ["198.18.0.12", "198.18.1.12"]\n'
        while read -r name iface fam vrid vip; do
            printf '\n[[group]]\nname = "%s"\nprotocol = "vrrp3"\nvrid = %d\n' "$name" "$vrid"
            printf 'interface = "%s"\nadvert_interval_ms = %d\n' "$iface" "$interval"
            if [[ $placement == spread ]]; then
                printf 'placement = "spread"\n'
            else
                printf 'priority = { n1 = 150, n2 = 100 }\n'
            fi
            printf 'vip = [ { address = "%s" } ]\n' "$vip"
        done <<<"$LAB__VRRP_ROUTERS"
    } >"$file"
    LAB_CONFIG=$file
}

lab_keepalived_write_config() {
    local file=$1 node=$2 n=$3 interval=$4 first=${5:-0} last=${6:-} prio advert
    last=${last:-$((n - 1))}
    if [[ $node == n1 ]]; then prio=150; else prio=100; fi
    advert=$(awk -v ms="$interval" 'BEGIN { printf "%g", ms / 1000 }')
    lab__vrrp_cache "$n"
    {
        printf '# Generated by tests/lab/vrrp.sh for %s: routers %d..%d of %d.\n' \
            "$node" "$first" "$last" "$n"
        printf 'global_defs {\n    router_id %s\n    vrrp_version 3\n}\n' "$node"
        # awk, not a bash loop over the list: 200 one-router configs are written per case
        awk -v first="$first" -v last="$last" -v prio="$prio" -v advert="$advert" '
            NR - 1 >= first && NR - 1 <= last {
                printf "vrrp_instance %s {\n    state BACKUP\n    interface %s\n", $1, $2
                printf "    virtual_router_id %d\n    priority %d\n    advert_int %s\n", $4, prio, advert
                printf "    virtual_ipaddress {\n        %s dev %s\n    }\n}\n", $5, $2
            }' <<<"$LAB__VRRP_ROUTERS"
    } >"$file"
}

lab_keepalived_write_configs() {  # PREFIX NODE N INTERVAL_MS: PREFIX-K.conf, one router each
    local prefix=$1 node=$2 n=$3 interval=$4 prio=100 advert
    [[ $node == n1 ]] && prio=150
    advert=$(awk -v ms="$interval" 'BEGIN { printf "%g", ms / 1000 }')
    lab__vrrp_cache "$n"
    # One awk for all of them (the same text as lab_keepalived_write_config FIRST = LAST).
    awk -v prefix="$prefix" -v node="$node" -v n="$n" -v prio="$prio" -v advert="$advert" '
        {
            f = prefix "-" (NR - 1) ".conf"
            printf "# Generated by tests/lab/vrrp.sh for %s: routers %d..%d of %d.\n", node, NR - 1, NR - 1, n > f
            printf "global_defs {\n    router_id %s\n    vrrp_version 3\n}\n", node > f
            printf "vrrp_instance %s {\n    state BACKUP\n    interface %s\n", $1, $2 > f
            printf "    virtual_router_id %d\n    priority %d\n    advert_int %s\n", $4, prio, advert > f
            printf "    virtual_ipaddress {\n        %s dev %s\n    }\n}\n", $5, $2 > f
            close(f)
        }' <<<"$LAB__VRRP_ROUTERS"
}

lab_vrrp_count() {
    local file=$1 node targets=()
    shift
    for node in "$@"; do targets+=("$node=$(lab_ns "$node")"); done
    python3 "$LAB_VRRP_VIPS_PY" --vips "$file" "${targets[@]}" |
        jq -r --args '[.counts[$ARGS.positional[]]] | map(tostring) | join(" ")' "$@"
}

lab_vrrp_wait() {
    local file=$1 timeout=$2 spec node out targets=() until=()
    shift 2
    for spec in "$@"; do
        node=${spec%%=*}
        targets+=("$node=$(lab_ns "$node")")
        until+=("$spec")
    done
    out=$(IFS=,; python3 "$LAB_VRRP_VIPS_PY" --vips "$file" --until "${until[*]}" \
        --timeout-ms "$timeout" --interval-ms 5 "${targets[@]}") || return 1
    [[ $(jq -r .reached_ms <<<"$out") != null ]]
}

# PID's raw sockets of IP protocol 112 (VRRP), one line each: "FAMILY LOCAL_ADDRESS" (4 or
# 6; the address the socket is bound to, 0.0.0.0 / :: if none), read from the namespace's
# /proc/PID/net/raw and raw6 and kept only if PID holds the socket (its inode is one of
# PID's fds), so another process's sockets in the namespace do not count.
lab_vrrp_raw_sockets() {
    python3 - "$1" <<'PY'
import ipaddress, os, sys
pid = sys.argv[1]
inodes = set()
for fd in os.listdir(f"/proc/{pid}/fd"):
    try:
        link = os.readlink(f"/proc/{pid}/fd/{fd}")
    except OSError:
        continue
    if link.startswith("socket:["):
        inodes.add(link[8:-1])
for family, name in (("4", "raw"), ("6", "raw6")):
    with open(f"/proc/{pid}/net/{name}") as f:
        next(f)
        for line in f:
            cols = line.split()
            addr, proto = cols[1].split(":")
            if int(proto, 16) != 112 or cols[9] not in inodes:
                continue
            raw = bytes.fromhex(addr)
            # /proc prints each 32-bit word in host (little-endian) order
            packed = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
            print(family, ipaddress.ip_address(packed))
PY
}
