/**
 * Shared by the etcd modules: how a member is addressed (from the inventory's hostvars, facts or
 * explicit args), how etcdctl gets its TLS settings (ETCDCTL_* environment, never argv
 * concatenation), and the fixed shell helpers the modules' scripts start with.
 *
 * Every script is a constant text run as `sh -c SCRIPT etcdplay ARG...`: values reach the
 * script only as positional arguments, quoted by src/shell/quote.ts like any argv.
 */
import { ValidationError } from '../../errors.js';
import type { ExecCommand } from '../../model/command.js';
import type { Vars } from '../../model/vars.js';
import type { PlanContext, StepOutcome } from '../module.js';
import type { TaskResult } from '../../model/result.js';
import { CHANGED_MARKER } from '../../model/step.js';
import { lastJsonLine } from './json.js';
import { lastValue } from '../steps.js';
import type { ArgsOf } from '../args.js';

/** Args every etcd module that talks to the cluster accepts (spread into each module's properties). */
export const connArgsSchema = {
  endpoints: {
    description: 'client URL(s); default: derived from the inventory (etcd_address, etcd_scheme, etcd_client_port) or facts',
    anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 }],
  },
  cacert: { type: 'string', description: 'CA bundle for etcdctl (default: etcd_ca_file / facts)' },
  cert: { type: 'string', description: 'client certificate for etcdctl (default: etcd_client_cert_file / facts)' },
  key: { type: 'string', description: 'client key for etcdctl (default: etcd_client_key_file / facts)' },
  group: { type: 'string', description: "inventory group of the members (default 'etcd')" },
} as const;
export type EtcdConnArgs = ArgsOf<{ properties: typeof connArgsSchema }>;

/** Schema of a flag that may come from a template as text ("true"/"false"); read it with toBool. */
export const flagArg = <D extends string>(description: D) => ({ anyOf: [{ type: 'boolean' }, { type: 'string', pattern: '^(true|false|True|False|yes|no)$' }], description }) as const;
/** Schema of a whole number that may come from a template as text; read it with Number. */
export const countArg = <D extends string>(description: D) => ({ anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: '^[0-9]+$' }], description }) as const;

export interface MemberSpec {
  host: string;
  name: string;
  address: string;
  clientUrl: string;
  peerUrl: string;
}

function str(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  return String(v);
}

/** facts.etcd of this host, when gathered. */
export function etcdFacts(ctx: PlanContext): Record<string, any> | undefined {
  const f = (ctx.facts?.etcd ?? (ctx.vars.etcd as unknown)) as Record<string, any> | undefined;
  return f && typeof f === 'object' ? f : undefined;
}

/** One member as the inventory describes it. */
export function memberFromVars(host: string, v: Vars): MemberSpec {
  const name = str(v.etcd_name) ?? str(v.inventory_hostname) ?? host;
  const address = str(v.etcd_address) ?? str(v.ansible_host) ?? host;
  const scheme = str(v.etcd_scheme) ?? 'http';
  const peerScheme = str(v.etcd_peer_scheme) ?? scheme;
  const cport = str(v.etcd_client_port) ?? '2379';
  const pport = str(v.etcd_peer_port) ?? '2380';
  const fmt = (a: string) => (a.includes(':') && !a.startsWith('[') ? `[${a}]` : a);
  return {
    host,
    name,
    address,
    clientUrl: str(v.etcd_client_url) ?? `${scheme}://${fmt(address)}:${cport}`,
    peerUrl: str(v.etcd_peer_url) ?? `${peerScheme}://${fmt(address)}:${pport}`,
  };
}

/** Hosts of the members' group, in inventory order. */
export function memberHosts(ctx: PlanContext, group = 'etcd'): string[] {
  const groups = ctx.vars.groups as Record<string, string[]> | undefined;
  const g = groups?.[group];
  if (Array.isArray(g) && g.length) return g;
  if (ctx.playHosts?.length) return ctx.playHosts;
  return [ctx.host];
}

/** Every member, from hostvars of the group (falls back to this host's vars for others). */
export function clusterMembers(ctx: PlanContext, group = 'etcd'): MemberSpec[] {
  const hv = ctx.hostvars ?? (ctx.vars.hostvars as Record<string, Vars> | undefined);
  return memberHosts(ctx, group).map((h) => memberFromVars(h, h === ctx.host ? ctx.vars : (hv?.[h] ?? { inventory_hostname: h })));
}

