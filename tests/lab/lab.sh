# shellcheck shell=bash disable=SC2034  # the globals below are for the callers
# lab.sh: a throwaway network lab in Linux network namespaces, shared by the demo, the
# end-to-end tests (tests/e2e/) and the benchmarks (bench/). Source it; do not run it.
#
# Topology (P = per-run prefix, e.g. "vg12345xa3f"; every name below is created by us):
#
#   ${P}n1 eth0 ─ n1e0 ┐            ┌ n1e1 ─ eth1 ${P}n1
#   ${P}n2 eth0 ─ n2e0 ┤ br0    br1 ├ n2e1 ─ eth1 ${P}n2
#   ${P}w  eth0 ─  we0 ┤  (${P}sw)  ├  we1 ─ eth1 ${P}w   (lab_create N --witness)
#   ${P}c  eth0 ─  ce0 ┘            │
#
#   link 0 (br0): 198.18.0.0/24 and fd00:18::/64; node i has .(10+i) and fd00:18::(10+i),
#                 the witness .30 and fd00:18::30, the client .100 and fd00:18::100
#   link 1 (br1): 198.18.1.0/24; node i has .(10+i), the witness .30
#   VIPs (by convention, held by whoever the cluster elects): northbound 198.18.0.10/24 and
#   fd00:18::10/64, southbound 198.18.0.20/24. Node count is 1..9 so node addresses never
#   reach .20.
#   The witness `w` is a voter that holds no group (`vigil witness`): with two nodes it is
#   the third vote of the quorum. Every function that takes a node also takes `w`.
#
# Safety: addresses only from 198.18.0.0/15 (RFC 2544 benchmarking) and fd00::/8 (ULA), and
# only inside namespaces this file creates; nothing is configured in the host namespace.
# The prefix holds our PID plus random characters, so parallel runs cannot collide.
# Everything is removed by lab_cleanup, which runs on EXIT (installed on first use; INT and
# TERM exit 130/143, which runs it too), also when the caller fails under `set -e`.
# Do not install your own EXIT trap afterwards (it would replace ours): use lab_on_cleanup.
# Only processes started through this file are signalled: their PIDs are recorded together
# with their start times, so a recycled PID is never hit. Call the lab_start_*/probe
# functions in the main shell, not inside $(...), or the record is lost with the subshell.
#
# Functions:
#   lab_skip_unless_root           exit 77 unless root and `ip netns add` works
#   lab_create N [--witness]       build the topology above with N nodes (1..9), and the
#                                  witness namespace w if asked
#   lab_ns NAME                    full namespace name of sw | c | nX
#   lab_exec NAME CMD...           run CMD inside namespace NAME
#   lab_power_off NODE             set NODE's switch-side ports down (both cables pulled;
#   lab_power_on NODE                the node's processes keep running) / back up
#   lab_addr NODE LINK [6]         NODE's address on link 0|1 (6: its IPv6 one on link 0)
#   lab_cut SRC DST                drop everything SRC sends to DST's node addresses, on
#                                  every link (one way; cut both ways with two calls). SRC
#                                  still reaches the client and everyone else, so a VIP it
#                                  holds stays visible. See the function for how.
#   lab_heal SRC DST               undo lab_cut SRC DST
#   lab_write_config FILE [opts]   vigil TOML config for the lab + auth.key beside it;
#                                  opts: --nodes N --groups 1|2 --heartbeat-interval-ms MS
#                                  --dead-time-ms MS --preempt true|false --notify CMD
#                                  --port N --name NAME --witness true|false (add node w,
#                                  witness = true) --two-node true|false (two_node = true,
#                                  for two nodes without a witness). Sets LAB_CONFIG=FILE.
#                                  The durable state goes to $LAB_DIR/state (state_dir).
#                                  Managed services: --group-keys TOML (lines added to the
#                                  northbound group, e.g. 'resources = ["svc"]'),
#                                  --southbound-keys TOML (likewise, --groups 2), --append
#                                  TOML (added at the end: [[resource]] and [[check]]
#                                  tables); see lab_resource_exec / lab_resource_lsb.
#   lab_resource_exec NAME PORT [KEY=VALUE...]
#                                  prints a [[resource]] table (after a blank line) that
#                                  runs the sample service (tools/echo_service.py) on PORT
#                                  as an exec resource; KEY=VALUE lines (TOML values) are
#                                  added as they are
#   lab_resource_lsb NAME PORT DIR [KEY=VALUE...]
#                                  the same service in command form: start/stop/monitor
#                                  through tools/lsb_service.sh, pidfile under DIR
#   lab_start_agent NODE [CONFIG]  start `vigil agent` in NODE's namespace (for w: `vigil
#                                  witness`), log to $LAB_DIR/NODE.log, socket
#                                  $LAB_DIR/NODE.sock
#   lab_stop_agent NODE [MS]       SIGTERM, wait up to MS (5000), then SIGKILL the tree
#   lab_agent_pid NODE             PID of NODE's supervisor (the process we started)
#   lab_vigil NODE ARGS...         run `vigil ARGS... --socket $LAB_DIR/NODE.sock`
#   lab_start_bg NAME LOG CMD...   start CMD in namespace NAME in the background, output to
#                                  LOG; sets LAB_LAST_PID and records it for cleanup
#   lab_stop_pid PID [MS] [SIG]    send SIG (TERM) to a recorded PID, wait up to MS (5000),
#                                  then SIGKILL it and its descendants; forget it
#   lab_kill_tree PID SIG          freeze a recorded PID and all its descendants, then send
#                                  SIG to all (a crash: nobody gets to react first)
#   lab_has_vip NODE ADDR [DEV]    ADDR (with or without /len) is on NODE (on DEV)
#   lab_wait_for MS CMD...         poll CMD every 10 ms until it succeeds (0) or MS pass (1)
#   lab_now_ms                     wall-clock ms without a fork, for deltas within one run
#   lab_probe_start TARGET MS [IV] start vigil-probe in the client namespace (sets
#                                  LAB_PROBE_PID, LAB_PROBE_OUT); with LAB_PROBE_PORT set,
#                                  it connects to TARGET:LAB_PROBE_PORT over TCP instead and
#                                  also reports which node answered (tools/probe_tcp.cc)
#   lab_probe_stop                 stop it early (SIGTERM makes it print), wait for output
#   lab_json_num FILE KEY          a top-level number from the probe's JSON ("" if absent)
#   lab_watch_start VIP NODE...    sample which of NODEs hold VIP every LAB_WATCH_MS (5) ms,
#                                  through netlink (tests/lab/vip_watch.py); sets
#                                  LAB_WATCH_PID, LAB_WATCH_OUT
#   lab_watch_stop                 stop it; LAB_WATCH_OUT then holds its JSON summary:
#                                  samples, overlap_samples (instants with 2+ holders), ...
#   lab_measure_outage VIP FAULT RECOVERED [TIMEOUT_MS] [TAIL_MS]
#                                  probe VIP, eval FAULT, wait until eval RECOVERED holds,
#                                  keep probing TAIL_MS more; sets LAB_OUTAGE_MS (longest
#                                  reply gap), LAB_OUTAGE_OPEN (1 if still out at the end);
#                                  LAB_PROBE_PORT set: the service on VIP:PORT (TCP), and
#                                  LAB_OUTAGE_NODES = the answering nodes, e.g. "n1 n2"
#   lab_tcp_answer ADDR PORT [NS]  one TCP connection from the client (or NS): prints the
#                                  line the service answered (the node name); 1 s at most
#   lab_on_cleanup CMD             eval CMD first thing at cleanup (last added runs first)
#   lab_cleanup                    remove everything now (idempotent; also runs on EXIT)
#
# Variables: VIGIL_BIN, VIGIL_PROBE (default: the newest in the repo's build*/ dirs),
# LAB_DIR (mktemp -d; kept and printed when LAB_KEEP=1), LAB_PREFIX, LAB_NODES,
# LAB_PROBE_FIFO=0 (run the probe at normal priority; see lab_probe_start), LAB_PROBE_PORT
# (empty: ICMP), LAB_PROBE_MS (lab_measure_outage's probe interval, 2), LAB_ECHO_SERVICE
# and LAB_LSB_SERVICE (the sample service and its LSB script, tools/).

LAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LAB_PREFIX="vg$$x$(printf '%03x' $((RANDOM % 4096)))"
LAB_DIR=""
LAB_NODES=0
LAB_WITNESS=0
LAB_CONFIG=""
LAB_LAST_PID=""
LAB_PROBE_PID=""
LAB_PROBE_OUT=""
LAB_PROBE_COUNT=0
LAB_OUTAGE_MS=""
LAB_OUTAGE_OPEN=""
LAB_OUTAGE_NODES=""
LAB_PROBE_PORT=${LAB_PROBE_PORT:-}
LAB_WATCH_PID=""
LAB_WATCH_OUT=""
LAB_NAMESPACES=()
LAB_CLEANUP_HOOKS=()
LAB_CLEANED=0
declare -A LAB_PIDS=()        # pid -> start time (field 22 of /proc/pid/stat)
declare -A LAB_AGENT_PIDS=()  # node -> supervisor pid

lab__find_bin() {  # $1 = target name; the newest build*/$1 (a stale build dir loses)
    local f best=""
    for f in "$LAB_ROOT"/build*/"$1"; do
        if [[ -x $f && ( -z $best || $f -nt $best ) ]]; then best=$f; fi
    done
    echo "${best:-$1}"
}
VIGIL_BIN=${VIGIL_BIN:-$(lab__find_bin vigil)}
VIGIL_PROBE=${VIGIL_PROBE:-$(lab__find_bin vigil-probe)}
LAB_ECHO_SERVICE=$LAB_ROOT/tools/echo_service.py
LAB_LSB_SERVICE=$LAB_ROOT/tools/lsb_service.sh

