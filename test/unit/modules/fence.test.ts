/**
 * etcd_fence planning (pure): args > the delegate host's etcd_fence_* variables > defaults, the
 * refusal, the state file's name, values only as positional args; and how results are read.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ValidationError } from '../../../src/errors.js';
import type { ExecCommand } from '../../../src/model/command.js';
import type { CommandStep } from '../../../src/model/step.js';
import type { PlanContext, StepOutcome } from '../../../src/modules/module.js';
import { etcdFenceModule as m } from '../../../src/modules/etcd/fence.js';
import { DEFAULT_RESTART_UNITS, DEFAULT_STATIC_PODS, DEFAULT_UNITS, fencePlan, fenceScriptArgs, refusal } from '../../../src/modules/etcd/fence-plan.js';
import { MARK } from '../../../src/modules/etcd/common.js';

const RUN = '20261204T165801Z-abc123';
/** The etcd host's context, with cp1's variables in hostvars (the task is delegated to cp1). */
function ctx(cp1: Record<string, unknown> = {}, extra: Partial<PlanContext> = {}): PlanContext {
  return {
    host: 'e1',
    vars: { inventory_hostname: 'e1', etcd_fence_units: ['etcd-host-unit'], etcd_fence_timeout: 7 },
    hostvars: { cp1: { inventory_hostname: 'cp1', group_names: ['kube_control_plane'], ...cp1 } },
    check: false,
    runId: RUN,
    ...extra,
  };
}
const argv = (s: CommandStep) => (s.command as ExecCommand).argv;
const steps = (args: Record<string, unknown>, c = ctx()) => m.plan(args as never, c) as CommandStep[];

test('defaults: the writers of Kubernetes and OpenShift 3, the state file named after the run id', () => {
  const p = fencePlan({ state: 'fenced', host: 'cp1' }, ctx());
  assert.equal(p.units, DEFAULT_UNITS);
  assert.equal(p.staticPods.map((s) => s.manifest), DEFAULT_STATIC_PODS);
  assert.equal(p.staticPods.map((s) => s.container), ['kube-apiserver', 'api']);
  assert.is(p.staticPods[0]!.stash, `/var/lib/etcdplay/fence/${RUN}/manifests/etc/kubernetes/manifests/kube-apiserver.yaml`);
  assert.equal(p.restartUnits, DEFAULT_RESTART_UNITS);
  assert.is(p.timeout, 120, "the etcd host's etcd_fence_timeout does not apply to cp1");
  assert.is(p.stateFile, `/var/lib/etcdplay/fence/${RUN}.state`);
  assert.is(p.readyCommand, undefined);
  assert.equal(p.explicit, { units: false, pods: false });
  const a = fenceScriptArgs(p, 'fence');
  assert.ok(a.includes('curl -fsSk --max-time 5 https://127.0.0.1:6443/readyz'));
  assert.ok(a.includes('curl -fsSk --max-time 5 https://127.0.0.1:8443/healthz/ready'));
});

test('precedence: explicit args > the delegate host variables > defaults; the task host vars never apply', () => {
  const cp1 = {
    etcd_fence_units: ['kube-apiserver'],
    etcd_fence_restart_units: 'kube-controller-manager, kube-scheduler',
    etcd_fence_ready_command: 'test -e /run/kube-apiserver/ready',
    etcd_fence_static_pods: [],
    etcd_fence_timeout: '30',
    etcd_fence_state_dir: '/srv/fence/',
  };
  const p = fencePlan({ state: 'unfenced', host: 'cp1' }, ctx(cp1));
  assert.equal(p.units, ['kube-apiserver']);
  assert.equal(p.restartUnits, ['kube-controller-manager', 'kube-scheduler']);
  assert.is(p.readyCommand, 'test -e /run/kube-apiserver/ready');
  assert.equal(p.staticPods, [], 'an empty list is a choice, not "use the default"');
  assert.is(p.timeout, 30);
  assert.is(p.stateFile, `/srv/fence/${RUN}.state`);
  assert.equal(p.explicit, { units: true, pods: true });
  const q = fencePlan({ state: 'unfenced', host: 'cp1', units: ['origin-master-api'], timeout: 5, ready_command: 'true' }, ctx(cp1));
  assert.equal(q.units, ['origin-master-api']);
  assert.is(q.timeout, 5);
  assert.is(q.readyCommand, 'true');
  // With an explicit ready command the defaults are not passed at all.
  assert.not.ok(fenceScriptArgs(q, 'unfence').includes('ready'));
  // Without host: the task's own host.
  assert.equal(fencePlan({ state: 'fenced' }, ctx(cp1)).units, ['etcd-host-unit']);
});

