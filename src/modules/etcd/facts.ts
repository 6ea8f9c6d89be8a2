/**
 * etcd_facts: one read-only command that prints JSON (every section base64-encoded, so no output
 * can break the JSON), interpreted into `facts.etcd`.
 */
import type { ArgsOf } from '../args.js';
import type { TaskResult } from '../../model/result.js';
import type { Module, PlanContext, StepOutcome } from '../module.js';
import { connArgsSchema, etcdctlEnv, instanceEnv, shScript, thisMember, toList } from './common.js';
import { memberConfig } from './config.js';
import { parseEndpointHealth, parseEndpointStatus, parseMemberList, parseToolVersion, parseVersionEndpoint } from './parse.js';

/**
 * Args: $1 config file ('' = search), $2 endpoint ('' = from config), $3 service name, $4 query cluster (1/0).
 * Prints {"sections":{NAME:{"rc":N,"out":"BASE64"}}}.
 */
const SCRIPT = String.raw`
CFG=$1; EP=$2; SVC=$3; ASK=$4
first=1
sec() {
  _n=$1; shift
  _o=$("$@" 2>&1); _r=$?
  if [ $first = 1 ]; then first=0; else printf ','; fi
  printf '"%s":{"rc":%d,"out":"%s"}' "$_n" "$_r" "$(printf '%s' "$_o" | base64 | tr -d '\n')"
}
if [ -z "$CFG" ]; then
  for f in "/etc/default/$SVC" "/etc/etcd/$SVC.conf" "/etc/sysconfig/$SVC"; do [ -r "$f" ] && { CFG=$f; break; }; done
fi
if [ -z "$CFG" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  for f in $(systemctl cat "$SVC" 2>/dev/null | sed -n 's/^EnvironmentFile=-\{0,1\}//p'); do [ -r "$f" ] && CFG=$f; done
fi
pid=$(etcd_pids | head -n1)
printf '{"v":1,"sections":{'
sec hostname hostname
sec config_path echo "$CFG"
[ -n "$CFG" ] && [ -r "$CFG" ] && sec config cat "$CFG"
sec etcd_version etcd --version
sec etcdctl_version etcdctl version
command -v etcdutl >/dev/null 2>&1 && sec etcdutl_version etcdutl version
if command -v dpkg-query >/dev/null 2>&1; then
  sec packages dpkg-query -W -f '$''{Package} $''{Version} $''{db:Status-Abbrev}\n' etcd-server etcd-client etcd
elif command -v rpm >/dev/null 2>&1; then
  sec packages rpm -q --qf '%{NAME} %{VERSION}-%{RELEASE} ii\n' etcd
fi
for m in apt-get dnf yum zypper; do command -v $m >/dev/null 2>&1 && { sec package_manager echo "$m"; break; }; done
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  sec service_manager echo systemd
  sec unit systemctl cat "$SVC"
elif [ -x "/etc/init.d/$SVC" ]; then sec service_manager echo sysv
else sec service_manager echo none; fi
if [ -n "$pid" ]; then
  sec pid echo "$pid"
  sec cmdline tr '\000' '\n' < "/proc/$pid/cmdline"
  sec environ sh -c 'tr "\000" "\n" < "/proc/$1/environ" | grep "^ETCD_"' sh "$pid"
fi
command -v selinuxenabled >/dev/null 2>&1 && sec selinux selinuxenabled
id -u etcd >/dev/null 2>&1 && sec etcd_user id etcd
# settings as configured (the config file is a shell fragment, read in a child shell)
cfgvar() { [ -n "$CFG" ] && [ -r "$CFG" ] && sh -c 'set -a; . "$1" >/dev/null 2>&1; eval "printf %s \"\$$2\""' sh "$CFG" "$1"; }
DD=$(cfgvar ETCD_DATA_DIR)
if [ -n "$pid" ]; then
  PDD=$(tr '\000' '\n' < "/proc/$pid/environ" 2>/dev/null | sed -n 's/^ETCD_DATA_DIR=//p' | head -n1)
  [ -n "$PDD" ] && DD=$PDD
fi
[ -z "$DD" ] && DD=/var/lib/etcd/default
sec data_dir sh -c 'echo "$1"; [ -d "$1/member" ] && echo member; [ -d "$1" ] && du -sk "$1" | cut -f1; true' sh "$DD"
sec df sh -c 'd=$1; while [ ! -d "$d" ]; do d=$(dirname "$d"); done; df -Pk "$d" | tail -n1' sh "$DD"
if [ -z "$EP" ]; then
  EP=$(cfgvar ETCD_ADVERTISE_CLIENT_URLS | cut -d, -f1)
  CA=$(cfgvar ETCD_TRUSTED_CA_FILE); CE=$(cfgvar ETCD_CERT_FILE); KE=$(cfgvar ETCD_KEY_FILE)
  [ -n "$ETCDCTL_CACERT" ] || { [ -n "$CA" ] && export ETCDCTL_CACERT="$CA"; }
  [ -n "$ETCDCTL_CERT" ] || { [ -n "$CE" ] && export ETCDCTL_CERT="$CE"; }
  [ -n "$ETCDCTL_KEY" ] || { [ -n "$KE" ] && export ETCDCTL_KEY="$KE"; }
fi
[ -z "$EP" ] && EP=http://127.0.0.1:2379
sec endpoint echo "$EP"
if [ "$ASK" = 1 ] && [ -n "$pid" ]; then
  sec status ctl --endpoints="$EP" --command-timeout=5s endpoint status -w json
  sec members ctl --endpoints="$EP" --command-timeout=5s member list -w json
  sec health ctl --endpoints="$EP" --command-timeout=5s endpoint health -w json
  if command -v curl >/dev/null 2>&1; then
    sec version_http sh -c 'set -- -s -m 5 "$1/version"; [ -n "$ETCDCTL_CACERT" ] && set -- --cacert "$ETCDCTL_CACERT" "$@"; [ -n "$ETCDCTL_CERT" ] && set -- --cert "$ETCDCTL_CERT" --key "$ETCDCTL_KEY" "$@"; curl "$@"' sh "$EP"
  fi
fi
printf '}}\n'
`;