lab__die() { echo "lab: $*" >&2; exit 1; }

lab__init() {  # idempotent: the run directory and the cleanup trap
    [[ -n $LAB_DIR ]] && return
    LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/vigil-lab.XXXXXX")
    trap lab_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

lab_skip_unless_root() {
    local msg="skipped: needs root and network namespaces (ip netns)"
    if [[ $(id -u) -ne 0 ]] || ! command -v ip >/dev/null; then echo "$msg"; exit 77; fi
    if ! ip netns add "${LAB_PREFIX}t" 2>/dev/null; then echo "$msg"; exit 77; fi
    ip netns del "${LAB_PREFIX}t"
}

lab_ns() { echo "${LAB_PREFIX}$1"; }
lab_exec() { local ns; ns=$(lab_ns "$1"); shift; ip netns exec "$ns" "$@"; }

lab__node() {  # accepts "n3" or "3" (prints "n3"), or the witness "w"
    [[ $1 == w ]] && { echo w; return; }
    local n=${1#n}
    [[ $n =~ ^[1-9]$ ]] || lab__die "bad node name '$1' (want n1..n9 or w)"
    echo "n$n"
}

# The host part of a node's addresses: .(10+i) for node i, .30 for the witness.
lab__host() {
    local node; node=$(lab__node "$1")
    if [[ $node == w ]]; then echo 30; else echo $((10 + ${node#n})); fi
}

lab_addr() {  # NODE LINK [6]
    local host; host=$(lab__host "$1")
    case "$2${3:-}" in
        0) echo "198.18.0.$host" ;;
        1) echo "198.18.1.$host" ;;
        06) echo "fd00:18::$host" ;;
        *) lab__die "lab_addr: no address for link '$2' family '${3:-4}'" ;;
    esac
}

lab__add_ns() {  # $1 = short name; IPv6 DAD off before any interface exists in it
    local ns; ns=$(lab_ns "$1")
    ip netns add "$ns" || lab__die "cannot create namespace $ns"
    LAB_NAMESPACES+=("$ns")
    ip -n "$ns" link set lo up
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
        net.ipv6.conf.default.accept_dad=0 >/dev/null
}

lab__cable() {  # $1 = ns short name, $2 = its device, $3 = switch port, $4 = bridge
    local sw; sw=$(lab_ns sw)
    ip -n "$sw" link add "$3" type veth peer name "$2" netns "$(lab_ns "$1")"
    ip -n "$sw" link set "$3" master "$4" up
    ip -n "$(lab_ns "$1")" link set "$2" up
}

lab__add_host() {  # $1 = node name (nX or w): namespace, two cables, its addresses
    local node=$1 host; host=$(lab__host "$1")
    lab__add_ns "$node"
    lab__cable "$node" eth0 "${node}e0" br0
    lab__cable "$node" eth1 "${node}e1" br1
    ip -n "$(lab_ns "$node")" addr add "198.18.0.$host/24" dev eth0
    ip -n "$(lab_ns "$node")" addr add "fd00:18::$host/64" dev eth0 nodad
    ip -n "$(lab_ns "$node")" addr add "198.18.1.$host/24" dev eth1
}

lab_create() {
    local count=${1:-2} witness=${2:-} i n
    [[ $count =~ ^[1-9]$ ]] || lab__die "lab_create wants 1..9 nodes, got '$count'"
    [[ -z $witness || $witness == --witness ]] || lab__die "lab_create: unknown option '$witness'"
    lab__init
    lab__add_ns sw
    # The switch needs no IPv6 of its own; disabling it keeps captures free of its noise.
    ip netns exec "$(lab_ns sw)" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
        net.ipv6.conf.default.disable_ipv6=1 >/dev/null
    for n in 0 1; do
        # No snooping: multicast (VRRP, neighbour discovery) is flooded like on a hub.
        ip -n "$(lab_ns sw)" link add "br$n" type bridge mcast_snooping 0
        ip -n "$(lab_ns sw)" link set "br$n" up
    done
    for ((i = 1; i <= count; i++)); do lab__add_host "n$i"; done
    if [[ -n $witness ]]; then
        lab__add_host w
        LAB_WITNESS=1
    fi
    lab__add_ns c
    lab__cable c eth0 ce0 br0
    ip -n "$(lab_ns c)" addr add 198.18.0.100/24 dev eth0
    ip -n "$(lab_ns c)" addr add fd00:18::100/64 dev eth0 nodad
    LAB_NODES=$count
}

lab__ports() {  # $1 = node, $2 = up|down
    local node; node=$(lab__node "$1")
    ip -n "$(lab_ns sw)" link set "${node}e0" "$2"
    ip -n "$(lab_ns sw)" link set "${node}e1" "$2"
}
lab_power_off() { lab__ports "$1" down; }
lab_power_on() { lab__ports "$1" up; }

# lab_cut points SRC's neighbour entries for DST's node addresses (both links, and IPv6 on
# link 0) at a MAC address nobody has, as permanent entries that ARP and ND do not replace.
# SRC's datagrams to DST leave with that destination MAC; the bridge floods them and every
# receiver drops them as addressed to another host, while sendto() succeeds: a silent loss,
# as on a broken path, not an error the agent would see. Nothing else changes: SRC still
# reaches the client and other nodes, DST still reaches SRC (cut both ways with two calls),
# and VIP traffic is untouched. Why not tc or iptables: the lab kernel may lack netem and
# tc actions, and iptables is not installed everywhere; `ip neigh` always works.
LAB__NOWHERE_MAC=02:00:00:de:ad:00
lab__cut_entries() {  # SRC DST: prints "ADDRESS DEVICE" for each of DST's node addresses
    local host; host=$(lab__host "$2")
    printf '198.18.0.%s eth0\nfd00:18::%s eth0\n198.18.1.%s eth1\n' "$host" "$host" "$host"
}
lab_cut() {  # one `ip -batch` per call: every link is cut within a millisecond or so
    local ns; ns=$(lab_ns "$(lab__node "$1")")
    lab__cut_entries "$1" "$2" |
        awk -v mac="$LAB__NOWHERE_MAC" '{ print "neigh replace", $1, "lladdr", mac, "dev", $2,
            "nud permanent" }' | ip -n "$ns" -batch - || lab__die "lab_cut: cannot cut $1 -> $2"
}
lab_heal() {  # the next datagram resolves DST again by ARP / ND
    local ns; ns=$(lab_ns "$(lab__node "$1")")
    lab__cut_entries "$1" "$2" | awk '{ print "neigh del", $1, "dev", $2 }' |
        ip -n "$ns" -force -batch - 2>/dev/null || true
}

