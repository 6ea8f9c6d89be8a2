#!/usr/bin/env bash
# Benchmark 5: `etcdplay plan` of bench/playbook-10.yml on 5 hosts (no connections), whole CLI
# process, hyperfine with `node -e 0` as the floor (node's own start-up). Then, if present,
# bench/plan.bench.ts (the PLAN engineer's in-process benchmark). Output: bench/results/plan.json,
# bench/results/plan-bench.txt.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init
bench_build
bench_tmp plan T
export ETCDPLAY_HOME="$T/etcdplay-home"
{
  echo 'all:'
  echo '  hosts:'
  for i in 1 2 3 4 5; do printf '    h%02d:\n      ansible_host: 127.0.2.%d\n' "$i" "$i"; done
  echo '  vars:'
  echo '    ansible_user: root'
} >"$T/inventory-5.yml"
PB="$ROOT/bench/playbook-10.yml"
cd "$T"

PLAN_CMD="$ETCDPLAY plan $PB -i $T/inventory-5.yml"
out="$(bash -c "$PLAN_CMD" 2>&1)" || { echo "bench plan: etcdplay plan failed:" >&2; printf '%s\n' "$out" | tail -20 >&2; exit 1; }
printf '%s\n' "$out" | grep -q 'task-10' || { echo "bench plan: output does not show task 10:" >&2; printf '%s\n' "$out" | tail -20 >&2; exit 1; }
bench_log "plan: etcdplay plan ok"

hyperfine --warmup 2 --runs "$((RUNS < 10 ? 10 : RUNS))" --export-json "$RESULTS/plan.json" \
  -n 'etcdplay plan' "$PLAN_CMD" \
  -n 'node -e 0' "node -e 0"

if [ -f "$ROOT/bench/plan.bench.ts" ]; then
  bench_log "plan: running bench/plan.bench.ts"
  (cd "$ROOT" && node --import tsx bench/plan.bench.ts) >"$RESULTS/plan-bench.txt" 2>&1 || bench_log "plan: bench/plan.bench.ts failed (see plan-bench.txt)"
  cat "$RESULTS/plan-bench.txt"
fi
