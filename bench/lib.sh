# Shared helpers for the bench scripts (sourced, not run).
#
#   bench_init            cd to the repo, set ROOT, RESULTS, ETCDPLAY; trap EXIT -> bench_cleanup
#   bench_hosts_up N      unless BENCH_HOSTS_DIR is already set (by bench/run.sh), start N sshd on
#                         127.0.2.1..N (bench/hosts.ts) and export BENCH_HOSTS_DIR
#   bench_tmp NAME VAR    make a temp dir (removed on exit) and store its path in VAR
#   bench_build           compile etcdplay into a private snapshot; sets ETCDPLAY; with
#                         BENCH_ALT_REPO=DIR (another checkout, e.g. a proposed change) also builds
#                         that one and sets ETCDPLAY_ALT: benchmarks then add an `etcdplay-alt` row
#
# Environment: BENCH_RUNS (default 5), BENCH_WARMUP (default 1), BENCH_PORT (default 2222),
# BENCH_RESULTS (default bench/results).

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RESULTS="${BENCH_RESULTS:-$ROOT/bench/results}"
case "$RESULTS" in /*) ;; *) RESULTS="$PWD/$RESULTS" ;; esac  # the benchmarks cd elsewhere
ETCDPLAY="node $ROOT/bin/etcdplay.js"
RUNS="${BENCH_RUNS:-5}"
WARMUP="${BENCH_WARMUP:-1}"
PORT="${BENCH_PORT:-2222}"
_BENCH_HOSTS_PID=""
_BENCH_TMPS=()
_BENCH_CG_MINE=""

# TypeScript through tsx, resolved from the repo whatever the current directory.
bench_tsx() { (cd "$ROOT" && node --import tsx "$@"); }

bench_log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

bench_cleanup() {
  local rc=$?
  if [ -n "$_BENCH_HOSTS_PID" ]; then
    kill -TERM "$_BENCH_HOSTS_PID" 2>/dev/null || true
    # hosts.ts stops every sshd before it exits; give it a few seconds, then force.
    for _ in $(seq 1 50); do kill -0 "$_BENCH_HOSTS_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$_BENCH_HOSTS_PID" 2>/dev/null || true
    _BENCH_HOSTS_PID=""
  fi
  local d p
  for d in "${_BENCH_TMPS[@]+"${_BENCH_TMPS[@]}"}"; do rm -rf -- "$d"; done
  if [ -n "$_BENCH_CG_MINE" ] && [ -d "$_BENCH_CG_MINE" ]; then
    # Whatever is left in our cgroup (e.g. ansible's ControlPersist masters) goes back to the root.
    while read -r p; do echo "$p" >"$(dirname "$_BENCH_CG_MINE")/tasks" 2>/dev/null || true; done <"$_BENCH_CG_MINE/tasks"
    rmdir "$_BENCH_CG_MINE" 2>/dev/null || true
  fi
  return $rc
}

# A cpuacct cgroup (v1) for CPU accounting of client + sshd + remote commands (bench/cpu.sh).
# Optional: without a writable cpuacct hierarchy BENCH_CG stays empty and only wall time is taken.
bench_cg_init() {
  [ -n "${BENCH_CG:-}" ] && [ -w "${BENCH_CG}/tasks" ] && return 0
  BENCH_CG=""
  local base=/sys/fs/cgroup/cpuacct
  if [ "${BENCH_CPU:-1}" = 1 ] && [ -w "$base" ] && mkdir "$base/etcdplay-bench-$$" 2>/dev/null; then
    BENCH_CG="$base/etcdplay-bench-$$"
    _BENCH_CG_MINE="$BENCH_CG"
  fi
  export BENCH_CG
}

# bench_need TOOL:PACKAGE...: install (apt-get, as root) the packages of the tools this machine lacks.
bench_need() {
  local want=() t
  for t in "$@"; do
    command -v "${t%%:*}" >/dev/null || [ -x "/usr/sbin/${t%%:*}" ] || want+=("${t#*:}")
  done
  [ ${#want[@]} -gt 0 ] || return 0
  [ "$(id -u)" = 0 ] || { echo "bench: needs ${want[*]} (apt-get install them, or run as root)" >&2; exit 1; }
  bench_log "installing ${want[*]} (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${want[@]}" >/dev/null
}

bench_init() {
  cd "$ROOT"
  mkdir -p "$RESULTS"
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM HUP
  bench_need hyperfine:hyperfine ansible-playbook:ansible sshd:openssh-server
  bench_cg_init
}

bench_tmp() {
  local _bt_d
  _bt_d="$(mktemp -d "${TMPDIR:-/tmp}/etcdplay-bench-$1-XXXXXX")"
  _BENCH_TMPS+=("$_bt_d")
  printf -v "$2" '%s' "$_bt_d"
}

# bench_snapshot REPO VAR: compile REPO's src into a temp snapshot, path in VAR.
bench_snapshot() {
  local repo="$1" _bs
  bench_tmp etcdplay _bs
  bench_log "building etcdplay from $repo into $_bs (commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo none)$(git -C "$repo" diff --quiet HEAD -- src 2>/dev/null || echo '+dirty'))"
  npx tsc -p "$repo/tsconfig.json" --outDir "$_bs/dist" >&2
  mkdir -p "$_bs/bin" "$_bs/scripts"
  cp "$repo/bin/etcdplay.js" "$_bs/bin/"
  cp "$repo/package.json" "$_bs/"
  local d
  for d in schemas templates playbooks inventories; do
    [ -e "$repo/$d" ] && ln -s "$(cd "$repo/$d" && pwd -P)" "$_bs/$d"
  done
  # A copy, not a link: node resolves a linked node_modules through realpath on every import
  # (measured ~20 ms per command), which users' installs do not pay.
  cp -a "$repo/node_modules" "$_bs/node_modules"
  # The rest of `npm run build`, each step when the checkout has it: the precompiled validators
  # (without them every run compiles its JSON Schemas with ajv first: ~50 ms more per command than
  # what users run), the precompiled report templates (~60 ms of CPU at each run's end), and the
  # one-file bundle bin/etcdplay.js prefers.
  local step
  for step in build-validators build-templates bundle; do
    if [ -f "$repo/scripts/$step.mjs" ]; then
      cp "$repo/scripts/$step.mjs" "$_bs/scripts/"
      node "$_bs/scripts/$step.mjs" >&2
    fi
  done
  printf -v "$2" '%s' "$_bs"
}

bench_build() {
  ETCDPLAY_ALT=""
  if [ -n "${BENCH_ALT_REPO:-}" ] && [ -z "${BENCH_ALT_DIR:-}" ]; then
    bench_snapshot "$BENCH_ALT_REPO" BENCH_ALT_DIR
    export BENCH_ALT_DIR
  fi
  [ -n "${BENCH_ALT_DIR:-}" ] && ETCDPLAY_ALT="node $BENCH_ALT_DIR/bin/etcdplay.js"
  # Compile into a private snapshot (bin/, dist/, package.json, node_modules/ copied; schemas/,
  # templates/, playbooks/ linked) so that a concurrent `tsc` in the shared checkout cannot change the code
  # under measurement halfway through. BENCH_ETCDPLAY_DIR reuses an existing snapshot.
  if [ -n "${BENCH_ETCDPLAY_DIR:-}" ]; then
    ETCDPLAY="node $BENCH_ETCDPLAY_DIR/bin/etcdplay.js"
    return 0
  fi
  local snap
  bench_snapshot "$ROOT" snap
  export BENCH_ETCDPLAY_DIR="$snap"
  ETCDPLAY="node $snap/bin/etcdplay.js"
}

bench_hosts_up() {
  local n="$1"
  if [ -n "${BENCH_HOSTS_DIR:-}" ] && [ -f "$BENCH_HOSTS_DIR/ready" ]; then
    local have
    have="$(wc -l <"$BENCH_HOSTS_DIR/hosts.txt")"
    if [ "$have" -ge "$n" ]; then return 0; fi
    echo "bench: BENCH_HOSTS_DIR has $have hosts, need $n" >&2
    exit 1
  fi
  local dir
  bench_tmp hosts dir
  bench_log "starting $n sshd on 127.0.2.1..$n:$PORT"
  # Own log file, not our stdout/stderr: node makes pipes it shares non-blocking, and ansible
  # refuses to run with non-blocking stdio.
  # BENCH_CLEAN_RC=1 (default): the sshd (and so every session) run in a private mount namespace
  # where root's ~/.bashrc is an empty file. Debian's bash sources ~/.bashrc for `ssh host cmd`,
  # and a heavy one (this machine's runs `pyenv init`: ~100 ms CPU, ~100 processes) would be
  # paid by every session of every tool and drown what the tools themselves cost.
  local wrap=()
  if [ "${BENCH_CLEAN_RC:-1}" = 1 ]; then
    local rc
    rc="$(getent passwd root | cut -d: -f6)/.bashrc"
    : >"$dir/empty-bashrc"
    if [ -f "$rc" ] && command -v unshare >/dev/null; then
      wrap=(unshare -m --propagation private sh -c 'mount --bind "$0" "$1" && shift && exec "$@"' "$dir/empty-bashrc" "$rc")
      bench_log "sessions see an empty $rc (BENCH_CLEAN_RC=0 keeps the machine's)"
    fi
  fi
  (cd "$ROOT" && { [ -z "${BENCH_CG:-}" ] || echo "$BASHPID" >"$BENCH_CG/tasks"; } && exec "${wrap[@]+"${wrap[@]}"}" node --import tsx "$ROOT/bench/hosts.ts" --count "$n" --dir "$dir" --port "$PORT" </dev/null >"$dir/hosts.log" 2>&1) &
  _BENCH_HOSTS_PID=$!
  for _ in $(seq 1 600); do
    [ -f "$dir/ready" ] && break
    kill -0 "$_BENCH_HOSTS_PID" 2>/dev/null || { echo "bench: host supervisor died:" >&2; cat "$dir/hosts.log" >&2; exit 1; }
    sleep 0.1
  done
  [ -f "$dir/ready" ] || { echo "bench: hosts not ready after 60 s" >&2; cat "$dir/hosts.log" >&2; exit 1; }
  export BENCH_HOSTS_DIR="$dir"
}

# bench_compare OUT.json [--runs N] [--warmup N] [--prepare CMD] -n NAME CMD [-n NAME CMD]...
# Side-by-side timing of several commands, exported in hyperfine's JSON schema. By default the runs
# are INTERLEAVED (round r runs every command once, the order rotating each round; each single run
# is a `hyperfine --runs 1`), so that load from other work on a shared machine hits every command
# alike, and each run's CPU time (client + sshd + remote commands, bench/cpu.sh) is recorded as
# `cpu_times`/`cpu_median`. BENCH_INTERLEAVE=0 runs one plain `hyperfine` (wall time only) instead.
bench_compare() {
  local out="$1"; shift
  local runs="$RUNS" warmup="$WARMUP" prepare="" names=() cmds=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --runs) runs="$2"; shift 2 ;;
      --warmup) warmup="$2"; shift 2 ;;
      --prepare) prepare="$2"; shift 2 ;;
      -n) names+=("$2"); cmds+=("$3"); shift 3 ;;
      *) echo "bench_compare: unexpected '$1'" >&2; return 2 ;;
    esac
  done
  local k=${#names[@]} i r
  local pre=()
  [ -n "$prepare" ] && pre=(--prepare "$prepare")
  if [ "${BENCH_INTERLEAVE:-1}" = 0 ]; then
    local args=()
    for ((i = 0; i < k; i++)); do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
    hyperfine --warmup "$warmup" --runs "$runs" "${pre[@]+"${pre[@]}"}" --export-json "$out" "${args[@]}"
    return
  fi
  local parts
  bench_tmp hf parts
  local cpuargs=()
  for ((i = 0; i < k; i++)); do
    printf '%s\n' "${cmds[$i]}" >"$parts/cmd-$i.sh"
    : >"$parts/cpu-$i.ns"
    cpuargs+=(--cpu "${names[$i]}" "$parts/cpu-$i.ns")
  done
  for ((i = 0; i < k; i++)); do
    for ((r = 0; r < warmup; r++)); do
      bench_log "warmup ${names[$i]} ($((r + 1))/$warmup)"
      bench_try "warmup ${names[$i]}" "${prepare:+$prepare; }${cmds[$i]}" || { echo "bench: warmup of ${names[$i]} failed" >&2; return 1; }
    done
  done
  for ((r = 0; r < runs; r++)); do
    for ((j = 0; j < k; j++)); do
      i=$(((j + r) % k))
      local try ok=0
      for ((try = 1; try <= ${BENCH_TRIES:-2}; try++)); do
        if hyperfine --runs 1 --style none "${pre[@]+"${pre[@]}"}" --export-json "$parts/$r-$i.json" -n "${names[$i]}" \
          "bash $ROOT/bench/cpu.sh $parts/cpu-$i.ns $parts/cmd-$i.sh" >/dev/null 2>"$parts/err"; then
          ok=1
          break
        fi
        echo "$(date -u +%H:%M:%S) ${names[$i]}: timed run $((r + 1)) attempt $try failed (not counted); load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$RESULTS/failures.log" >&2
      done
      [ "$ok" = 1 ] || { echo "bench: ${names[$i]} keeps failing" >&2; return 1; }
      bench_log "run $((r + 1))/$runs ${names[$i]}: $(bench_median "$parts/$r-$i.json" "${names[$i]}") s"
    done
  done
  # Order the parts by command so the merged export lists commands as given.
  local ordered=()
  for ((i = 0; i < k; i++)); do for ((r = 0; r < runs; r++)); do ordered+=("$parts/$r-$i.json"); done; done
  bench_tsx "$ROOT/bench/merge.ts" "$out" "${cpuargs[@]}" "${ordered[@]}"
  node -e '
    const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    for (const r of j.results) console.log(`  ${r.command.padEnd(24)} median ${r.median.toFixed(3)} s  (min ${r.min.toFixed(3)}, max ${r.max.toFixed(3)}, n=${r.times.length})` + (r.cpu_median != null ? `  cpu ${r.cpu_median.toFixed(3)} s` : ""));
  ' "$out"
}

# bench_check NAME CMD GREP_FLAGS PATTERN MIN: correctness before timing. CMD must succeed
# (bench_try) and print at least MIN lines matching PATTERN (grep GREP_FLAGS), else exit 1 with its
# output's tail.
bench_check() {
  local name="$1" cmd="$2" flags="$3" pattern="$4" min="$5" count
  bench_try "$name" "$cmd" || { echo "bench: $name failed:" >&2; printf '%s\n' "$BENCH_OUT" | tail -20 >&2; exit 1; }
  count="$(printf '%s\n' "$BENCH_OUT" | grep -c $flags -- "$pattern" || true)"
  [ "$count" -ge "$min" ] || { echo "bench: $name printed $count lines matching /$pattern/, want $min:" >&2; printf '%s\n' "$BENCH_OUT" | tail -20 >&2; exit 1; }
  bench_log "$name: ok ($count)"
}

# bench_try NAME CMD: run CMD (bash -c) with its output in BENCH_OUT; on failure log it to
# $RESULTS/failures.log and try again, up to BENCH_TRIES (default 2) attempts in all. Returns the
# last exit code. Every failure is reported in the summary: nothing is hidden.
bench_try() {
  local name="$1" cmd="$2" try rc=0
  for ((try = 1; try <= ${BENCH_TRIES:-2}; try++)); do
    BENCH_OUT="$(bash -c "$cmd" 2>&1)" && return 0 || rc=$?
    {
      echo "$(date -u +%H:%M:%S) $name: attempt $try failed (exit $rc); load $(cut -d' ' -f1-3 /proc/loadavg)"
      printf '%s\n' "$BENCH_OUT" | grep -iE 'unreachable!|error|fail' | grep -vE '^[a-z0-9]+ +: ok=' | head -10 | sed 's/^/    /'
    } | tee -a "$RESULTS/failures.log" >&2
  done
  return $rc
}

# Median (seconds) of command NAME in a hyperfine JSON export.
bench_median() {
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results.find((x) => x.command === process.argv[2]);
    if (!r) process.exit(1);
    process.stdout.write(String(r.median));
  ' "$1" "$2"
}