lab__toml_string() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; }

lab__priorities() {  # $1 = preferred node index, $2 = node count: preferred 150, then 100, 90..
    local out="" i p=100
    for ((i = 1; i <= $2; i++)); do
        if ((i == $1)); then out+="n$i = 150, "; else out+="n$i = $p, "; p=$((p - 10)); fi
    done
    echo "{ ${out%, } }"
}

lab_write_config() {
    local file=$1 nodes=${LAB_NODES:-2} groups=1 hb=50 dead=250 preempt=true notify=""
    local port=7405 name=lab witness=false two_node=false i
    local group_keys="" southbound_keys="" append=""
    shift
    ((nodes >= 1)) || nodes=2
    while (($#)); do
        (($# >= 2)) || lab__die "lab_write_config: $1 needs a value"
        case $1 in
            --nodes) nodes=$2 ;;
            --groups) groups=$2 ;;
            --heartbeat-interval-ms) hb=$2 ;;
            --dead-time-ms) dead=$2 ;;
            --preempt) preempt=$2 ;;
            --notify) notify=$2 ;;
            --port) port=$2 ;;
            --name) name=$2 ;;
            --witness) witness=$2 ;;
            --two-node) two_node=$2 ;;
            --group-keys) group_keys=$2 ;;
            --southbound-keys) southbound_keys=$2 ;;
            --append) append=$2 ;;
            *) lab__die "lab_write_config: unknown option '$1'" ;;
        esac
        shift 2
    done
    for i in "$nodes" "$hb" "$dead" "$port"; do
        [[ $i =~ ^[0-9]+$ ]] || lab__die "lab_write_config: '$i' is not a number"
    done
    ((nodes >= 1 && nodes <= 9)) || lab__die "lab_write_config: --nodes is 1..9"
    [[ $groups == 1 || $groups == 2 ]] || lab__die "lab_write_config: --groups is 1 or 2"
    [[ $preempt == true || $preempt == false ]] || lab__die "--preempt is true or false"
    [[ $witness == true || $witness == false ]] || lab__die "--witness is true or false"
    [[ $two_node == true || $two_node == false ]] || lab__die "--two-node is true or false"
    ((groups == 1 || nodes >= 2)) || lab__die "lab_write_config: 2 groups need 2 nodes"
    lab__init
    (umask 077 && head -c 32 /dev/urandom | base64 >"$(dirname "$file")/auth.key")
    {
        printf '[cluster]\nname = %s\nauth_key_file = "auth.key"\n' "$(lab__toml_string "$name")"
        printf 'heartbeat_interval_ms = %d\ndead_time_ms = %d\nport = %d\n' "$hb" "$dead" "$port"
        printf 'state_dir = %s\n' "$(lab__toml_string "$LAB_DIR/state")"
        [[ $two_node == true ]] && printf 'two_node = true\n'
        for ((i = 1; i <= nodes; i++)); do
            printf '\n[[node]]\nname = "n%d"\naddress = ["198.18.0.%d", "198.18.1.%d"]\n' \
                "$i" $((10 + i)) $((10 + i))
        done
        if [[ $witness == true ]]; then
            printf '\n[[node]]\nname = "w"\naddress = ["%s", "%s"]\nwitness = true\n' \
                "$(lab_addr w 0)" "$(lab_addr w 1)"
        fi
        printf '\n[[group]]\nname = "northbound"\npriority = %s\npreempt = %s\n' \
            "$(lab__priorities 1 "$nodes")" "$preempt"
        printf 'vip = [ { address = "198.18.0.10/24", interface = "eth0" },\n'
        printf '        { address = "fd00:18::10/64", interface = "eth0" } ]\n'
        [[ -n $notify ]] && printf 'notify = %s\n' "$(lab__toml_string "$notify")"
        [[ -n $group_keys ]] && printf '%s\n' "$group_keys"
        if ((groups == 2)); then
            printf '\n[[group]]\nname = "southbound"\npriority = %s\npreempt = %s\n' \
                "$(lab__priorities 2 "$nodes")" "$preempt"
            printf 'vip = [ { address = "198.18.0.20/24", interface = "eth0" } ]\n'
            [[ -n $notify ]] && printf 'notify = %s\n' "$(lab__toml_string "$notify")"
            [[ -n $southbound_keys ]] && printf '%s\n' "$southbound_keys"
        fi
        [[ -n $append ]] && printf '\n%s\n' "$append"
        true
    } >"$file"
    LAB_CONFIG=$file
}

