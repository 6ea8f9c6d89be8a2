#!/usr/bin/env bash
# Benchmark 6: how the cost grows with hosts (issue 17). At each size N (BENCH_SCALE_HOSTS, default
# 5 20 50 100 200 real sshd on 127.0.2.1..N) two side-by-side interleaved runs (bench_compare):
#   ad-hoc `uname -r`:        etcdplay adhoc -f N  |  parallel OpenSSH (xargs -P N)  |  ansible -f N
#   10 command tasks (bench/playbook-10.yml):
#                             etcdplay run -f N    |  OpenSSH, 10 rounds of xargs -P N (one round per
#                                                     task, each waits for every host: the linear
#                                                     strategy)  |  ansible-playbook -f N
# ansible runs with pipelining and warm ControlPersist masters (its best case). It is left out above
# BENCH_SCALE_ANSIBLE_ADHOC_MAX (default 200) and BENCH_SCALE_ANSIBLE_PLAYBOOK_MAX (default 50)
# hosts: on 2 CPUs its 10-task playbook costs ~0.3 s of CPU per host and task (minutes per run).
# etcdplay runs under GNU time: its own wall, user+sys CPU and peak RSS per run go to
# scale-KIND-N.time ("wall user sys maxrss_kb" per line, warm-up included).
# Output in $RESULTS: scale-adhoc-N.json, scale-playbook-N.json (hyperfine schema, with cpu_times),
# scale-*.time, scale.md and scale.svg (bench/scale-summary.ts).
#
#   bash bench/scale.sh                               # every size
#   BENCH_SCALE_HOSTS="5 20" BENCH_SCALE_RUNS=1 bash bench/scale.sh   # a quick look
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init
bench_need /usr/bin/time:time
bench_build
read -r -a SIZES <<<"${BENCH_SCALE_HOSTS:-5 20 50 100 200}"
RUNS_SCALE="${BENCH_SCALE_RUNS:-3}"
AMAX_ADHOC="${BENCH_SCALE_ANSIBLE_ADHOC_MAX:-200}"
AMAX_PB="${BENCH_SCALE_ANSIBLE_PLAYBOOK_MAX:-50}"
max=0
for n in "${SIZES[@]}"; do
  case "$n" in 5 | 20 | 50 | 100 | 200) ;; *) echo "bench scale: sizes are among 5 20 50 100 200 (got '$n')" >&2; exit 2 ;; esac
  [ "$n" -gt "$max" ] && max="$n"
done
bench_hosts_up "$max"
D="$BENCH_HOSTS_DIR"
PB="$ROOT/bench/playbook-10.yml"
bench_tmp scale T
export ETCDPLAY_HOME="$T/etcdplay-home"
cd "$T"
kernel="$(uname -r)"
[ -f "$RESULTS/machine.md" ] || bash "$ROOT/bench/machine.sh" >"$RESULTS/machine.md"
# etcdplay under GNU time (appends "wall user sys maxrss_kb" to scale-KIND-N.time).
timed() { printf "/usr/bin/time -a -o %s -f '%%e %%U %%S %%M' %s" "$RESULTS/scale-$1-$N.time" "$ETCDPLAY"; }

# point KIND ANSIBLE_MAX CHECK_E CHECK_S CHECK_A: check then time $E, $S (and $A up to ANSIBLE_MAX
# hosts) at size $N. Each CHECK is "GREP_FLAGS PATTERN" ('_' in PATTERN stands for a space).
point() {
  local kind="$1" amax="$2" args f p
  read -r f p <<<"$3"; bench_check "scale $kind etcdplay $N" "$E" "$f" "${p//_/ }" "$N"
  read -r f p <<<"$4"; bench_check "scale $kind openssh $N" "$S" "$f" "${p//_/ }" "$N"
  args=(-n etcdplay "$E" -n openssh "$S")
  if [ "$N" -le "$amax" ]; then
    read -r f p <<<"$5"; bench_check "scale $kind ansible $N" "$A" "$f" "${p//_/ }" "$N"
    args+=(-n ansible "$A")
  fi
  : >"$RESULTS/scale-$kind-$N.time"
  bench_compare "$RESULTS/scale-$kind-$N.json" --runs "$RUNS_SCALE" "${args[@]}"
}

for N in "${SIZES[@]}"; do
  INV="$D/inventory-$N.yml"
  head -n "$N" "$D/hosts.txt" >"$T/hosts-$N.txt"

  bench_log "=== $N hosts: ad-hoc (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  E="$(timed adhoc) adhoc all -i $INV -a 'uname -r' -f $N"
  S="xargs -P $N -I{} ssh -F $D/ssh_config {} uname -r < $T/hosts-$N.txt"
  A="ANSIBLE_CONFIG=$D/ansible.cfg ansible all -i $INV -m command -a 'uname -r' -f $N"
  point adhoc "$AMAX_ADHOC" "-F $kernel" "-F $kernel" "-F $kernel"

  bench_log "=== $N hosts: 10 tasks (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  E="$(timed playbook) run $PB -i $INV -f $N"
  S="for t in 1 2 3 4 5 6 7 8 9 10; do xargs -P $N -I{} ssh -F $D/ssh_config {} echo task-\$t < $T/hosts-$N.txt || exit 1; done"
  A="ANSIBLE_CONFIG=$D/ansible.cfg ansible-playbook -i $INV -f $N $PB"
  point playbook "$AMAX_PB" "-E ok=10_" "-Fx task-10" "-E :_ok=10_+changed=10"
done
echo "- load average at end of scale: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULTS/machine.md"
bench_tsx "$ROOT/bench/scale-summary.ts" "$RESULTS" >"$RESULTS/scale.md"
cat "$RESULTS/scale.md"