/** This host as a member: inventory, then facts read from its own config. */
export function thisMember(ctx: PlanContext): MemberSpec {
  const m = memberFromVars(ctx.host, ctx.vars);
  const f = etcdFacts(ctx);
  const hasInv = str(ctx.vars.etcd_address) ?? str(ctx.vars.etcd_client_url);
  if (!hasInv && f) {
    const cu = Array.isArray(f.clientUrls) && f.clientUrls[0] ? String(f.clientUrls[0]) : undefined;
    const pu = Array.isArray(f.peerUrls) && f.peerUrls[0] ? String(f.peerUrls[0]) : undefined;
    return { ...m, name: str(ctx.vars.etcd_name) ?? str(f.name) ?? m.name, clientUrl: cu ?? m.clientUrl, peerUrl: pu ?? m.peerUrl };
  }
  return m;
}

export function toList(v: string[] | string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const arr = Array.isArray(v) ? v : v.split(',');
  const out = arr.map((s) => s.trim()).filter(Boolean);
  return out.length ? out : undefined;
}

const URL_RE = /^(https?|unix|unixs):\/\/[A-Za-z0-9._~\-[\]:%/]+$/;
export function checkUrls(urls: string[], what: string): string[] {
  for (const u of urls) if (!URL_RE.test(u)) throw new ValidationError(`${what}: ${JSON.stringify(u)} is not a client URL (want e.g. https://192.0.2.10:2379)`);
  return urls;
}

/** The endpoint of this host's member (for per-host modules). */
export function localEndpoints(args: EtcdConnArgs, ctx: PlanContext): string[] {
  return checkUrls(toList(args.endpoints) ?? [thisMember(ctx).clientUrl], 'endpoints');
}

/** Endpoints of every member (for cluster-wide modules). */
export function allEndpoints(args: EtcdConnArgs, ctx: PlanContext): string[] {
  const explicit = toList(args.endpoints);
  if (explicit) return checkUrls(explicit, 'endpoints');
  return checkUrls(clusterMembers(ctx, args.group ?? 'etcd').map((m) => m.clientUrl), 'endpoints');
}

/** etcdctl environment: ETCDCTL_API=3 and the TLS files (args > inventory > facts). */
export function etcdctlEnv(args: EtcdConnArgs, ctx: PlanContext): Record<string, string> {
  const f = etcdFacts(ctx);
  const tls = (f?.tls ?? {}) as Record<string, any>;
  const env: Record<string, string> = { ETCDCTL_API: '3' };
  const cacert = args.cacert ?? str(ctx.vars.etcd_ca_file) ?? str(tls.trustedCaFile);
  const cert = args.cert ?? str(ctx.vars.etcd_client_cert_file) ?? str(tls.clientCertFile) ?? str(ctx.vars.etcd_cert_file) ?? str(tls.certFile);
  const key = args.key ?? str(ctx.vars.etcd_client_key_file) ?? str(tls.clientKeyFile) ?? str(ctx.vars.etcd_key_file) ?? str(tls.keyFile);
  if (cacert) env.ETCDCTL_CACERT = cacert;
  if (cert) env.ETCDCTL_CERT = cert;
  if (key) env.ETCDCTL_KEY = key;
  return env;
}

/** A fixed script run as `sh -c SCRIPT etcdplay ARGS...`: values only as positional args. */
export function shScript(body: string, args: (string | number | boolean | undefined)[], env?: Record<string, string>): ExecCommand {
  const argv = ['sh', '-c', PRELUDE + body, 'etcdplay', ...args.map((a) => (a === undefined ? '' : String(a)))];
  return env && Object.keys(env).length ? { kind: 'exec', argv, env } : { kind: 'exec', argv };
}