function b64(s: string | undefined): string {
  return s ? Buffer.from(s, 'base64').toString('utf8') : '';
}

export interface Sections {
  [name: string]: { rc: number; out: string };
}

export function decodeSections(stdout: string): Sections {
  const j = JSON.parse(stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop() ?? '{}') as { sections?: Record<string, { rc: number; out: string }> };
  const out: Sections = {};
  for (const [k, v] of Object.entries(j.sections ?? {})) out[k] = { rc: v.rc, out: b64(v.out) };
  return out;
}

/** Turn the decoded sections into facts.etcd. Pure; exported for tests. */
export function factsFromSections(sec: Sections, host: string): Record<string, unknown> {
  const ok = (n: string) => (sec[n] && sec[n]!.rc === 0 ? sec[n]!.out : undefined);
  const environ: Record<string, string> = {};
  for (const l of (ok('environ') ?? '').split('\n')) {
    const i = l.indexOf('=');
    if (i > 0) environ[l.slice(0, i)] = l.slice(i + 1);
  }
  const cmdline = ok('cmdline')?.split('\n').filter((w) => w !== '');
  const cfgText = ok('config');
  const unitText = ok('unit');
  const cfg = memberConfig({
    ...(cfgText !== undefined ? { file: cfgText } : {}),
    ...(unitText ? { unit: unitText } : {}),
    ...(Object.keys(environ).length ? { environ } : {}),
    ...(cmdline ? { cmdline } : {}),
  });
  const packages: Record<string, { version: string; installed: boolean }> = {};
  for (const l of (sec.packages?.out ?? '').split('\n')) {
    const [name, version, status] = l.trim().split(/\s+/);
    if (name && version && !/no packages found|not installed/i.test(l)) packages[name] = { version, installed: (status ?? '').startsWith('i') || status === undefined };
  }
  const pkgVersion = packages['etcd-server']?.version ?? packages.etcd?.version;
  const dd = (ok('data_dir') ?? '').split('\n');
  const df = (ok('df') ?? '').trim().split(/\s+/);
  const status = sec.status ? safe(() => parseEndpointStatus(sec.status!.out), []) : [];
  const members = sec.members && sec.members.rc === 0 ? safe(() => parseMemberList(sec.members!.out), []) : [];
  const health = sec.health ? safe(() => parseEndpointHealth(sec.health!.out), []) : [];
  const http = parseVersionEndpoint(ok('version_http'));
  const st = status[0];
  const binary = parseToolVersion(ok('etcd_version'));
  const facts: Record<string, unknown> = {
    host,
    hostname: ok('hostname')?.trim(),
    name: cfg.name ?? ok('hostname')?.trim() ?? host,
    version: st?.version || binary,
    binaryVersion: binary,
    etcdctlVersion: parseToolVersion(ok('etcdctl_version')),
    etcdutlVersion: parseToolVersion(ok('etcdutl_version')),
    serverVersion: st?.version || http.server,
    clusterVersion: http.cluster,
    storageVersion: st?.storageVersion,
    packageVersion: pkgVersion,
    packages,
    packageManager: ({ 'apt-get': 'apt', dnf: 'dnf', yum: 'yum', zypper: 'zypper' } as Record<string, string>)[ok('package_manager')?.trim() ?? ''] ?? 'none',
    serviceManager: ok('service_manager')?.trim() ?? 'none',
    running: !!ok('pid'),
    pid: ok('pid') ? Number(ok('pid')) : undefined,
    configFile: ok('config_path')?.trim() || undefined,
    dataDir: dd[0] || cfg.dataDir,
    dataDirHasMember: dd.includes('member'),
    dataDirKb: dd[2] !== undefined && /^\d+$/.test(dd[dd.length - 1] ?? '') && dd.length > 1 ? Number(dd[dd.length - 1]) : undefined,
    walDir: cfg.walDir,
    diskFreeKb: df.length >= 4 && /^\d+$/.test(df[3]!) ? Number(df[3]) : undefined,
    clientUrls: cfg.clientUrls,
    peerUrls: cfg.peerUrls,
    listenClientUrls: cfg.listenClientUrls,
    listenPeerUrls: cfg.listenPeerUrls,
    initialCluster: cfg.initialCluster,
    initialClusterToken: cfg.initialClusterToken,
    scheme: cfg.scheme,
    tls: cfg.tls,
    selinux: sec.selinux ? sec.selinux.rc === 0 : false,
    etcdUser: !!ok('etcd_user'),
    endpoint: ok('endpoint')?.trim(),
    healthy: health.length ? health.every((h) => h.health) : false,
    memberId: st?.id,
    leaderId: st?.leader,
    isLeader: st?.isLeader ?? false,
    raftTerm: st?.raftTerm,
    raftIndex: st?.raftIndex,
    revision: st?.revision,
    dbSize: st?.dbSize,
    clusterId: st?.clusterId,
    members,
    errors: [sec.status, sec.members, sec.health].filter((s) => s && s.rc !== 0).map((s) => s!.out.trim().split('\n').pop()),
  };
  if (!facts.clusterVersion && typeof facts.serverVersion === 'string') {
    // etcd sets the cluster version to the lowest member's major.minor; without /version we can
    // only say what this member implies.
    facts.clusterVersionSource = 'unknown';
  }
  for (const k of Object.keys(facts)) if (facts[k] === undefined) delete facts[k];
  return facts;
}

