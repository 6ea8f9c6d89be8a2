#!/usr/bin/env bash
# Client-only cost, HEAD against another checkout (BENCH_ALT_REPO, required): the ad-hoc and the
# playbook benchmark's etcdplay commands, alternating, BENCH_CLIENT_RUNS (15) runs each, every run
# under GNU time: etcdplay's own wall, user+sys CPU and peak RSS (no sshd, no remote command). CPU
# time of one process varies far less with the machine's load than wall time does, so this tells
# two builds apart on a busy machine where the side-by-side wall times cannot.
# Output: $RESULTS/client-cpu.md (medians per command and build).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init
bench_need /usr/bin/time:time
[ -n "${BENCH_ALT_REPO:-}" ] || { echo "bench client-cpu: set BENCH_ALT_REPO to the checkout to compare with" >&2; exit 2; }
bench_build
bench_hosts_up 20
D="$BENCH_HOSTS_DIR"
bench_tmp client T
export ETCDPLAY_HOME="$T/etcdplay-home"
cd "$T"
N="${BENCH_CLIENT_RUNS:-15}"
declare -A CMD=(
  [adhoc]="adhoc all -i $D/inventory-20.yml -a 'uname -r' -f 20"
  [playbook]="run $ROOT/bench/playbook-10.yml -i $D/inventory-5.yml -f 5"
)
for kind in adhoc playbook; do
  for build in etcdplay etcdplay-alt; do : >"$T/$kind-$build.time"; done
  for ((r = 0; r < N; r++)); do
    for build in etcdplay etcdplay-alt; do
      exe="$ETCDPLAY"; [ "$build" = etcdplay-alt ] && exe="$ETCDPLAY_ALT"
      /usr/bin/time -a -o "$T/$kind-$build.time" -f '%e %U %S %M' bash -c "exec $exe ${CMD[$kind]}" >/dev/null 2>&1 \
        || { echo "bench client-cpu: $build $kind failed" >&2; exit 1; }
    done
  done
  bench_log "$kind: $N runs each"
done
{
  echo "### etcdplay's own cost (client process only), $N runs each, alternating"
  echo
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo '| command | build | wall median | user+sys CPU median | peak RSS median |'
  echo '|---|---|---:|---:|---:|'
  for kind in adhoc playbook; do
    for build in etcdplay etcdplay-alt; do
      bench_tsx -e '
        const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => l.split(" ").map(Number));
        const med = (a) => { a = [...a].sort((x, y) => x - y); const m = a.length >> 1; return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2; };
        const wall = med(rows.map((r) => r[0])), cpu = med(rows.map((r) => r[1] + r[2])), rss = med(rows.map((r) => r[3]));
        console.log(`| ${process.argv[2]} | ${process.argv[3]} | ${wall.toFixed(2)} s | ${(cpu * 1000).toFixed(0)} ms | ${(rss / 1024).toFixed(0)} MiB |`);
      ' "$T/$kind-$build.time" "$kind" "$build"
    done
  done
} >"$RESULTS/client-cpu.md"
cat "$RESULTS/client-cpu.md"
