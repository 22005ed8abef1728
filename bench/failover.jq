# bench/failover.jq: the report of bench/failover, computed from its measurements alone.
#   jq --arg mode enrich -f bench/failover.jq RAW   adds "ratios" and "targets" (PASS/MISS)
#   jq -r --arg mode table -f bench/failover.jq R   the human summary (R = enriched JSON)
# RAW holds "vigil_default", "vigil_quorum", "vigil_fast", "keepalived_default",
# "keepalived_fast" (any may
# be missing), each {fault: {"median_ms", "min_ms", "max_ms", "runs"}, ...}, and
# "service_killed" (bench/service.sh; may be missing): {"monitor_interval_ms",
# "probe_interval_ms", variant: {"median_ms", ...}} for the variants exec_budget0,
# exec_budget3, command_budget0, command_budget3.

def med($r; $p; $f): $r[$p][$f].median_ms // null;
def ratio($a; $b): if $a == null or $b == null or $b == 0 then null
                   elif $a < $b then ($a / $b * 100 | round / 100)
                   else ($a / $b * 10 | round / 10) end;
def target($name; $value; $op; $limit):
    {name: $name, value: $value, limit_ms: $limit,
     result: (if $value == null then "n/a"
              elif ($op == "<=" and $value <= $limit) or ($op == "<" and $value < $limit)
              then "PASS" else "MISS" end)};

