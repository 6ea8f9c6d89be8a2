#!/usr/bin/env bash
# etcdplay demo (npm run demo; needs root): builds the TypeScript, brings up a real 3-node etcd
# 3.5.16 lab named 'demo' (hosts with their own sshd on 127.0.1.11-13, etcd installed with apt),
# loads rehearsal data, shows its status and runs an ad-hoc command over SSH, previews the downgrade
# playbook (etcdplay plan), downgrades the cluster to 3.4.23 with live progress (etcdplay run) and
# prints a before/after table (versions, revision, keys, leases, a hash of every key and value).
# The lab has 2 control plane hosts (cp1, cp2) whose kube-apiserver stand-ins write to etcd all
# along; the playbook fences them, and the last step (writes) fails the demo if any write they saw
# acknowledged is missing from the cluster afterwards.
#
# Extend it by writing a function step_<name> and adding <name> to STEPS (or set DEMO_STEPS).
# Every step sees: $LAB (lab name), $INV (inventory), $SSH_CONFIG, and the helper `ep` (etcdplay).
# Knobs: DEMO_LAB=demo DEMO_NODES=3 DEMO_ETCD=3.5.16 DEMO_TLS=1 DEMO_DOWN=1 (tear down at the end)
# DEMO_CP=2 (control plane hosts; 0: none, and the writes step is skipped).
set -euo pipefail
cd "$(dirname "$0")/.."

LAB=${DEMO_LAB:-demo}
NODES=${DEMO_NODES:-3}
ETCD=${DEMO_ETCD:-3.5.16}
CP=${DEMO_CP:-2}
TLS_FLAG=()
[ -n "${DEMO_TLS:-}" ] && TLS_FLAG=(--tls)
LABDIR=${ETCDPLAY_LAB_ROOT:-/run/etcdplay/labs}/$LAB
INV=$LABDIR/inventory.yml
SSH_CONFIG=$LABDIR/ssh_config

ep() { node bin/etcdplay.js "$@"; }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step_build() {
  say "build (npm run build)"
  [ -d node_modules ] || npm ci
  if ! npm run --silent build; then
    [ -f dist/cli/main.js ] || { echo "demo: build failed" >&2; exit 1; }
    echo "demo: the build reported type errors (above); continuing with what was emitted" >&2
  fi
}

step_clean() {
  say "down any previous '$LAB' lab"
  ep lab down --name "$LAB"
}

step_up() {
  say "etcdplay lab up --name $LAB --nodes $NODES --etcd $ETCD --control-plane $CP ${TLS_FLAG[*]:-}"
  local t0=$SECONDS
  ep lab up --name "$LAB" --nodes "$NODES" --etcd "$ETCD" --control-plane "$CP" "${TLS_FLAG[@]}"
  echo "(lab up took $((SECONDS - t0))s)"
}

step_load() {
  say "etcdplay lab load --name $LAB --keys 300 --leases 2"
  ep lab load --name "$LAB" --keys 300 --leases 2
}

step_status() {
  say "etcdplay lab status --name $LAB"
  ep lab status --name "$LAB"
}

step_adhoc() {
  say "etcdplay adhoc etcd -i $INV -a 'etcd --version'"
  local rc=0
  ep adhoc etcd -i "$INV" -a 'etcd --version' || rc=$?
  if [ "$rc" = 70 ]; then
    echo "(adhoc is not implemented yet: the same over plain OpenSSH with the lab's ssh_config)"
    for h in $(seq 1 "$NODES"); do
      printf 'etcd%s: ' "$h"; ssh -F "$SSH_CONFIG" "etcd$h" 'etcd --version | head -n 1'
    done
  elif [ "$rc" != 0 ]; then
    return "$rc"
  fi
}

TARGET=${DEMO_TARGET:-3.4.23}
STATE_DIR=${TMPDIR:-/tmp}/etcdplay-demo
mkdir -p "$STATE_DIR"

step_before() {
  say "record the cluster before the downgrade"
  node --import tsx scripts/demo-table.ts capture "$LAB" "$STATE_DIR/before.json"
}

step_plan() {
  say "etcdplay plan playbooks/etcd-downgrade.yml -i $INV -e etcd_target_version=$TARGET  (nothing is contacted)"
  ep plan playbooks/etcd-downgrade.yml -i "$INV" -e "etcd_target_version=$TARGET" | head -n 40
  echo "  ... (the full plan: the same command without | head)"
}

step_downgrade() {
  say "etcdplay run playbooks/etcd-downgrade.yml -i $INV -e etcd_target_version=$TARGET --yes"
  local t0=$SECONDS
  ep run playbooks/etcd-downgrade.yml -i "$INV" -e "etcd_target_version=$TARGET" --yes
  echo "(the downgrade took $((SECONDS - t0))s)"
}

step_after() {
  say "before / after"
  node --import tsx scripts/demo-table.ts capture "$LAB" "$STATE_DIR/after.json"
  node --import tsx scripts/demo-table.ts compare "$STATE_DIR/before.json" "$STATE_DIR/after.json"
}

step_writes() {
  [ "$CP" != 0 ] || { echo "(no control plane hosts: no writes to check)"; return 0; }
  say "etcdplay lab writes --name $LAB --json  (writes the API servers saw acknowledged, missing from the cluster)"
  local line rc=0
  line=$(ep lab writes --name "$LAB" --json) || rc=$?
  echo "$line"
  if [ "$rc" = 1 ]; then
    echo "demo: acknowledged writes are MISSING from the cluster (etcdplay lab writes --name $LAB lists them)" >&2
    exit 1
  elif [ "$rc" != 0 ]; then
    echo "demo: lab writes could not tell (exit $rc)" >&2
    exit 1
  fi
}

step_finish() {
  if [ -n "${DEMO_DOWN:-}" ]; then
    say "etcdplay lab down --name $LAB"
    ep lab down --name "$LAB"
  else
    say "the lab stays up"
    echo "  ssh -F $SSH_CONFIG etcd1"
    echo "  node bin/etcdplay.js lab status --name $LAB"
    echo "  node bin/etcdplay.js lab down --name $LAB"
  fi
}

STEPS=(${DEMO_STEPS:-build clean up load status adhoc before plan downgrade after writes finish})

[ "$(uname -s)" = Linux ] || { echo "demo: the lab needs Linux" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "demo: the lab needs root (namespaces, mounts, chroot): sudo npm run demo" >&2; exit 1; }
for s in "${STEPS[@]}"; do "step_$s"; done
