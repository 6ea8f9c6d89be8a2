import type { ArgsOf } from './args.js';
import { ValidationError } from '../errors.js';
import { CHANGED_MARKER } from '../model/step.js';
import type { Module } from './module.js';
import { SCHEMA, checkName, commandStep, script } from './steps.js';

export const VERSION_RE = /^[A-Za-z0-9][A-Za-z0-9.+~:_-]*$/;

/**
 * Inputs: $1 check|apply  $2 manager  $3 state  $4 allow_downgrade 0|1  $5 update_cache 0|1,
 * then pairs NAME VERSION (VERSION '' = any). Names and versions are validated against
 * NAME_RE/VERSION_RE before they get here (no spaces, no glob or shell characters), so the
 * unquoted $todo lists below split into exactly the words they were built from.
 * check: exit 0 when something must change, 1 when everything is already as asked.
 * apply: installs/removes, then verifies every package is at the asked version.
 */
export const PACKAGE_SH = `
mode=$1; mgr=$2; state=$3; down=$4; upd=$5; shift 5
if [ "$mgr" = auto ]; then
  if command -v apt-get >/dev/null 2>&1; then mgr=apt
  elif command -v dnf >/dev/null 2>&1; then mgr=dnf
  elif command -v yum >/dev/null 2>&1; then mgr=yum
  else echo "package: no apt-get, dnf or yum on this host" >&2; exit 3; fi
fi
installed() {
  if [ "$mgr" = apt ]; then
    dpkg-query -W -f='\${Status} \${Version}\\n' "$1" 2>/dev/null | awk '$3 == "installed" { print $4 }'
  else
    rpm -q --qf '%{VERSION}-%{RELEASE}\\n' "$1" 2>/dev/null | grep -v 'is not installed' | head -n 1
  fi
}
matches() {
  [ -z "$2" ] && return 0
  [ "$1" = "$2" ] && return 0
  [ "$mgr" = apt ] && return 1
  case $1 in "$2"-*) return 0 ;; esac
  return 1
}
outdated() {
  if [ "$mgr" = apt ]; then
    cand=$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }')
    [ -n "$cand" ] && [ "$cand" != "(none)" ] && [ "$cand" != "$2" ]
  else
    $mgr -q check-update "$1" >/dev/null 2>&1; [ $? -eq 100 ]
  fi
}
spec() { if [ -z "$2" ]; then echo "$1"; elif [ "$mgr" = apt ]; then echo "$1=$2"; else echo "$1-$2"; fi; }
todo=""; specs=""; report=""
plan() {
  todo=""; specs=""; report=""
  set -- $pairs
  while [ $# -ge 1 ]; do
    n=$1; v=$2; shift 2
    [ "$v" = - ] && v=""
    cur=$(installed "$n")
    case $state in
      present) if [ -z "$cur" ] || ! matches "$cur" "$v"; then todo="$todo $n"; specs="$specs $(spec "$n" "$v")"; report="$report $n:\${cur:-none}->\${v:-any}"; fi ;;
      absent) if [ -n "$cur" ]; then todo="$todo $n"; report="$report $n:$cur->absent"; fi ;;
      latest) if [ -z "$cur" ] || outdated "$n" "$cur"; then todo="$todo $n"; specs="$specs $n"; report="$report $n:\${cur:-none}->latest"; fi ;;
    esac
  done
}
pairs=""
while [ $# -ge 2 ]; do pairs="$pairs $1 \${2:--}"; shift 2; done
plan
if [ "$mode" = check ]; then
  [ -n "$todo" ] && { echo "would change:$report"; exit 0; }
  exit 1
fi
[ -z "$todo" ] && exit 0
echo "changing:$report"
if [ "$mgr" = apt ]; then
  export DEBIAN_FRONTEND=noninteractive
  if [ "$upd" = 1 ]; then apt-get update -q || exit $?; fi
  if [ "$state" = absent ]; then
    apt-get remove -y -q $todo || exit $?
  else
    allow=""; [ "$down" = 1 ] && allow="--allow-downgrades"
    apt-get install -y -q -o Dpkg::Options::=--force-confold $allow $specs || exit $?
  fi
else
  if [ "$upd" = 1 ]; then $mgr -q makecache || exit $?; fi
  if [ "$state" = absent ]; then
    $mgr remove -y $todo || exit $?
  elif [ "$state" = latest ]; then
    $mgr upgrade -y $specs || $mgr install -y $specs || exit $?
  else
    # yum answers "Nothing to do" (rc 0) to an install of an older version than the installed
    # one: with allow_downgrade, downgrade first; install covers a missing or newer version
    if [ "$down" = 1 ]; then $mgr downgrade -y $specs || $mgr install -y $specs || exit $?
    else $mgr install -y $specs || exit $?; fi
  fi
fi
state_was=$state
[ "$state" = latest ] && state=present
plan
if [ -n "$todo" ] && [ "$state_was" != latest ]; then
  echo "package: after the change these packages are still not as asked:$report" >&2
  exit 1
fi
echo ${CHANGED_MARKER}
`;

