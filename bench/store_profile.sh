# shellcheck shell=bash
# bench/store --profile: where the primary agent's time goes under the heaviest load.
# Sourced by bench/store (uses its run_load variables: KV_LOAD, seconds, LAB_DIR).
#  1. `perf record -g` on the agent during one more run: on-CPU samples, grouped by symbol
#     into fsync/disk, network (TCP/IP, epoll), syscall entry/exit, scheduler/interrupts,
#     HTTP, JSON, store (log, state, crc), copies/allocation, and the rest. In a VM without
#     a PMU perf samples cpu-clock, which charges some time to the point where interrupts
#     are enabled again (finish_task_switch, *_irqrestore): read those as "kernel, other".
#  2. `perf trace -s` on the agent during another run: wall time per syscall, including
#     time blocked (fdatasync waits for the disk: off-CPU, so invisible to 1).
# Both runs are extra: the table's figures come from runs without a profiler attached.
# Writes $LAB_DIR/profile.md, which bench/store appends to its report.

# Group of a symbol from `perf report --sort sym` (the kernel's and ours).
store__symbol_groups_awk='
BEGIN {  # first match wins, in this order
    n = 0
    name[n] = "fsync/disk"; re[n++] = "fdatasync|fsync|ext4|jbd2|blk_|bio|nvme|submit_|iomap|" \
        "filemap|file_write|xfs_|btrfs|writeback|folio|pagecache|generic_perform_write"
    name[n] = "HTTP"; re[n++] = "[Hh]ttp|parse_request|header"
    name[n] = "JSON"; re[n++] = "json|Json"
    name[n] = "store (log, state, crc)"; re[n++] = "crc32|DiskLog|KvState|Replica|store::|log_"
    name[n] = "copies/allocation"; re[n++] = "memcpy|memmove|memset|copy_user|copy_to|" \
        "copy_from|malloc|free|operator new|operator delete|basic_string|_M_|realloc|kmem_cache|" \
        "kmalloc|kfree"
    name[n] = "network (TCP/IP, epoll)"; re[n++] = "tcp|sock|skb|sendmsg|recvmsg|sendto|" \
        "recvfrom|epoll|ip_|ipv6|net_|netif|veth|nf_|dev_|inet|napi|neigh"
    name[n] = "syscall entry/exit"; re[n++] = "__x64_sys|syscall|entry_SYSCALL|do_syscall|" \
        "ksys_|vfs_|fdget|__get_user|__put_user|irqentry_exit_to_user"
    name[n] = "scheduler, interrupts, softirq"; re[n++] = "schedule|task_switch|__switch|" \
        "pick_next|wake|futex|softirq|_irq|irqrestore|hrtimer|tick_"
}
function group(s,   i) {
    for (i = 0; i < n; i++) if (s ~ re[i]) return name[i]
    return "other"
}
/^ *[0-9.]+%/ {
    pct = $1; sub(/%/, "", pct)
    sym = $0; sub(/^ *[0-9.]+% +/, "", sym); sub(/^\[[.k]\] +/, "", sym)
    g = group(sym); sum[g] += pct; total += pct
    if (shown++ < 25) top = top sprintf("| %.2f%% | %s | `%s` |\n", pct, g, substr(sym, 1, 90))
}
END {
    print "| group | share of on-CPU samples |"; print "|---|---|"
    n = 0; for (g in sum) order[n++] = g
    for (i = 0; i < n; i++) for (j = i + 1; j < n; j++)
        if (sum[order[j]] > sum[order[i]]) { t = order[i]; order[i] = order[j]; order[j] = t }
    for (i = 0; i < n; i++) printf("| %s | %.1f%% |\n", order[i], sum[order[i]])
    print ""; print "Top symbols (self time):"; print ""
    print "| self | group | symbol |"; print "|---|---|---|"; printf("%s", top)
}'

# store_profile PID SERVER CLIENTS
store_profile() {
    local pid=$1 server=$2 n=$3 perf_pid secs
    secs=$(awk -v s="$seconds" 'BEGIN { printf "%d", s + 1.5 }')
    log "profile: perf record -g on n1's agent (pid $pid), $n clients"
    lab_start_bg sw "$LAB_DIR/perf-record.log" perf record -g -p "$pid" \
        -o "$LAB_DIR/perf.data" -- sleep "$secs"
    perf_pid=$LAB_LAST_PID
    lab_exec c "$KV_LOAD" --target vigil --server "$server" --clients "$n" \
        --seconds "$seconds" --json >"$LAB_DIR/profile-load-1.json" || true
    lab_wait_for 30000 lab__gone "$perf_pid" || fail "perf record did not finish"
    perf report -i "$LAB_DIR/perf.data" --no-children --sort sym --stdio -g none \
        --percent-limit 0 2>/dev/null >"$LAB_DIR/perf-report.txt" ||
        fail "perf report failed: $(tail -3 "$LAB_DIR/perf-record.log")"

    log "profile: perf trace -s on n1's agent (syscall wall time), $n clients"
    lab_start_bg sw "$LAB_DIR/perf-trace.txt" perf trace -s -p "$pid" -- sleep "$secs"
    perf_pid=$LAB_LAST_PID
    lab_exec c "$KV_LOAD" --target vigil --server "$server" --clients "$n" \
        --seconds "$seconds" --json >"$LAB_DIR/profile-load-2.json" || true
    lab_wait_for 30000 lab__gone "$perf_pid" || fail "perf trace did not finish"
    {
        echo "## Profile: n1's agent at $n clients (bench/store --profile)"
        echo
        echo "Load during \`perf record -g\`: $(jq -r \
            '"\(.writes_per_s) writes/s, p99 \(.latency_ms_p99) ms"' \
            "$LAB_DIR/profile-load-1.json" 2>/dev/null || echo '?')."
        echo
        awk "$store__symbol_groups_awk" "$LAB_DIR/perf-report.txt"
        echo
        echo "Syscall wall time during \`perf trace -s\` (all threads, including time blocked;"
        echo "idle waits left out: epoll_wait, futex, nanosleep, poll):"
        echo
        echo "| syscall | calls | total ms | avg ms | max ms |"
        echo "|---|---|---|---|---|"
        awk '$1 ~ /^[a-z_0-9]+$/ && $2 ~ /^[0-9]+$/ && NF >= 8 &&
             $1 !~ /^(epoll_p?wait|futex|nanosleep|clock_nanosleep|poll|ppoll|select)$/ {
                calls[$1] += $2; total[$1] += $4; if ($7 > max[$1]) max[$1] = $7 }
             END { for (s in total) printf "%s %d %.1f %.3f %.3f\n", s, calls[s], total[s],
                   total[s] / calls[s], max[s] }' "$LAB_DIR/perf-trace.txt" |
            sort -k3 -nr | head -12 |
            awk '{ printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5 }'
        echo
    } >"$LAB_DIR/profile.md"
    cp "$LAB_DIR/perf-report.txt" "${out%.md}-perf.txt" 2>/dev/null || true
}