lab__resource_keys() {  # KEY=VALUE...: one TOML line each, the value as given
    local kv
    for kv in "$@"; do
        [[ $kv == *=* ]] || lab__die "lab_resource_*: '$kv' is not KEY=VALUE"
        printf '%s = %s\n' "${kv%%=*}" "${kv#*=}"
    done
}

lab_resource_exec() {  # NAME PORT [KEY=VALUE...]
    local name=$1 port=$2
    shift 2
    printf '\n[[resource]]\nname = %s\nexec = %s\n' "$(lab__toml_string "$name")" \
        "$(lab__toml_string "python3 -S $LAB_ECHO_SERVICE --port $port")"
    lab__resource_keys "$@"
}

lab_resource_lsb() {  # NAME PORT DIR [KEY=VALUE...]
    local name=$1 port=$2 dir=$3 script=$LAB_LSB_SERVICE
    shift 3
    printf '\n[[resource]]\nname = %s\n' "$(lab__toml_string "$name")"
    printf 'start = %s\n' "$(lab__toml_string "$script start $dir $name $port")"
    printf 'stop = %s\n' "$(lab__toml_string "$script stop $dir $name")"
    printf 'monitor = %s\n' "$(lab__toml_string "$script status $dir $name")"
    lab__resource_keys "$@"
}