test('values reach the script only as positional args: the script text is the same whatever the values', () => {
  const evil = '$(touch /tmp/pwned); `id`; "quote';
  const a = steps({ state: 'unfenced', host: 'cp1', ready_command: evil, gone_command: evil });
  const b = steps({ state: 'unfenced', host: 'cp1' });
  assert.is(argv(a[1]!)[2], argv(b[1]!)[2]);
  assert.is(argv(a[0]!)[2], argv(a[1]!)[2]);
  assert.not.ok(argv(a[1]!)[2]!.includes('pwned'));
  assert.equal(argv(a[1]!).slice(0, 2), ['sh', '-c']);
  assert.equal(argv(a[1]!).slice(3, 10), ['etcdplay', 'unfence', `/var/lib/etcdplay/fence/${RUN}.state`, '120', evil, evil, MARK]);
  assert.is(argv(a[0]!)[4], 'probe-unfence');
  assert.equal(m.shellArgs, ['ready_command', 'gone_command']);
});

test('steps: a read-only probe (runs in --check, refuses there too), then the acting step', () => {
  const [probe, act] = steps({ state: 'fenced', host: 'cp1' });
  assert.is(probe!.mutates, false);
  assert.equal(probe!.okCodes, [0, 3]);
  assert.is(act!.mutates, true);
  assert.is(act!.changed, 'marker');
  assert.is(act!.description, `stop the writers on cp1 and record them in /var/lib/etcdplay/fence/${RUN}.state`);
  assert.is(m.checkMode, true);
});

test('without a run id (offline preview) the plan shows a placeholder', () => {
  const [probe, act] = steps({ state: 'unfenced', host: 'cp1' }, ctx({}, { runId: undefined }));
  assert.match(probe!.description, 'run <run id>');
  assert.match(act!.description, '/var/lib/etcdplay/fence/<run id>.state');
  assert.is(argv(act!)[5], '/var/lib/etcdplay/fence/<run id>.state');
});

test('bad values are refused at plan time', () => {
  const bad: Record<string, unknown>[] = [
    { units: ['kube-apiserver; rm -rf /'] },
    { static_pods: ['relative/path.yaml'] },
    { static_pods: ['/etc/with space.yaml'] },
    { timeout: 0 },
    { timeout: 'soon' },
    { units: ['a b'] },
    { state_dir: '/var/../etc' },
  ];
  for (const b of bad) assert.throws(() => fencePlan({ state: 'fenced', host: 'cp1', ...b } as never, ctx()), (e: unknown) => e instanceof ValidationError, JSON.stringify(b));
  assert.throws(() => fencePlan({ state: 'fenced', host: 'cp1' }, ctx({}, { runId: '../x y' })), (e: unknown) => e instanceof ValidationError);
});

test('the refusal names the host, what was looked for, and what to do', () => {
  const p = fencePlan({ state: 'fenced', host: 'cp1' }, ctx());
  assert.is(
    refusal(p, ctx()),
    'cp1 is in kube_control_plane but has no writer to fence: none of the units kube-apiserver, atomic-openshift-master-api, origin-master-api exists and no static pod manifest (/etc/kubernetes/manifests/kube-apiserver.yaml, /etc/origin/node/pods/apiserver.yaml) exists; set etcd_fence_units or etcd_fence_static_pods for cp1, or take it out of kube_control_plane',
  );
  assert.match(refusal(p, ctx({ group_names: ['masters', 'etcd'] })), 'cp1 is in masters but');
});

/** A step outcome with the script's JSON line. */
function out(step: CommandStep, status: StepOutcome['status'], json?: Record<string, unknown>, rc = 0, stderr = ''): StepOutcome {
  const base = { status: 'ran', rc: 0, stdout: '', changed: false, dry: false, stopped: [], moved: [], started: [], restarted: [], alreadyStopped: [], absent: [], ready: null, readyMs: null, stateFile: '/x', noState: false, nothing: false };
  return status === 'check' ? { step, status, changed: false } : { step, status, rc, stderr, stdout: json ? `noise\n${JSON.stringify({ ...base, ...json })}\n` : '', changed: rc === 0 && step.mutates && !!json };
}

