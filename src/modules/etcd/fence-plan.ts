/**
 * etcd_fence planning (pure): args > the fenced host's etcd_fence_* variables > defaults, and
 * the fence script's positional args.
 */
import type { ArgsOf } from '../args.js';
import { ValidationError } from '../../errors.js';
import type { Vars } from '../../model/vars.js';
import type { PlanContext } from '../module.js';
import { checkName } from '../steps.js';
import { checkPath, MARK } from './common.js';

const listSchema = <D extends string>(what: D) => ({
  description: what,
  anyOf: [{ type: 'array', items: { type: 'string', minLength: 1 } }, { type: 'string' }],
}) as const;

/** The args of etcd_fence (the module is fence.ts; the plan from them is here). */
export const argsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['state'],
  properties: {
    state: { enum: ['fenced', 'unfenced'] },
    host: { type: 'string', minLength: 1, description: 'whose etcd_fence_* variables apply (the delegate host); default the task host' },
    units: listSchema('services that write to etcd (etcd_fence_units)'),
    static_pods: listSchema('static pod manifests of writers (etcd_fence_static_pods)'),
    restart_units: listSchema('restarted after unfence where present and running (etcd_fence_restart_units)'),
    ready_command: { type: 'string', description: 'shell text polled after unfence until it exits 0 (etcd_fence_ready_command)' },
    gone_command: { type: 'string', description: 'shell text, $1 = container name, exit 0 when a fenced static pod is gone (etcd_fence_gone_command)' },
    timeout: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string', pattern: '^[1-9][0-9]*$' }], description: 'seconds per wait (etcd_fence_timeout, default 120)' },
    state_dir: { type: 'string', description: 'where the record and moved manifests go (etcd_fence_state_dir, default /var/lib/etcdplay/fence)' },
  },
} as const;
export type EtcdFenceArgs = ArgsOf<typeof argsSchema>;

export const DEFAULT_UNITS = ['kube-apiserver', 'atomic-openshift-master-api', 'origin-master-api'];
export const DEFAULT_STATIC_PODS = ['/etc/kubernetes/manifests/kube-apiserver.yaml', '/etc/origin/node/pods/apiserver.yaml'];
export const DEFAULT_RESTART_UNITS = ['kube-controller-manager', 'kube-scheduler', 'atomic-openshift-master-controllers', 'origin-master-controllers'];
export const DEFAULT_STATE_DIR = '/var/lib/etcdplay/fence';
const K8S_READY = 'curl -fsSk --max-time 5 https://127.0.0.1:6443/readyz';
const OSE_READY = 'curl -fsSk --max-time 5 https://127.0.0.1:8443/healthz/ready';
/** Default ready command by the unit or manifest that was unfenced (the first match applies). */
export const DEFAULT_READY: [string, string][] = [
  ['kube-apiserver', K8S_READY],
  ['/etc/kubernetes/manifests/kube-apiserver.yaml', K8S_READY],
  ['atomic-openshift-master-api', OSE_READY],
  ['origin-master-api', OSE_READY],
  ['/etc/origin/node/pods/apiserver.yaml', OSE_READY],
];
const RUN_ID_PLACEHOLDER = '<run id>';
const CONTROL_PLANE_GROUPS = ['kube_control_plane', 'kube-master', 'masters'];

/** The settings of one host after args > that host's etcd_fence_* variables > defaults. */
export interface FencePlan {
  host: string;
  units: string[];
  staticPods: { manifest: string; stash: string; container: string }[];
  restartUnits: string[];
  readyCommand?: string;
  goneCommand?: string;
  timeout: number;
  /** Were units / static_pods given (args or variables)? Then absent ones are worth a mention. */
  explicit: { units: boolean; pods: boolean };
  stateFile: string;
  runId?: string;
}

function list(v: unknown, what: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
  if (Array.isArray(v)) return v.map((x) => String(x).trim()).filter(Boolean);
  throw new ValidationError(`${what}: want a list (or a comma-separated string), got ${JSON.stringify(v)}`);
}

function text(v: unknown): string | undefined {
  return v === undefined || v === null || v === '' ? undefined : String(v);
}

