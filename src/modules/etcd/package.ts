/**
 * etcd_package: install an exact etcd version, downgrades allowed, verify what got installed.
 *
 * Debian's etcd-server postinst runs `invoke-rc.d etcd start|restart`: on a real host that starts
 * etcd right after the install, possibly on an empty or moved-aside data dir. During the install
 * this module installs a temporary /usr/sbin/policy-rc.d that answers 101 ("action forbidden"),
 * which invoke-rc.d and deb-systemd-invoke honour, and removes it afterwards (only if it created
 * it). If etcd runs after the install although it was stopped before, it is stopped again.
 */
import type { ArgsOf } from '../args.js';
import { ValidationError } from '../../errors.js';
import type { Module, PlanContext } from '../module.js';
import { instanceEnv, MARK, scriptResult, shScript } from './common.js';

// $1 manager, $2 version, $3 mode (present|available), $4 hold, $5 prevent_start, $6 update, $7 service, $8 marker, $9 packages (space separated, validated)
const SCRIPT = String.raw`
MGR=$1; VER=$2; MODE=$3; HOLD=$4; PREV=$5; UPD=$6; SVC=$7; MARK=$8; PKGS=$9
if [ "$MGR" = auto ]; then
  if command -v apt-get >/dev/null 2>&1; then MGR=apt; elif command -v dnf >/dev/null 2>&1; then MGR=dnf
  elif command -v yum >/dev/null 2>&1; then MGR=yum; else die "no apt-get, dnf or yum on this host"; fi
fi
# an exact version was asked for: like apt's --allow-change-held-packages, yum.conf/dnf.conf
# excludes and versionlock entries must not hide it (a lock is moved to the new version below)
RPMOPT="--disableexcludes=all --disableplugin=versionlock"
installed() {
  if [ "$MGR" = apt ]; then dpkg-query -W -f '$''{db:Status-Abbrev} $''{Version}' "$1" 2>/dev/null | awk '$1 ~ /^.i/ { print $2 }'
  else rpm -q --qf '%{VERSION}-%{RELEASE}' "$1" 2>/dev/null | grep -v 'not installed'; fi
}
candidates() {
  if [ "$MGR" = apt ]; then apt-cache madison "$1" 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $2); print $2 }'
  else "$MGR" list --showduplicates -q $RPMOPT "$1" 2>/dev/null | awk 'NF >= 2 && $2 ~ /^[0-9]/ { v = $2; sub(/^[0-9]+:/, "", v); print v }'; fi
}
# a versionlock entry for package $1 (dnf: NAME-EPOCH:V-R.*, yum: EPOCH:NAME-V-R.*)
locked() { "$MGR" versionlock list -q 2>/dev/null | grep -Eq "(^|:)$1-([0-9]+:)?[0-9]"; }
resolve() {
  for v in $(candidates "$1"); do
    case "$v" in "$VER"|"$VER"-*|"$VER"+*|"$VER"~*) echo "$v"; return 0 ;; esac
    u=$(echo "$v" | sed 's/^[0-9]*://'); case "$u" in "$VER"|"$VER"-*|"$VER"+*|"$VER"~*) echo "$v"; return 0 ;; esac
  done
  return 1
}
[ "$UPD" = 1 ] && [ "$MGR" = apt ] && { apt-get update -q >&2 || die "apt-get update failed"; }
SPEC=; PV=; SAME=1; BEFORE=
for p in $PKGS; do
  v=$(resolve "$p") || die "etcd $VER is not available for $p from $MGR (available: $(candidates "$p" | tr '\n' ' '))"
  PV=$v
  cur=$(installed "$p"); [ -n "$BEFORE" ] || BEFORE=$cur
  [ "$cur" = "$v" ] || SAME=0
  if [ "$MGR" = apt ]; then SPEC="$SPEC $p=$v"; else SPEC="$SPEC $p-$(echo "$v" | sed 's/^[0-9]*://')"; fi
done
if [ "$MODE" = available ]; then
  printf '{"available":true,"version":"%s","installed":"%s","manager":"%s","wouldChange":%s}\n' "$PV" "$BEFORE" "$MGR" "$( [ $SAME = 1 ] && echo false || echo true)"
  exit 0
fi
LOCKED=
[ "$MGR" = apt ] || for p in $PKGS; do locked "$p" && LOCKED="$LOCKED $p"; done
if [ $SAME = 0 ]; then
  WAS=0; etcd_running && WAS=1
  POL=0
  if [ "$PREV" = 1 ] && [ "$MGR" = apt ] && [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# etcdplay: keep maintainer scripts from starting services during an etcd install\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && POL=1
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  case "$MGR" in
    apt) DEBIAN_FRONTEND=noninteractive apt-get install -y -q --allow-downgrades --allow-change-held-packages \
           -o Dpkg::Options::=--force-confold -o Dpkg::Options::=--force-confdef $SPEC >&2 || die "apt-get install$SPEC failed" ;;
    *) "$MGR" downgrade -y $RPMOPT $SPEC >&2 || "$MGR" install -y $RPMOPT $SPEC >&2 || die "$MGR downgrade/install$SPEC failed" ;;
  esac
  [ $POL = 1 ] && rm -f /usr/sbin/policy-rc.d
  if [ $WAS = 0 ] && etcd_running; then
    echo "etcdplay: the package started etcd; stopping it again" >&2
    if [ -d /run/systemd/system ]; then systemctl stop "$SVC"; elif [ -x "/etc/init.d/$SVC" ]; then "/etc/init.d/$SVC" stop; fi >&2
  fi
  echo "$MARK"
fi
for p in $PKGS; do
  cur=$(installed "$p")
  case "$cur" in "$PV") ;; *) die "$p is $cur after the install, wanted $PV" ;; esac
done
BIN=$(etcd --version 2>/dev/null | sed -n 's/^etcd Version: //p')
HELD=false
if [ "$MGR" = apt ]; then
  [ "$HOLD" = 1 ] && { apt-mark hold $PKGS >&2 && HELD=true; }
elif [ "$HOLD" = 1 ] || [ -n "$LOCKED" ]; then
  # a lock left on the old version would let the next update put it back: lock what is installed now
  LOCK=$PKGS; [ "$HOLD" = 1 ] || LOCK=$LOCKED
  "$MGR" versionlock delete $LOCK >&2 2>/dev/null
  if "$MGR" versionlock add $LOCK >&2; then HELD=true; else echo "etcdplay: $MGR versionlock add$LOCK failed (plugin missing?); not held" >&2; fi
fi
printf '{"version":"%s","previous":"%s","binaryVersion":"%s","manager":"%s","changed":%s,"held":%s}\n' "$PV" "$BEFORE" "$BIN" "$MGR" "$( [ $SAME = 1 ] && echo false || echo true)" "$HELD"
`;

