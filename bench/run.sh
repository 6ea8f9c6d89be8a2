#!/usr/bin/env bash
# All benchmarks (npm run bench): builds etcdplay once into a private snapshot, starts 20 real
# sshd on 127.0.2.1..20 port 2222 (stopped on exit, whatever happens), runs each benchmark side by side in
# its own hyperfine run, then writes bench/results/summary.md.
#
#   bash bench/run.sh                 # adhoc playbook copy plan
#   bash bench/run.sh adhoc plan      # a subset
#   bash bench/run.sh scale long      # the cost curve 5..200 hosts and the long playbook (issue 17;
#                                     # not in the default set: ~30 min, 200 sshd)
#
# Environment: BENCH_RUNS (5), BENCH_WARMUP (1), BENCH_COPY_RUNS (3), BENCH_COPY_MIB (1024),
# BENCH_PORT (2222), BENCH_RESULTS (bench/results), BENCH_TRIES (2), BENCH_CLEAN_RC (1),
# BENCH_ALT_REPO (a second checkout to compare, row etcdplay-alt), BENCH_INTERLEAVE (1).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init
benches=("$@")
[ ${#benches[@]} -gt 0 ] || benches=(adhoc playbook copy plan)
for b in "${benches[@]}"; do
  [ -f "$ROOT/bench/$b.sh" ] || { echo "bench: unknown benchmark '$b' (adhoc, playbook, copy, plan, scale, long)" >&2; exit 2; }
done
# 20 hosts, or as many as the largest size of the scale benchmark.
hosts=20
for b in "${benches[@]}"; do
  [ "$b" = scale ] || continue
  for n in ${BENCH_SCALE_HOSTS:-5 20 50 100 200}; do [ "$n" -gt "$hosts" ] && hosts="$n"; done
done
bash "$ROOT/bench/machine.sh" >"$RESULTS/machine.md"
: >"$RESULTS/failures.log"
bench_build
bench_hosts_up "$hosts"
for b in "${benches[@]}"; do
  bench_log "=== $b (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  bash "$ROOT/bench/$b.sh"
done
echo "- load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULTS/machine.md"
bench_tsx "$ROOT/bench/summarize.ts" "$RESULTS" >"$RESULTS/summary.md"
cat "$RESULTS/summary.md"
