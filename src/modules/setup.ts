/**
 * Fact gathering, the `setup` module and the plays' `gather_facts` (the engine runs the same
 * command): one read-only shell command that prints `key=value` lines, parsed into Ansible-named
 * facts (ansible_hostname, ansible_distribution, ansible_pkg_mgr, ...).
 */
import type { Command } from '../model/command.js';
import type { TaskResult } from '../model/result.js';
import type { ArgsOf } from './args.js';
import type { Module } from './module.js';
import { SCHEMA } from './steps.js';

const SCRIPT = [
  'echo "hostname=$(hostname 2>/dev/null || cat /etc/hostname 2>/dev/null)"',
  'echo "fqdn=$(hostname -f 2>/dev/null || hostname 2>/dev/null)"',
  'echo "system=$(uname -s)"',
  'echo "kernel=$(uname -r)"',
  'echo "machine=$(uname -m)"',
  'echo "user_id=$(id -un 2>/dev/null)"',
  'echo "uid=$(id -u)"',
  'if [ -r /etc/os-release ]; then . /etc/os-release; echo "os_id=${ID:-}"; echo "os_like=${ID_LIKE:-}"; echo "os_version=${VERSION_ID:-}"; echo "os_codename=${VERSION_CODENAME:-}"; echo "os_pretty=${PRETTY_NAME:-}"; fi',
  'for p in apt-get dnf yum zypper apk pacman; do if command -v $p >/dev/null 2>&1; then echo "pkg_mgr=$p"; break; fi; done',
  'if [ -d /run/systemd/system ]; then echo init=systemd; elif [ -x /sbin/openrc ] || [ -d /run/openrc ]; then echo init=openrc; elif [ -d /etc/init.d ]; then echo init=sysvinit; else echo "init=$(cat /proc/1/comm 2>/dev/null)"; fi',
  'if command -v getenforce >/dev/null 2>&1; then echo "selinux=$(getenforce 2>/dev/null)"; elif [ -d /sys/fs/selinux ]; then echo selinux=enabled; else echo selinux=disabled; fi',
  'echo "vcpus=$(nproc 2>/dev/null)"',
  'echo "memtotal_kb=$(sed -n \'s/^MemTotal: *\\([0-9]*\\) kB/\\1/p\' /proc/meminfo 2>/dev/null)"',
  'r=$(ip -4 route show default 2>/dev/null | head -n1); d=$(echo "$r" | sed -n "s/.* dev \\([^ ]*\\).*/\\1/p"); a=; [ -n "$d" ] && a=$(ip -4 -o addr show dev "$d" 2>/dev/null | sed -n "s/.* inet \\([0-9.]*\\).*/\\1/p" | head -n1); echo "route4=$r src $a"',
  'echo "ipv4s=$(hostname -I 2>/dev/null)"',
].join('; ');

export const FACTS_COMMAND: Command = { kind: 'exec', argv: ['sh', '-c', SCRIPT] };

const PKG: Record<string, string> = { 'apt-get': 'apt', dnf: 'dnf', yum: 'yum', zypper: 'zypper', apk: 'apk', pacman: 'pacman' };
const FAMILY: Record<string, string> = { debian: 'Debian', ubuntu: 'Debian', rhel: 'RedHat', centos: 'RedHat', fedora: 'RedHat', rocky: 'RedHat', almalinux: 'RedHat', suse: 'Suse', opensuse: 'Suse', alpine: 'Alpine', arch: 'Archlinux' };