const PKG_RE = /^[a-z0-9][a-z0-9.+-]*$/;
const VER_RE = /^[0-9][A-Za-z0-9.+~:_-]*$/;

const argsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['version'],
  properties: {
    version: { type: 'string', minLength: 1 },
    packages: { type: 'array', items: { type: 'string', pattern: '^[a-z0-9][a-z0-9.+-]*$' }, minItems: 1 },
    manager: { enum: ['auto', 'apt', 'dnf', 'yum'] },
    state: { enum: ['present', 'available'], description: 'present: install; available: only check the version can be installed (read-only).' },
    hold: { type: 'boolean' },
    prevent_start: { type: 'boolean', description: 'Keep the package\'s maintainer scripts from starting etcd (policy-rc.d; default true).' },
    update_cache: { type: 'boolean' },
    service: { type: 'string', pattern: '^[A-Za-z0-9@._-]+$' },
  },
} as const;
export type EtcdPackageArgs = ArgsOf<typeof argsSchema>;

export const etcdPackageModule: Module<EtcdPackageArgs> = {
  name: 'etcd_package',
  summary: 'install an exact etcd version (downgrade allowed), verify it, optional hold; or check it is available',
  docs: `\`version\` is the upstream version (3.4.23: the newest package build of it is taken) or an exact
package version (3.4.23-4+b4). apt: \`DEBIAN_FRONTEND=noninteractive apt-get install -y
--allow-downgrades --allow-change-held-packages -o Dpkg::Options::=--force-confold etcd-server=V
etcd-client=V\`; dnf/yum: \`downgrade -y --disableexcludes=all --disableplugin=versionlock NAME-V-R\`,
then \`install\` with the same options (an upgrade, e.g. a rollback), verified with \`rpm -q\`; a
versionlock entry the package had is moved to the installed version (unit-tested with stub
commands only: no RPM host is reachable here; docs/etcd.md). Refuses when the version is not
offered (the message lists what is). \`state: available\` only checks (read-only; use it in
preflight). After the install every package must report the wanted version, else it fails.
Debian's postinst starts etcd through invoke-rc.d: \`prevent_start\` (default true) installs a
temporary /usr/sbin/policy-rc.d answering 101 during the install, and an etcd that the install
started anyway is stopped again. \`hold: true\` runs apt-mark hold (dnf/yum: versionlock delete +
add). RPM hosts name the package \`etcd\`: set etcd_packages: [etcd].
Packages default to etcd_packages or [etcd-server, etcd-client].`,
  argsSchema,
  checkMode: true,
  plan(args, ctx: PlanContext) {
    const version = String(args.version).trim();
    if (!VER_RE.test(version)) throw new ValidationError(`version ${JSON.stringify(version)} is not a version (want e.g. 3.4.23 or 3.4.23-4+b4)`);
    const inv = ctx.vars.etcd_packages;
    const pkgs = args.packages ?? (Array.isArray(inv) ? inv.map(String) : typeof inv === 'string' && inv.trim() ? inv.split(/[\s,]+/).filter(Boolean) : ['etcd-server', 'etcd-client']);
    for (const p of pkgs) if (!PKG_RE.test(p)) throw new ValidationError(`package name ${JSON.stringify(p)} is not valid`);
    const mgr = args.manager ?? (ctx.vars.etcd_package_manager as EtcdPackageArgs['manager'] | undefined) ?? 'auto';
    const svc = args.service ?? (ctx.vars.etcd_service as string | undefined) ?? 'etcd';
    const a = (mode: string) => [mgr, version, mode, args.hold ? '1' : '0', args.prevent_start === false ? '0' : '1', args.update_cache ? '1' : '0', svc, MARK, pkgs.join(' ')];
    if (args.state === 'available') {
      return [{ kind: 'command', description: `check etcd ${version} is available (${pkgs.join(', ')})`, mutates: false, changed: 'never', command: shScript(SCRIPT, a('available')), timeoutMs: 300_000 }];
    }
    return [
      { kind: 'command', description: `check etcd ${version} is available`, mutates: false, changed: 'never', command: shScript(SCRIPT, a('available')), timeoutMs: 300_000 },
      { kind: 'command', description: `install ${pkgs.map((p) => `${p}=${version}`).join(' ')} (downgrade allowed, no auto-start)`, mutates: true, changed: 'marker', command: shScript(SCRIPT, a('present'), instanceEnv({}, ctx)), timeoutMs: 900_000 },
    ];
  },
  interpret(args, results) {
    const r = scriptResult(results, (d) => (args.state === 'available'
      ? `etcd ${d.version} available (installed: ${d.installed || 'none'})`
      : d.changed ? `etcd ${d.previous || 'none'} -> ${d.version} (binary ${d.binaryVersion})` : `etcd ${d.version} already installed`), 'etcd package');
    if (!r.failed && results.some((x) => x.status === 'check')) {
      const avail = results.find((x) => x.status === 'ran');
      const d = avail ? (JSON.parse((avail.stdout ?? '{}').trim().split('\n').pop() || '{}') as Record<string, unknown>) : {};
      return { ...r, wouldChange: d.wouldChange === true, changed: false, data: d, msg: d.wouldChange ? `would install etcd ${d.version} (installed: ${d.installed || 'none'})` : `etcd ${d.version} already installed` };
    }
    return r;
  },
  examples: `- name: target version is installable
  etcd_package: { version: "{{ etcd_target_version }}", state: available }
- name: install the target version
  etcd_package: { version: "{{ etcd_target_version }}" }`,
};
