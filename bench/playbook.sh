#!/usr/bin/env bash
# Benchmark 3: a playbook of 10 command tasks on 5 hosts, side by side in one interleaved run (bench_compare):
#   etcdplay run  |  ansible-playbook (pipelining on, default ssh_args = ControlPersist 60s)  |
#   ansible-playbook with ControlMaster=no
# The playbook is bench/playbook-10.yml. Output: bench/results/playbook.json.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init
bench_build
bench_hosts_up 5
D="$BENCH_HOSTS_DIR"
INV="$D/inventory-5.yml"
PB="$ROOT/bench/playbook-10.yml"
bench_tmp playbook T
export ETCDPLAY_HOME="$T/etcdplay-home"
sed 's/^pipelining = True$/pipelining = True\nssh_args = -C -o ControlMaster=no/' "$D/ansible.cfg" >"$T/ansible-nocm.cfg"
cd "$T"

ETCDPLAY_CMD="$ETCDPLAY run $PB -i $INV -f 5"
ANSIBLE_CMD="ANSIBLE_CONFIG=$D/ansible.cfg ansible-playbook -i $INV -f 5 $PB"
ANSIBLE_NOCM_CMD="ANSIBLE_CONFIG=$T/ansible-nocm.cfg ansible-playbook -i $INV -f 5 $PB"

# Correctness first: all 10 tasks on all 5 hosts, nothing failed.
bench_check "playbook etcdplay" "$ETCDPLAY_CMD" -E 'h05.*ok=10' 1
ALT=()
if [ -n "$ETCDPLAY_ALT" ]; then
  ALT_CMD="$ETCDPLAY_ALT run $PB -i $INV -f 5"
  bench_check "playbook etcdplay-alt" "$ALT_CMD" -E 'h05.*ok=10' 1
  ALT=(-n etcdplay-alt "$ALT_CMD")
fi
bench_check "playbook ansible" "$ANSIBLE_CMD" -E 'h05 +: ok=10 +changed=10' 1
bench_check "playbook ansible-nocm" "$ANSIBLE_NOCM_CMD" -E 'h05 +: ok=10 +changed=10' 1

bench_compare "$RESULTS/playbook.json" \
  -n etcdplay "$ETCDPLAY_CMD" \
  "${ALT[@]+"${ALT[@]}"}" \
  -n ansible-playbook "$ANSIBLE_CMD" \
  -n ansible-playbook-nocm "$ANSIBLE_NOCM_CMD"