function safe<T>(f: () => T, dflt: T): T {
  try {
    return f();
  } catch {
    return dflt;
  }
}

const argsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...connArgsSchema,
    config_file: { type: 'string', description: 'config file to read (default: etcd_config_file, else the first of /etc/default/etcd, /etc/etcd/etcd.conf, /etc/sysconfig/etcd)' },
    service: { type: 'string', description: 'service name (default etcd_service or etcd)' },
    cluster: { type: 'boolean', description: 'also query the member (status, member list, health); default true' },
  },
} as const;
export type EtcdFactsArgs = ArgsOf<typeof argsSchema>;

export const etcdFactsModule: Module<EtcdFactsArgs> = {
  name: 'etcd_facts',
  summary: "gather a member's etcd facts (versions, config, data dir, status, members) into facts.etcd",
  docs: `Reads the host's own etcd configuration (/etc/default/etcd, /etc/etcd/etcd.conf,
/etc/sysconfig/etcd, or \`config_file\`), the running process's environment and command line,
package and binary versions, the service manager, SELinux, disk space of the data dir, and, when
etcd runs, \`endpoint status\`, \`member list\`, \`endpoint health\` (and \`/version\` through curl
when present, for the cluster version). One read-only command; everything lands in
\`facts.etcd\` (and the result's \`data\`), e.g. \`etcd.version\`, \`etcd.packageVersion\`,
\`etcd.dataDir\`, \`etcd.isLeader\`, \`etcd.raftIndex\`, \`etcd.members\`, \`etcd.tls.certFile\`.
The other etcd modules read these facts for defaults (data dir, TLS files, member list). In
playbooks prefer \`register:\` and \`NAME.data.*\`: \`etcdplay plan\` can then tell which tasks
depend on run-time values.
Never changes anything; runs in --check mode.`,
  argsSchema,
  checkMode: true,
  plan(args: EtcdFactsArgs, ctx: PlanContext) {
    const cfg = args.config_file ?? (ctx.vars.etcd_config_file as string | undefined) ?? '';
    const explicit = toList(args.endpoints);
    const hasInv = ctx.vars.etcd_address !== undefined || ctx.vars.etcd_client_url !== undefined;
    const ep = explicit?.[0] ?? (hasInv ? thisMember(ctx).clientUrl : '');
    const svc = args.service ?? (ctx.vars.etcd_service as string | undefined) ?? 'etcd';
    const env = { ...etcdctlEnv(args, { ...ctx, facts: undefined }), ...instanceEnv({}, { ...ctx, facts: undefined }) };
    return [
      {
        kind: 'command',
        description: 'read etcd versions, config, data dir and member status',
        mutates: false,
        command: shScript(SCRIPT, [cfg, ep, svc, args.cluster === false ? '0' : '1'], env),
        changed: 'never',
        timeoutMs: 60_000,
      },
    ];
  },
  interpret(_args: EtcdFactsArgs, results: StepOutcome[], ctx: PlanContext): TaskResult {
    const r = results[results.length - 1];
    if (!r || r.status !== 'ran' || r.rc !== 0) {
      return { changed: false, failed: true, rc: r?.rc ?? -1, stdout: r?.stdout ?? '', stderr: r?.stderr ?? '', msg: 'could not gather etcd facts' };
    }
    let sec: Sections;
    try {
      sec = decodeSections(r.stdout ?? '');
      if (!sec.hostname) throw new Error('no sections in the output');
    } catch (e) {
      return { changed: false, failed: true, rc: r.rc, stdout: r.stdout ?? '', stderr: r.stderr ?? '', msg: `etcd facts output is not JSON: ${(e as Error).message}` };
    }
    const facts = factsFromSections(sec, ctx.host);
    const msg = `${facts.name}: etcd ${facts.version ?? 'not installed'}${facts.running ? (facts.isLeader ? ' (leader)' : '') : ' (not running)'}, data ${facts.dataDir}`;
    return { changed: false, failed: false, rc: 0, msg, data: facts, facts: { etcd: facts } };
  },
  examples: `- name: gather etcd facts
  etcd_facts:
  register: etcd_gathered
- debug:
    msg: "{{ etcd_gathered.data.version }} leader={{ etcd_gathered.data.isLeader }} data={{ etcd_gathered.data.dataDir }}"`,
};