/** Container name of a static pod manifest: its file name without extension (OpenShift 3: api). */
export function containerOf(manifest: string): string {
  if (manifest === '/etc/origin/node/pods/apiserver.yaml') return 'api';
  return manifest.replace(/^.*\//, '').replace(/\.(ya?ml|json)$/, '');
}

/** The host's own variables: hostvars[host] (the task may run for an etcd host, delegated). */
export function fenceHostVars(host: string, ctx: PlanContext): Vars {
  if (host === ctx.host) return ctx.vars;
  const hv = ctx.hostvars ?? (ctx.vars.hostvars as Record<string, Vars> | undefined);
  return hv?.[host] ?? {};
}

export function fencePlan(args: EtcdFenceArgs, ctx: PlanContext): FencePlan {
  const host = args.host ?? ctx.host;
  const hv = fenceHostVars(host, ctx);
  const pick = (a: unknown, v: string) => (a !== undefined ? a : hv[v]);
  const givenUnits = list(pick(args.units, 'etcd_fence_units'), 'units');
  const givenPods = list(pick(args.static_pods, 'etcd_fence_static_pods'), 'static_pods');
  const units = (givenUnits ?? DEFAULT_UNITS).map((u) => checkName(u, 'unit'));
  const stateDir = checkPath(text(pick(args.state_dir, 'etcd_fence_state_dir')) ?? DEFAULT_STATE_DIR, 'state_dir');
  const runId = ctx.runId;
  if (runId !== undefined && !/^[A-Za-z0-9._-]+$/.test(runId)) throw new ValidationError(`run id ${JSON.stringify(runId)} cannot name a file`);
  const rid = runId ?? RUN_ID_PLACEHOLDER;
  const staticPods = (givenPods ?? DEFAULT_STATIC_PODS).map((m) => {
    const manifest = checkPath(m, 'static_pods');
    return { manifest, stash: `${stateDir}/${rid}/manifests${manifest}`, container: checkName(containerOf(manifest), 'static pod container name') };
  });
  const restartUnits = (list(pick(args.restart_units, 'etcd_fence_restart_units'), 'restart_units') ?? DEFAULT_RESTART_UNITS).map((u) => checkName(u, 'restart unit'));
  const t = pick(args.timeout, 'etcd_fence_timeout');
  const timeout = t === undefined || t === null || t === '' ? 120 : Number(t);
  if (!Number.isInteger(timeout) || timeout < 1) throw new ValidationError(`timeout: want whole seconds >= 1, got ${JSON.stringify(t)}`);
  const readyCommand = text(pick(args.ready_command, 'etcd_fence_ready_command'));
  const goneCommand = text(pick(args.gone_command, 'etcd_fence_gone_command'));
  return {
    host, units, staticPods, restartUnits, timeout,
    ...(readyCommand ? { readyCommand } : {}),
    ...(goneCommand ? { goneCommand } : {}),
    explicit: { units: givenUnits !== undefined, pods: givenPods !== undefined },
    stateFile: `${stateDir}/${rid}.state`,
    ...(runId ? { runId } : {}),
  };
}

/** The script's argv after the script itself: every value positional. */
export function fenceScriptArgs(p: FencePlan, action: 'fence' | 'unfence' | 'probe-fence' | 'probe-unfence'): string[] {
  const words: string[] = [action, p.stateFile, String(p.timeout), p.readyCommand ?? '', p.goneCommand ?? '', MARK];
  for (const u of p.units) words.push('unit', u);
  for (const s of p.staticPods) words.push('pod', s.manifest, s.stash, s.container);
  for (const r of p.restartUnits) words.push('restart', r);
  if (!p.readyCommand) for (const [k, c] of DEFAULT_READY) words.push('ready', k, c);
  return words;
}

/** Which inventory group the host is a control-plane host of, for the refusal message. */
function groupOf(host: string, ctx: PlanContext): string {
  const names = fenceHostVars(host, ctx).group_names;
  const g = Array.isArray(names) ? CONTROL_PLANE_GROUPS.find((x) => names.includes(x)) : undefined;
  return g ?? 'the control-plane group';
}

export function refusal(p: FencePlan, ctx: PlanContext): string {
  const g = groupOf(p.host, ctx);
  return `${p.host} is in ${g} but has no writer to fence: none of the units ${p.units.join(', ') || '(none)'} exists and no static pod manifest (${p.staticPods.map((s) => s.manifest).join(', ') || 'none'}) exists; set etcd_fence_units or etcd_fence_static_pods for ${p.host}, or take it out of ${g}`;
}