lab__start_time() {  # field 22 of /proc/PID/stat; the fields after "(comm) " start at 3
    local s f
    s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    read -ra f <<<"${s##*) }"
    echo "${f[19]}"
}

lab__ours() {  # the PID is recorded and still the same process
    [[ -n ${LAB_PIDS[$1]:-} ]] && [[ $(lab__start_time "$1") == "${LAB_PIDS[$1]}" ]]
}

lab__descendants() {  # children first, recursively, of a PID
    local child
    for child in $(pgrep -P "$1" 2>/dev/null); do lab__descendants "$child"; echo "$child"; done
}

lab_start_bg() {
    local ns; ns=$(lab_ns "$1")
    local log=$2
    shift 2
    lab__init
    ip netns exec "$ns" "$@" >>"$log" 2>&1 </dev/null &
    LAB_LAST_PID=$!
    LAB_PIDS[$LAB_LAST_PID]=$(lab__start_time "$LAB_LAST_PID" || true)  # "" if gone already
    # Disowned, so bash does not print "Killed" when we end it; bash still reaps it.
    disown "$LAB_LAST_PID"
}

lab_kill_tree() {
    local pid=$1 sig=$2 all
    lab__ours "$pid" || return 0
    mapfile -t all < <(lab__descendants "$pid")
    all+=("$pid")
    kill -STOP "${all[@]}" 2>/dev/null || true
    kill "-$sig" "${all[@]}" 2>/dev/null || true
    [[ $sig == KILL || $sig == 9 ]] || kill -CONT "${all[@]}" 2>/dev/null || true
}

lab_stop_pid() {
    local pid=$1 timeout_ms=${2:-5000} sig=${3:-TERM} tree
    lab__ours "$pid" || { unset "LAB_PIDS[$pid]"; return 0; }
    mapfile -t tree < <(lab__descendants "$pid")
    kill "-$sig" "$pid" 2>/dev/null || true
    lab_wait_for "$timeout_ms" lab__gone "$pid" || true
    # Whatever is left of the tree (a hung child of a supervisor) does not outlive the stop.
    kill -KILL "$pid" "${tree[@]}" 2>/dev/null || true
    lab_wait_for 1000 lab__gone "$pid" || true
    unset "LAB_PIDS[$pid]"
}