/** ['etcd-server=3.4.23-4+b4', 'etcd-client'] + version -> [[name, version|'']]. */
export function packagePairs(args: PackageArgs): [string, string][] {
  const given = args.name ?? args.pkg;
  const names = Array.isArray(given) ? given : String(given ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new ValidationError('package: name is empty');
  return names.map((entry) => {
    const eq = entry.indexOf('=');
    const n = eq >= 0 ? entry.slice(0, eq) : entry;
    const v = eq >= 0 ? entry.slice(eq + 1) : args.version ?? '';
    checkName(n, 'package name');
    if (v !== '' && !VERSION_RE.test(v)) throw new ValidationError(`invalid package version ${JSON.stringify(v)}`);
    if (v !== '' && args.state === 'absent') throw new ValidationError('package: a version makes no sense with state=absent');
    if (v !== '' && args.state === 'latest') throw new ValidationError('package: give a version (state=present) or state=latest, not both');
    return [n, v];
  });
}

const argsSchema = {
  $schema: SCHEMA,
  type: 'object',
  properties: {
    name: {
      description: "Package name(s); 'name=version' pins an exact version (e.g. etcd-server=3.4.23-4+b4).",
      oneOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 }],
    },
    pkg: {
      description: 'Alias of name (Ansible apt/yum/dnf).',
      oneOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 }],
    },
    version: { type: 'string', pattern: VERSION_RE.source, description: 'Exact version for every name that has none.' },
    state: { enum: ['present', 'absent', 'latest'], default: 'present', description: 'present: installed (at the version, if given); absent: removed; latest: newest available.' },
    allow_downgrade: { type: 'boolean', default: false, description: 'Allow installing an older version than the installed one.' },
    manager: { enum: ['auto', 'apt', 'dnf', 'yum'], default: 'auto', description: 'Package manager; auto picks apt-get, dnf, then yum.' },
    update_cache: { type: 'boolean', default: false, description: 'apt-get update / dnf makecache first.' },
  },
  additionalProperties: false,
  oneOf: [{ required: ['name'] }, { required: ['pkg'] }],
} as const;
export type PackageArgs = ArgsOf<typeof argsSchema>;

export const packageModule: Module<PackageArgs> = {
  name: 'package',
  aliases: ['ansible.builtin.package', 'apt', 'ansible.builtin.apt', 'dnf', 'ansible.builtin.dnf', 'yum', 'ansible.builtin.yum'],
  summary: 'Install, upgrade, downgrade or remove packages (apt, dnf, yum), verifying the result',
  checkMode: true,
  argsSchema,
  docs: `Makes packages be installed at a given version, or removed. A read-only check runs first
(also in --check mode, where it is the whole answer): \`dpkg-query\` / \`rpm -q\` compare the installed
version with the asked one, and nothing runs when they match.

apt runs non-interactively (\`DEBIAN_FRONTEND=noninteractive\`, \`-o Dpkg::Options::=--force-confold\`
keeps locally changed config files such as /etc/default/etcd) and with \`--allow-downgrades\` only when
\`allow_downgrade: true\`; dnf/yum run \`downgrade -y NAME-VERSION\` first when a downgrade is allowed
(yum answers an install of an older version with "Nothing to do"), then \`install -y\`. After the change every
package is checked again and the task fails if one is not at the asked version.

Beware: Debian packages may start their service right after install (postinst).`,
  examples: `- name: downgrade etcd
  package:
    name: [etcd-server, etcd-client]
    version: 3.4.23-4+b4
    allow_downgrade: true

- name: yum style
  yum: name=etcd version=3.2.22 allow_downgrade=true`,
  plan(args) {
    const pairs = packagePairs(args);
    const mgr = args.manager ?? 'auto';
    const state = args.state ?? 'present';
    const flat = pairs.flatMap(([n, v]) => [n, v]);
    const common = [mgr, state, args.allow_downgrade ? '1' : '0', args.update_cache ? '1' : '0', ...flat];
    const what = pairs.map(([n, v]) => (v ? `${n}=${v}` : n)).join(' ');
    return [commandStep(
      state === 'absent' ? `remove ${what}` : `${state === 'latest' ? 'upgrade' : 'install'} ${what}${args.allow_downgrade ? ' (downgrade allowed)' : ''} and verify`,
      script(PACKAGE_SH, ['apply', ...common]),
      { mutates: true, changed: 'marker', onlyIf: script(PACKAGE_SH, ['check', ...common]), timeoutMs: 30 * 60 * 1000 },
    )];
  },
};