# The issue's targets. Handovers (switchover, graceful stop), the kill -9 overlap and the
# baseline are checked for every vigil profile that ran.
def targets($r):
    ($r.vigil_default // {}) as $d
    | [ target("default power_off median <= 300 ms"; $d.power_off.median_ms; "<="; 300),
        target("default power_off max <= 1000 ms"; $d.power_off.max_ms; "<="; 1000),
        target("default kill_9 median <= 300 ms"; $d.kill_9.median_ms; "<="; 300),
        target("default kill_9 max <= 1000 ms"; $d.kill_9.max_ms; "<="; 1000),
        target("quorum power_off median <= 300 ms"; $r.vigil_quorum.power_off.median_ms;
               "<="; 300),
        target("quorum kill_9 median <= 300 ms"; $r.vigil_quorum.kill_9.median_ms; "<="; 300),
        (("default", "quorum", "fast") as $p | $r["vigil_" + $p] // empty | . as $v
         | target("\($p) switchover median <= 50 ms"; $v.switchover.median_ms; "<="; 50),
           target("\($p) graceful_stop median <= 50 ms"; $v.graceful_stop.median_ms; "<="; 50),
           target("\($p) kill_9 overlap max < dead time (\($v.dead_time_ms) ms)";
                  $v.kill_9.overlap_ms.max_ms; "<"; $v.dead_time_ms),
           target("\($p) no spurious role_change in the no-fault baseline";
                  $v.no_fault.role_changes; "<="; 0)),
        target("fast power_off median <= 100 ms"; $r.vigil_fast.power_off.median_ms; "<="; 100),
        ($r.service_killed // empty | . as $s
         | target("service killed, command form, max_restarts 0: median <= monitor interval" +
                  " (\($s.monitor_interval_ms) ms) + 300 ms";
                  $s.command_budget0.median_ms; "<="; $s.monitor_interval_ms + 300))
      ];

def ratios($r):
    ["power_off", "kill_9", "graceful_stop"]
    | map(. as $f | {key: $f, value: {
        "keepalived_default/vigil_default":
            ratio(med($r; "keepalived_default"; $f); med($r; "vigil_default"; $f)),
        "keepalived_fast/vigil_default":
            ratio(med($r; "keepalived_fast"; $f); med($r; "vigil_default"; $f)),
        "keepalived_fast/vigil_fast":
            ratio(med($r; "keepalived_fast"; $f); med($r; "vigil_fast"; $f))}})
    | from_entries;

def pad($n): tostring | if length < $n then . + (" " * ($n - length)) else . end;
def cell($p; $f):
    if .[$p] == null then "-"
    elif .[$p][$f].na then "n/a"
    elif .[$p][$f].median_ms == null then "-"
    else "\(.[$p][$f].median_ms | round) [\(.[$p][$f].min_ms | round)-" +
         "\(.[$p][$f].max_ms | round)]" +
         (if $f == "kill_9" and ($p | startswith("keepalived")) then "*" else "" end)
    end;
def times($x; $f): if $x == null then "-"
                   else "\($x)x" + (if $f == "kill_9" then "*" else "" end) end;
def line($cells): ($cells | map(tostring)) as $c
    | "\($c[0] | pad(18)) \($c[1] | pad(16)) \($c[2] | pad(16)) \($c[3] | pad(16))" +
      " \($c[4] | pad(18)) \($c[5] | pad(16)) \($c[6] | pad(10)) \($c[7])" | sub(" +$"; "");

def service_rows:
    .service_killed as $s
    | ["exec_budget0", "exec, max_restarts 0 (failover at once)"],
      ["exec_budget3", "exec, max_restarts 3 (restart in place)"],
      ["command_budget0", "command, monitor \($s.monitor_interval_ms) ms, max_restarts 0"],
      ["command_budget3", "command, monitor \($s.monitor_interval_ms) ms, max_restarts 3"]
    | . as [$k, $text] | $s[$k] // empty
    | "  \($text | pad(44)) \(.median_ms // "-" | if type == "number" then round else . end)" +
      " [\(.min_ms // "-" | if type == "number" then round else . end)-" +
      "\(.max_ms // "-" | if type == "number" then round else . end)]" +
      (if (.rounds_unexpected_answers // 0) > 0
       then "  (\(.rounds_unexpected_answers) rounds answered by other nodes than expected)"
       else "" end) +
      (if (.recoveries // 0) > 0 then "  (\(.recoveries) cluster restarts)" else "" end) +
      (.kill_to_running_ms.median_ms // null
       | if . == null then "" else "  kill -> resource_running \(round) ms" end);

def service_table:
    "service killed: SIGKILL of the sample service's process on the primary; the client" +
    " connects to the VIP every \(.service_killed.probe_interval_ms) ms; longest gap between" +
    " answers, median [min-max] ms, \(.rounds) rounds each (kill -> resource_running: median" +
    " ms from the kill to the event in the serving node's log; the rest is the service's own" +
    " start-up, a Python interpreter):",
    service_rows;

def failover_table:
    . as $r
    | (if .vigil_fast then "vigil fast \(.vigil_fast.heartbeat_interval_ms)/" +
       "\(.vigil_fast.dead_time_ms)" else "vigil fast" end) as $fast
    | line(["fault", "vigil default", "vigil quorum", $fast, "keepalived def.",
            "keepalived 50ms", "ka-def/vd", "ka-50/vd"]),
      (("no_fault", "power_off", "kill_9", "graceful_stop", "switchover",
        "power_on_failback") as $f
       | line([$f, cell("vigil_default"; $f), cell("vigil_quorum"; $f), cell("vigil_fast"; $f),
               cell("keepalived_default"; $f), cell("keepalived_fast"; $f),
               (if $f == "switchover" then "n/a" elif $r.ratios[$f] == null then ""
                else times($r.ratios[$f]["keepalived_default/vigil_default"]; $f) end),
               (if $f == "switchover" then "n/a" elif $r.ratios[$f] == null then ""
                else times($r.ratios[$f]["keepalived_fast/vigil_default"]; $f) end)])),
      "(median [min-max] ms of the longest client reply gap, \(.rounds) rounds each;" +
      " vd = vigil default (two_node); vigil quorum = default timings with a witness:",
      " votes and leases on every failover.",
      " switchover: n/a for keepalived, which has no switchover command.",
      " power_on_failback: the undo of power_off (n1 powered on until the cluster is settled",
      " on n1 again), measured for vigil only, not a target.",
      " * keepalived kill -9: the dead node keeps the VIP and its kernel keeps answering, so",
      " the client sees little outage while both nodes hold the VIP; see below.)",
      "",
      (("vigil_default", "vigil_quorum", "vigil_fast") as $p | .[$p] // empty | . as $v
       | "\($p) (heartbeat \($v.heartbeat_interval_ms) ms, dead time \($v.dead_time_ms) ms):",
         "  kill_9: both nodes held the VIP median \($v.kill_9.overlap_ms.median_ms) ms," +
         " max \($v.kill_9.overlap_ms.max_ms) ms; kill -> VIP removed by the supervisor" +
         " median \($v.kill_9.kill_to_removed_ms.median_ms) ms," +
         " max \($v.kill_9.kill_to_removed_ms.max_ms) ms",
         "  baseline: \($v.no_fault.role_changes) role_change, \($v.no_fault.peer_down)" +
         " peer_down, \($v.no_fault.link_down) link_down, \($v.no_fault.heartbeat_late)" +
         " heartbeat_late (longest gap \($v.no_fault.longest_late_heartbeat_gap_ms // "-") ms)",
         "  power_on_failback: client left pointing at the old node after the cluster" +
         " settled in \($v.power_on_failback.rounds_client_stale_arp)/\($r.rounds) rounds;" +
         " cluster restarts needed to settle: \($v.recoveries)"),
      (("keepalived_default", "keepalived_fast") as $p | .[$p] // empty
       | "\($p) (advert_int \(.advert_int_ms) ms) kill_9: VIP on both nodes after the" +
         " takeover in \(.kill_9.rounds_vip_on_both_nodes)/\($r.rounds) rounds");

def table:
    . as $r
    | (to_entries | map(select(.key | test("^(vigil|keepalived)_"))) | length > 0) as $failover
    | if $failover then failover_table else empty end,
      if .service_killed then (if $failover then "" else empty end), service_table
      else empty end,
      "machine: \(.machine.cpus) CPUs, load average \(.machine.loadavg_start) at start," +
      " \(.machine.loadavg_end) at end; run took \(.elapsed_s) s",
      "",
      "targets:",
      (.targets[] | select($failover or .result != "n/a")
       | "  \(.result | pad(4))  \(.name): " +
         (if .value == null then "not measured" else "\(.value)" end));

if $mode == "enrich" then . + {ratios: ratios(.), targets: targets(.)}
elif $mode == "table" then table
else error("mode is enrich or table") end