lab__gone() {  # not running (a zombie counts as gone)
    local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    s=${s##*) }; [[ ${s:0:1} == Z ]]
}

lab_start_agent() {
    local node; node=$(lab__node "$1")
    local config=${2:-$LAB_CONFIG} command=agent
    [[ -n $config ]] || lab__die "lab_start_agent: no config (call lab_write_config first)"
    [[ $node == w ]] && command=witness
    lab_start_bg "$node" "$LAB_DIR/$node.log" "$VIGIL_BIN" "$command" --config "$config" \
        --node "$node" --socket "$LAB_DIR/$node.sock"
    LAB_AGENT_PIDS[$node]=$LAB_LAST_PID
}

lab_agent_pid() { local node; node=$(lab__node "$1"); echo "${LAB_AGENT_PIDS[$node]:-}"; }

lab_stop_agent() {
    local node; node=$(lab__node "$1")
    local pid=${LAB_AGENT_PIDS[$node]:-}
    [[ -n $pid ]] || return 0
    lab_stop_pid "$pid" "${2:-5000}"
    unset "LAB_AGENT_PIDS[$node]"
}

lab_vigil() {
    local node; node=$(lab__node "$1")
    shift
    "$VIGIL_BIN" "$@" --socket "$LAB_DIR/$node.sock"
}

lab_has_vip() {
    local want=${2%%/*} dev=${3:-}
    ip -n "$(lab_ns "$(lab__node "$1")")" -o addr show ${dev:+dev "$dev"} 2>/dev/null |
        awk -v want="$want" '{ for (i = 1; i < NF; i++) if ($i == "inet" || $i == "inet6") {
            split($(i + 1), a, "/"); if (a[1] == want) found = 1 } } END { exit !found }'
}

lab_wait_for() {
    local deadline=$(($(lab_now_ms) + $1))
    shift
    while true; do
        "$@" && return 0
        (($(lab_now_ms) >= deadline)) && return 1
        sleep 0.01
    done
}

lab_now_ms() {
    if [[ -n ${EPOCHREALTIME:-} ]]; then
        local us=${EPOCHREALTIME//[.,]/}
        echo $((us / 1000))
    else
        echo $(($(date +%s%N) / 1000000))
    fi
}

# The probe runs SCHED_FIFO when allowed: on a busy machine a normal-priority probe is
# descheduled for several ms now and then, and those pauses look like outages (we saw
# 10 ms gaps with no fault at all at load 10; none with SCHED_FIFO). It sleeps in poll()
# between packets, so it cannot starve anything. LAB_PROBE_FIFO=0 turns this off.
LAB__PROBE_PREFIX=()
LAB__PROBE_CHECKED=0
lab_probe_start() {  # TARGET DURATION_MS [INTERVAL_MS]
    [[ -x $VIGIL_PROBE ]] || lab__die "vigil-probe not found (set VIGIL_PROBE)"
    if ((!LAB__PROBE_CHECKED)); then
        LAB__PROBE_CHECKED=1
        if [[ ${LAB_PROBE_FIFO:-1} != 0 ]] && chrt -f 20 true 2>/dev/null; then
            LAB__PROBE_PREFIX=(chrt -f 20)
        fi
    fi
    LAB_PROBE_COUNT=$((LAB_PROBE_COUNT + 1))
    LAB_PROBE_OUT="$LAB_DIR/probe-$LAB_PROBE_COUNT.json"
    : >"$LAB_PROBE_OUT"
    lab_start_bg c "$LAB_PROBE_OUT" "${LAB__PROBE_PREFIX[@]}" "$VIGIL_PROBE" --target "$1" \
        --duration-ms "$2" --interval-ms "${3:-2}" --json \
        ${LAB_PROBE_PORT:+--tcp-port "$LAB_PROBE_PORT"}
    LAB_PROBE_PID=$LAB_LAST_PID
}

lab_probe_stop() {  # SIGTERM ends the probe early; it prints its JSON on the way out
    [[ -n $LAB_PROBE_PID ]] || return 0
    lab_stop_pid "$LAB_PROBE_PID" 2000
    LAB_PROBE_PID=""
}

lab_json_num() {
    local text; text=$(cat "$1" 2>/dev/null) || return 0
    [[ $text =~ \"$2\":(-?[0-9.]+) ]] && echo "${BASH_REMATCH[1]}"
    return 0
}

lab_watch_start() {  # VIP NODE...: sample the VIP's holders among NODEs until lab_watch_stop
    local vip=$1 node targets=()
    shift
    for node in "$@"; do
        node=$(lab__node "$node")
        targets+=("$node=$(lab_ns "$node")")
    done
    LAB_WATCH_OUT="$LAB_DIR/watch-$(lab_now_ms).json"
    : >"$LAB_WATCH_OUT"
    # In the switch's namespace only so that cleanup finds it; it opens one socket in each
    # node's namespace. 60 s is a cap: tests stop it long before.
    lab_start_bg sw "$LAB_WATCH_OUT" python3 "$LAB_ROOT/tests/lab/vip_watch.py" --vip "$vip" \
        --duration-ms 60000 --interval-ms "${LAB_WATCH_MS:-5}" --ready "$LAB_WATCH_OUT.ready" \
        "${targets[@]}"
    LAB_WATCH_PID=$LAB_LAST_PID
    lab_wait_for 3000 test -e "$LAB_WATCH_OUT.ready" ||
        lab__die "vip_watch did not start: $(cat "$LAB_WATCH_OUT")"
}

lab_watch_stop() {  # SIGTERM makes it print its JSON summary into LAB_WATCH_OUT
    [[ -n $LAB_WATCH_PID ]] || return 0
    lab_stop_pid "$LAB_WATCH_PID" 3000
    LAB_WATCH_PID=""
    jq -e .samples "$LAB_WATCH_OUT" >/dev/null 2>&1 ||
        lab__die "vip_watch printed no summary: $(cat "$LAB_WATCH_OUT")"
}

lab_measure_outage() {  # VIP FAULT RECOVERED [TIMEOUT_MS] [TAIL_MS]
    local vip=$1 fault=$2 recovered=$3 timeout_ms=${4:-10000} tail_ms=${5:-500}
    local warmup_ms=300
    # The duration is only a cap; we stop the probe once recovered and the tail has passed.
    lab_probe_start "$vip" $((warmup_ms + timeout_ms + tail_ms + 1000)) "${LAB_PROBE_MS:-2}"
    # Start the fault only once the client has a reply path (ARP/ND resolved, probe running).
    sleep "$(awk -v ms="$warmup_ms" 'BEGIN { printf "%.3f", ms / 1000 }')"
    eval "$fault"
    lab_wait_for "$timeout_ms" eval "$recovered" || echo "lab: not recovered after" \
        "${timeout_ms} ms: $recovered" >&2
    sleep "$(awk -v ms="$tail_ms" 'BEGIN { printf "%.3f", ms / 1000 }')"
    lab_probe_stop
    LAB_OUTAGE_MS=$(lab_json_num "$LAB_PROBE_OUT" max_gap_ms)
    [[ -n $LAB_OUTAGE_MS ]] || lab__die "probe printed no result: $(cat "$LAB_PROBE_OUT")"
    LAB_OUTAGE_OPEN=0  # the longest gap is the one still running when the probe stopped
    if grep -qF "\"ms\":$LAB_OUTAGE_MS,\"open\":true" "$LAB_PROBE_OUT"; then LAB_OUTAGE_OPEN=1; fi
    LAB_OUTAGE_NODES=""
    if [[ -n $LAB_PROBE_PORT ]]; then
        LAB_OUTAGE_NODES=$(jq -r '[.answers[].node] | join(" ")' "$LAB_PROBE_OUT" 2>/dev/null) ||
            true
    fi
}

lab_tcp_answer() {  # ADDR PORT [NS]: the service's one-line answer, or nothing (status 1)
    local line
    # bash's /dev/tcp takes IPv6 literals without brackets (getaddrinfo).
    line=$(lab_exec "${3:-c}" timeout 1 bash -c 'exec 3<>"/dev/tcp/$1/$2" &&
        IFS= read -r line <&3 && echo "$line"' _ "$1" "$2" 2>/dev/null) || return 1
    [[ -n $line ]] || return 1
    echo "$line"
}

lab_on_cleanup() { LAB_CLEANUP_HOOKS+=("$1"); }

lab_cleanup() {
    local rc=$? i pid ns f pids
    ((LAB_CLEANED)) && return 0
    LAB_CLEANED=1
    trap - EXIT INT TERM
    for ((i = ${#LAB_CLEANUP_HOOKS[@]} - 1; i >= 0; i--)); do
        eval "${LAB_CLEANUP_HOOKS[i]}" || true
    done
    for pid in "${!LAB_PIDS[@]}"; do
        lab__ours "$pid" && { kill -TERM "$pid" 2>/dev/null || true; }
    done
    for pid in "${!LAB_PIDS[@]}"; do lab_stop_pid "$pid" 2000; done
    # Anything still inside our namespaces descends from what we started: end it so the
    # namespaces (and the veths in them) really go away.
    for ns in "${LAB_NAMESPACES[@]}"; do
        mapfile -t pids < <(ip netns pids "$ns" 2>/dev/null)
        ((${#pids[@]} == 0)) || kill -KILL "${pids[@]}" 2>/dev/null || true
    done
    for ((i = ${#LAB_NAMESPACES[@]} - 1; i >= 0; i--)); do
        ip netns del "${LAB_NAMESPACES[i]}" 2>/dev/null ||
            echo "lab: could not delete namespace ${LAB_NAMESPACES[i]}" >&2
    done
    LAB_NAMESPACES=()
    if [[ -n $LAB_DIR && -d $LAB_DIR ]]; then
        if ((rc != 0)); then
            for f in "$LAB_DIR"/*.log; do
                [[ -f $f ]] || continue
                echo "lab: ---- last lines of $f ----" >&2
                tail -n 40 "$f" >&2
            done
        fi
        if [[ ${LAB_KEEP:-0} == 1 ]]; then
            echo "lab: kept $LAB_DIR" >&2
        else
            rm -rf "$LAB_DIR"
        fi
    fi
    return "$rc"
}
