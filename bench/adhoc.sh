#!/usr/bin/env bash
# Benchmark 2: ad-hoc `uname -r` on 20 hosts, side by side in one interleaved run (bench_compare):
#   etcdplay adhoc  |  parallel OpenSSH (xargs -P 20, ControlMaster no)  |
#   ansible (default ssh_args: ControlMaster=auto, ControlPersist=60s -> warm masters after warmup)  |
#   ansible with ControlMaster=no (every run opens fresh connections, like etcdplay and ssh)
# Output: bench/results/adhoc.json (hyperfine --export-json).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init
bench_build
N="${BENCH_ADHOC_HOSTS:-20}"
bench_hosts_up "$N"
D="$BENCH_HOSTS_DIR"
INV="$D/inventory-$N.yml"
[ -f "$INV" ] || { echo "bench: no $INV (hosts supervisor writes inventories for 1, 5 and all hosts)" >&2; exit 1; }
bench_tmp adhoc T
export ETCDPLAY_HOME="$T/etcdplay-home"
sed 's/^pipelining = True$/pipelining = True\nssh_args = -C -o ControlMaster=no/' "$D/ansible.cfg" >"$T/ansible-nocm.cfg"
head -n "$N" "$D/hosts.txt" >"$T/hosts.txt"
cd "$T"

ETCDPLAY_CMD="$ETCDPLAY adhoc all -i $INV -a 'uname -r' -f $N"
SSH_CMD="xargs -P $N -I{} ssh -F $D/ssh_config {} uname -r < $T/hosts.txt"
ANSIBLE_CMD="ANSIBLE_CONFIG=$D/ansible.cfg ansible all -i $INV -m command -a 'uname -r' -f $N"
ANSIBLE_NOCM_CMD="ANSIBLE_CONFIG=$T/ansible-nocm.cfg ansible all -i $INV -m command -a 'uname -r' -f $N"

# Correctness first: every tool must print the kernel release once per host.
kernel="$(uname -r)"
bench_check "adhoc etcdplay" "$ETCDPLAY_CMD" -F "$kernel" "$N"
ALT=()
if [ -n "$ETCDPLAY_ALT" ]; then
  ALT_CMD="$ETCDPLAY_ALT adhoc all -i $INV -a 'uname -r' -f $N"
  bench_check "adhoc etcdplay-alt" "$ALT_CMD" -F "$kernel" "$N"
  ALT=(-n etcdplay-alt "$ALT_CMD")
fi
bench_check "adhoc openssh" "$SSH_CMD" -F "$kernel" "$N"
bench_check "adhoc ansible" "$ANSIBLE_CMD" -F "$kernel" "$N"
bench_check "adhoc ansible-nocm" "$ANSIBLE_NOCM_CMD" -F "$kernel" "$N"

bench_compare "$RESULTS/adhoc.json" \
  -n etcdplay "$ETCDPLAY_CMD" \
  "${ALT[@]+"${ALT[@]}"}" \
  -n openssh "$SSH_CMD" \
  -n ansible "$ANSIBLE_CMD" \
  -n ansible-nocm "$ANSIBLE_NOCM_CMD"