export function parseFacts(stdout: string): Record<string, unknown> {
  const kv: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) kv[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  const id = (kv.os_id ?? '').toLowerCase();
  const like = (kv.os_like ?? '').toLowerCase().split(/\s+/);
  const family = FAMILY[id] ?? like.map((l) => FAMILY[l]).find(Boolean) ?? (kv.system || 'unknown');
  const selinux = (kv.selinux ?? 'disabled').toLowerCase();
  const short: Record<string, unknown> = {
    hostname: (kv.hostname ?? '').split('.')[0],
    fqdn: kv.fqdn ?? kv.hostname ?? '',
    nodename: kv.hostname ?? '',
    system: kv.system ?? '',
    kernel: kv.kernel ?? '',
    architecture: kv.machine ?? '',
    user_id: kv.user_id ?? '',
    user_uid: Number(kv.uid ?? -1),
    distribution: id ? capitalise(id) : (kv.system ?? 'unknown'),
    distribution_version: kv.os_version ?? '',
    distribution_major_version: (kv.os_version ?? '').split('.')[0] ?? '',
    distribution_release: kv.os_codename ?? '',
    distribution_pretty: kv.os_pretty ?? '',
    os_family: family,
    pkg_mgr: PKG[kv.pkg_mgr ?? ''] ?? 'unknown',
    service_mgr: kv.init || 'unknown',
    selinux: { status: selinux === 'disabled' ? 'disabled' : 'enabled', mode: selinux === 'disabled' ? undefined : selinux },
    processor_vcpus: Number(kv.vcpus) || 0,
    memtotal_mb: kv.memtotal_kb ? Math.floor(Number(kv.memtotal_kb) / 1024) : 0,
    default_ipv4: defaultIpv4(kv.route4 ?? ''),
    all_ipv4_addresses: (kv.ipv4s ?? '').split(/\s+/).filter((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a)),
  };
  const facts: Record<string, unknown> = { ansible_facts: short };
  for (const [k, v] of Object.entries(short)) facts[`ansible_${k}`] = v;
  return facts;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** `ip -4 route show default` + the device's first address: "default via G dev IF ... src A" -> { address, interface, gateway }. */
function defaultIpv4(route: string): Record<string, string> {
  const w = route.split(/\s+/);
  const after = (k: string) => (w.includes(k) ? w[w.indexOf(k) + 1] ?? '' : '');
  return after('dev') ? { address: after('src'), interface: after('dev'), gateway: after('via') } : {};
}

/** The names of the gathered facts (for the planner: set at run time). */
export const FACT_NAMES = ['ansible_facts', ...Object.keys(parseFacts('')).filter((k) => k !== 'ansible_facts')];

const argsSchema = {
  $schema: SCHEMA,
  type: 'object',
  properties: {
    filter: {
      description: "Only set the facts whose names match (shell-style globs, e.g. 'ansible_distribution*').",
      anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    },
    gather_subset: {
      description: 'Accepted for Ansible playbooks; etcdplay always gathers its one small set.',
      anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    },
  },
  additionalProperties: false,
} as const;
export type SetupArgs = ArgsOf<typeof argsSchema>;

function globRe(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

export const setupModule: Module<SetupArgs> = {
  name: 'setup',
  aliases: ['ansible.builtin.setup', 'ansible.legacy.setup', 'gather_facts', 'ansible.builtin.gather_facts'],
  summary: 'Gather facts about the host (ansible_hostname, ansible_distribution, ansible_pkg_mgr, ...)',
  checkMode: true,
  argsSchema,
  factNames: FACT_NAMES,
  docs: `Gathers the same facts as a play's \`gather_facts\`, with one read-only command: hostname,
fqdn, system, kernel, architecture, user, distribution (name, version, major version, release),
os_family, pkg_mgr, service_mgr, selinux, processor_vcpus, memtotal_mb, default_ipv4 (address,
interface, gateway) and all_ipv4_addresses, each as \`ansible_<name>\` and under \`ansible_facts\`.
\`filter\` keeps the matching names only.`,
  examples: `- setup:
    filter: ansible_distribution*`,
  plan() {
    return [{ kind: 'command', description: 'gather facts', mutates: false, changed: 'never', command: FACTS_COMMAND, timeoutMs: 60_000 }];
  },
  interpret(args, results): TaskResult {
    const r = results[results.length - 1];
    if (!r || r.status !== 'ran') return { changed: false, failed: false, msg: 'not run' };
    if (r.rc !== 0) return { changed: false, failed: true, rc: r.rc, stderr: r.stderr ?? '', msg: 'fact gathering failed' };
    let facts = parseFacts(r.stdout ?? '');
    const filters = args.filter === undefined ? [] : Array.isArray(args.filter) ? args.filter : [args.filter];
    if (filters.length) {
      const res = filters.map(globRe);
      const keep = Object.entries(facts).filter(([k]) => k !== 'ansible_facts' && res.some((re) => re.test(k)));
      facts = { ...Object.fromEntries(keep), ansible_facts: Object.fromEntries(keep.map(([k, v]) => [k.replace(/^ansible_/, ''), v])) };
    }
    // Registered, the result holds the facts by their full names (ansible_facts.ansible_distribution),
    // as Ansible's setup module returns them; the host's `ansible_facts` variable has the short names.
    const named = Object.fromEntries(Object.entries(facts).filter(([k]) => k !== 'ansible_facts'));
    return { changed: false, failed: false, facts, ansible_facts: named };
  },
};