/** Paths we embed in JSON written by scripts must be plain: no quotes, backslashes or control chars. */
const PATH_RE = /^\/[A-Za-z0-9._@%+=:,/~-]*$/;
export function checkPath(p: string, what: string): string {
  if (!PATH_RE.test(p) || p.includes('/../') || p.endsWith('/..')) {
    throw new ValidationError(`${what}: ${JSON.stringify(p)} must be an absolute path of letters, digits and ._@%+=:,~/- only`);
  }
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

/**
 * The environment that tells the prelude's etcd_pids which etcd on the host is this member: its
 * data dir when the inventory, the args or the facts name it (else every etcd process counts).
 */
export function instanceEnv(args: { data_dir?: string }, ctx: PlanContext): Record<string, string> {
  const d = args.data_dir ?? str(ctx.vars.etcd_data_dir) ?? str(etcdFacts(ctx)?.dataDir);
  return d ? { ETCDPLAY_DATA_DIR: checkPath(d, 'data_dir') } : {};
}

export function dataDirOf(args: { data_dir?: string }, ctx: PlanContext): string {
  const f = etcdFacts(ctx);
  const d = args.data_dir ?? str(ctx.vars.etcd_data_dir) ?? str(f?.dataDir) ?? '/var/lib/etcd/default';
  return checkPath(d, 'data_dir');
}

/**
 * Shell helpers every script starts with (POSIX sh):
 *  die MSG           print "etcdplay: MSG" on stderr, exit 1
 *  ctl ARGS          etcdctl with ETCDCTL_API=3 (TLS from the ETCDCTL_* environment)
 *  listening IP PORT true if a TCP socket is LISTENing on IP:PORT (or the wildcard), from /proc/net/tcp*
 *  etcd_pids         pids of this instance's etcd processes: with ETCDPLAY_DATA_DIR set (instanceEnv),
 *                    those whose --data-dir (argv) or ETCD_DATA_DIR (environment) is that dir, so a
 *                    second etcd cluster on the host (etcd-events) is not taken for this one; a
 *                    process whose data dir cannot be read counts (conservative); unset: every etcd
 *  etcd_running      true if etcd_pids finds one
 *  section N E CMD.. run CMD, print "#etcdplay N RC E" then its output (stdout+stderr); read
 *                    back with splitSections (parse.ts)
 */
export const PRELUDE = String.raw`
die() { echo "etcdplay: $*" >&2; exit 1; }
ctl() { ETCDCTL_API=3 etcdctl "$@"; }
hexip() { printf '%02X%02X%02X%02X' $(echo "$1" | awk -F. '{print $4, $3, $2, $1}'); }
listening() {
  _p=$(printf '%04X' "$2")
  if [ -n "$1" ] && echo "$1" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$'; then _a=$(hexip "$1"); else _a='........'; fi
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v a="$_a" -v p="$_p" '
    $4 == "0A" { split($2, x, ":"); if (x[2] == p && (x[1] ~ "^" a "$" || x[1] ~ /^0+$/)) f = 1 }
    END { exit f ? 0 : 1 }'
}
etcd_pids() {
  for _p in $(pgrep -x etcd 2>/dev/null); do
    if [ -n "$ETCDPLAY_DATA_DIR" ]; then
      _d=$(tr '\0' '\n' < "/proc/$_p/cmdline" 2>/dev/null | awk 'f { print; exit } /^--?data-dir=/ { sub(/^--?data-dir=/, ""); print; exit } /^--?data-dir$/ { f = 1 }')
      [ -n "$_d" ] || _d=$(tr '\0' '\n' < "/proc/$_p/environ" 2>/dev/null | sed -n 's/^ETCD_DATA_DIR=//p' | tail -n1)
      case "$_d" in /*) case "$_d" in "$ETCDPLAY_DATA_DIR" | "$ETCDPLAY_DATA_DIR/") ;; *) continue ;; esac ;; esac
    fi
    echo "$_p"
  done
}
etcd_running() { [ -n "$(etcd_pids)" ]; }
section() { _n=$1; _e=$2; shift 2; _o=$("$@" 2>&1); _rc=$?; echo "#etcdplay $_n $_rc $_e"; printf '%s\n' "$_o"; }
`;

/** Printed by scripts when they changed something (CommandStep.changed = 'marker'). */
export const MARK = CHANGED_MARKER;

/** The first command step that ran and exited with a code it does not accept. */
export function failedStep(results: StepOutcome[]): StepOutcome | undefined {
  return results.find((r) => r.status === 'ran' && r.rc !== undefined && r.step.kind === 'command' && !(r.step.okCodes ?? [0]).includes(r.rc));
}

/** The last `die` message of a script (its "etcdplay: ..." stderr line, without the prefix). */
export function scriptReason(stderr: string | undefined): string | undefined {
  const line = (stderr ?? '').split('\n').map((l) => l.trim()).filter((l) => l.startsWith('etcdplay:')).pop();
  return line?.replace(/^etcdplay:\s*/, '');
}

/**
 * Default interpretation of a module whose last command prints one JSON line (or whose last
 * `then` returned a value): failed when a
 * command failed, changed when any step changed, `data` = that JSON, `msg` from `describe`.
 */
export function scriptResult(results: StepOutcome[], describe: (data: Record<string, any>) => string, what: string): TaskResult {
  const changed = results.some((r) => r.changed);
  const bad = failedStep(results);
  const last = [...results].reverse().find((r) => r.status === 'ran' && r.step.kind === 'command');
  const stdout = results.map((r) => r.stdout ?? '').join('');
  const stderr = results.map((r) => r.stderr ?? '').join('');
  if (bad) return { changed, failed: true, rc: bad.rc, stdout, stderr, msg: scriptReason(bad.stderr) ?? `${what} failed (rc=${bad.rc})` };
  if (results.some((r) => r.status === 'check')) {
    return { changed: false, failed: false, wouldChange: true, stdout, stderr, msg: `${what}: would run (check mode)` };
  }
  const data = (lastValue(results) as Record<string, any> | undefined) ?? lastJsonLine(last?.stdout) ?? {};
  return { changed, failed: false, rc: last?.rc ?? 0, stdout, stderr, data, msg: describe(data) };
}
