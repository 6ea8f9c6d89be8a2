#!/usr/bin/env bash
# cpu.sh NSFILE SCRIPT: run SCRIPT (with sh) inside the bench's cpuacct cgroup $BENCH_CG, which
# also holds every bench sshd and whatever they start, and append the CPU time the whole group
# used meanwhile (nanoseconds: client + servers + remote commands) to NSFILE. This CPU cost does
# not depend on how busy the machine is, unlike wall time. Failed runs are not recorded.
# Without BENCH_CG it only runs SCRIPT.
ns="$1"
script="$2"
if [ -n "${BENCH_CG:-}" ]; then
  echo $$ >"$BENCH_CG/tasks"
  before="$(<"$BENCH_CG/cpuacct.usage")"
fi
sh "$script"
rc=$?
if [ -n "${BENCH_CG:-}" ] && [ "$rc" = 0 ]; then
  after="$(<"$BENCH_CG/cpuacct.usage")"
  echo "$((after - before))" >>"$ns"
fi
exit $rc
