# bench/store.jq: the report of bench/store from its raw results (an array of vigil-kv-load
# JSON lines, each with .system and .round added): the table of medians [min-max] per system
# and client count, the ratios beside etcd, and the issue's targets as PASS/MISS.
def median: sort | if length == 0 then null
    elif length % 2 == 1 then .[(length - 1) / 2]
    else (.[length / 2 - 1] + .[length / 2]) / 2 end;
def r(d): if . == null then "–" else (. * pow(10; d) | round) / pow(10; d) | tostring end;
def ms: if . == null then "–" elif . < 1 then r(3) elif . < 10 then r(2) else r(1) end;
def cell(f; fmt): [.[] | f] as $v
    | "\($v | median | fmt) [\($v | min | fmt)–\($v | max | fmt)]";
# The median of f over the runs of system sys with n clients (null if none).
def stat(sys; n; f): [.[] | select(.system == sys and .clients == n) | f]
    | if length == 0 then null else median end;
# stat(a) / stat(b) for the same client count and field.
def ratio(a; b; n; f): stat(a; n; f) as $a | stat(b; n; f) as $b
    | if $a == null or $b == null or $b == 0 then null else $a / $b end;
def verdict(ok): if ok == null then "n/a" elif ok then "PASS" else "MISS" end;
def target(value; ok; text): "- \(verdict(if value == null then null else ok end)): \(text)";

. as $all
| ([$all[].clients] | unique) as $counts
| "| clients | system | writes/s | p50 ms | p99 ms | max ms | errors |",
  "|---|---|---|---|---|---|---|",
  ($counts[] as $n | ("vigil", "vigil-single", "etcd", "floor", "floor-single") as $s
   | [$all[] | select(.clients == $n and .system == $s)]
   | select(length > 0)
   | "| \($n) | \($s) | \(cell(.writes_per_s; r(0))) | \(cell(.latency_ms_p50; ms)) "
     + "| \(cell(.latency_ms_p99; ms)) | \(cell(.latency_ms_max; ms)) "
     + "| \([.[].errors] | add) |"),
  "",
  "| clients | vigil ÷ etcd writes/s | etcd p99 ÷ vigil p99 "
    + "| vigil-single ÷ vigil writes/s (cost of replication) |",
  "|---|---|---|---|",
  ($counts[] as $n
   | "| \($n) | \($all | ratio("vigil"; "etcd"; $n; .writes_per_s) | r(2)) "
     + "| \($all | ratio("etcd"; "vigil"; $n; .latency_ms_p99) | r(2)) "
     + "| \($all | ratio("vigil-single"; "vigil"; $n; .writes_per_s) | r(2)) |"),
  "",
  "Targets (issue 5), on the medians:",
  ($all | ratio("vigil"; "etcd"; 64; .writes_per_s) as $t
   | target($t; $t >= 2; "at 64 clients vigil's throughput ≥ 2× etcd's (\($t | r(2))×)")),
  ($all | ratio("vigil"; "etcd"; 64; .latency_ms_p99) as $t
   | target($t; $t <= 0.5; "at 64 clients vigil's p99 ≤ ½ etcd's (\($t | r(2))×)")),
  ($all | stat("vigil"; 1; .latency_ms_p50) as $t
   | target($t; $t <= 0.3; "at 1 client vigil's p50 ≤ 0.3 ms (\($t | ms) ms)")),
  ($all | stat("floor"; 1; .latency_ms_p50) as $f | stat("floor-single"; 1; .latency_ms_p50) as $g
   | select($f != null)
   | "  (the floor on this machine, vigil-replication-floor in the same lab: \($f | ms) ms"
     + " replicated, \($g | ms) ms on one node)"),
  ""