test('interpret: fenced, fenced in --check, unfenced, nothing fenced, refused, not ready', () => {
  const args = { state: 'fenced' as const, host: 'cp1' };
  const [probe, act] = steps(args);
  let r = m.interpret!(args, [out(probe!, 'ran', { dry: true, stopped: ['kube-apiserver'] }), out(act!, 'ran', { stopped: ['kube-apiserver'], alreadyStopped: ['x'] })], ctx());
  assert.is(r.msg, 'cp1: stopped kube-apiserver; x already stopped (left stopped)');
  assert.equal(r.data, { host: 'cp1', state: 'fenced', stopped: ['kube-apiserver'], moved: [], started: [], restarted: [], alreadyStopped: ['x'], absent: [], otherRuns: [], ready: null, stateFile: `/var/lib/etcdplay/fence/${RUN}.state` });
  assert.ok(r.changed && !r.failed);
  // Absent defaults are not mentioned; absent names that were given are.
  const lab = { etcd_fence_units: ['kube-apiserver', 'nope'] };
  r = m.interpret!(args, [out(probe!, 'ran', { dry: true }), out(act!, 'ran', { stopped: ['kube-apiserver'], absent: ['nope', '/etc/kubernetes/manifests/kube-apiserver.yaml'] })], ctx(lab));
  assert.is(r.msg, 'cp1: stopped kube-apiserver; not on this host: nope');

  r = m.interpret!(args, [out(probe!, 'ran', { dry: true, stopped: ['kube-apiserver'], moved: ['/etc/kubernetes/manifests/kube-apiserver.yaml'] }), out(act!, 'check')], ctx({}, { check: true }));
  assert.ok(r.wouldChange);
  r = m.interpret!(args, [out(probe!, 'ran', { dry: false, alreadyStopped: ['kube-apiserver'], otherRuns: ['/var/lib/etcdplay/fence/R0.state'] }), out(act!, 'ran', { otherRuns: ['/var/lib/etcdplay/fence/R0.state'], stopped: ['kube-apiserver'] })], ctx());
  assert.is(r.msg, 'cp1: stopped kube-apiserver; took over what earlier runs left fenced (/var/lib/etcdplay/fence/R0.state)');
  r = m.interpret!(args, [out(probe!, 'ran', { dry: true, stopped: ['kube-apiserver'], moved: ['/etc/kubernetes/manifests/kube-apiserver.yaml'] }), out(act!, 'check')], ctx({}, { check: true }));
  assert.is(r.msg, 'cp1: would stop kube-apiserver, would move away /etc/kubernetes/manifests/kube-apiserver.yaml (static pods)');
  assert.ok(r.wouldChange);

  r = m.interpret!(args, [out(probe!, 'ran', { dry: true, nothing: true }, 3), out(act!, 'check')], ctx({}, { check: true }));
  assert.ok(r.failed);
  assert.match(r.msg ?? '', /^cp1 is in kube_control_plane but has no writer to fence/);

  const ua = { state: 'unfenced' as const, host: 'cp1' };
  const [up, uact] = steps(ua);
  r = m.interpret!(ua, [out(up!, 'ran', { dry: true }), out(uact!, 'ran', { started: ['kube-apiserver'], restarted: ['kube-controller-manager', 'kube-scheduler'], ready: true, readyMs: 2140 })], ctx());
  assert.is(r.msg, 'cp1: started kube-apiserver, restarted kube-controller-manager kube-scheduler; ready after 2.1 s');
  assert.is((r.data as { ready: boolean }).ready, true);

  r = m.interpret!(ua, [out(up!, 'ran', { dry: true }), out(uact!, 'ran', { started: ['kube-apiserver'] })], ctx());
  assert.is(r.msg, 'cp1: started kube-apiserver; no ready check (no ready_command given and no default applies)');

  r = m.interpret!(ua, [out(up!, 'ran', { dry: true, noState: true, stateFile: '/s' }), out(uact!, 'ran', { noState: true, stateFile: '/s' })], ctx());
  assert.is(r.msg, 'cp1: nothing was fenced by this run (no /s): nothing to unfence');
  assert.not.ok(r.failed);

  r = m.interpret!(ua, [out(up!, 'ran', { dry: true }), out(uact!, 'ran', { started: ['kube-apiserver'], ready: false }, 3, 'etcdplay: not ready 120 s after unfencing (ready command: curl ...); its last output: curl: (7) refused\n')], ctx());
  assert.ok(r.failed);
  assert.is(r.msg, 'cp1 is not ready: not ready 120 s after unfencing (ready command: curl ...); its last output: curl: (7) refused');
  assert.is((r.data as { ready: boolean }).ready, false);
});

test.run();
