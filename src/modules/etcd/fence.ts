/**
 * etcd_fence: stop every etcd writer (Kubernetes / OpenShift 3 API servers) on a control-plane
 * host before the snapshot, and start them again afterwards. What a run stopped is recorded on
 * the host in a state file named after the run id; unfence acts only on that record.
 * Planning: fence-plan.ts; the script: fence-script.ts.
 */
import type { TaskResult } from '../../model/result.js';
import type { CommandStep } from '../../model/step.js';
import type { Module, PlanContext, StepOutcome } from '../module.js';
import { failedStep, scriptReason, shScript } from './common.js';
import { lastJsonLine } from './json.js';
import { FENCE_SH } from './fence-script.js';
import { argsSchema, fencePlan, fenceScriptArgs, refusal, type EtcdFenceArgs, type FencePlan } from './fence-plan.js';

const words = (a: unknown): string[] => (Array.isArray(a) ? a.map(String) : []);

function describe(p: FencePlan, d: Record<string, any>, state: EtcdFenceArgs['state']): string {
  const would = d.dry === true;
  const parts: string[] = [];
  const say = (verb: string, wouldVerb: string, xs: string[], extra = '') => {
    if (xs.length) parts.push(`${would ? wouldVerb : verb} ${xs.join(' ')}${extra}`);
  };
  if (state === 'fenced') {
    say('stopped', 'would stop', words(d.stopped));
    say('moved away', 'would move away', words(d.moved), ' (static pods)');
    let msg = `${p.host}: ${parts.join(', ') || 'nothing was running'}`;
    if (words(d.alreadyStopped).length) msg += `; ${words(d.alreadyStopped).join(' ')} already stopped (left stopped)`;
    // Absent defaults are expected (a host has one kind of writer); absent names given are worth a word.
    const absent = words(d.absent).filter((a) => (a.startsWith('/') ? p.explicit.pods : p.explicit.units));
    if (absent.length) msg += `; not on this host: ${absent.join(' ')}`;
    if (words(d.otherRuns).length) msg += `; ${would ? 'would take' : 'took'} over what earlier runs left fenced (${words(d.otherRuns).join(' ')})`;
    return msg;
  }
  const others = words(d.otherRuns).length ? `; WARNING: writers left fenced by other runs, never unfenced: ${words(d.otherRuns).join(' ')} (the next fence takes them over)` : '';
  if (d.noState) return `${p.host}: nothing was fenced by this run (no ${d.stateFile}): nothing to unfence${others}`;
  say('started', 'would start', words(d.started));
  say('moved back', 'would move back', words(d.moved), ' (static pods)');
  say('restarted', 'would restart', words(d.restarted));
  let msg = `${p.host}: ${parts.join(', ') || 'everything this run fenced is running already'}`;
  if (d.ready === true) msg += `; ready after ${(Number(d.readyMs) / 1000).toFixed(1)} s`;
  else if (!would) msg += '; no ready check (no ready_command given and no default applies)';
  return msg + others;
}

export function interpretFence(args: EtcdFenceArgs, results: StepOutcome[], ctx: PlanContext): TaskResult {
  const p = fencePlan(args, ctx);
  const stdout = results.map((r) => r.stdout ?? '').join('');
  const stderr = results.map((r) => r.stderr ?? '').join('');
  const changed = results.some((r) => r.changed);
  const bad = failedStep(results);
  if (bad) return { changed, failed: true, rc: bad.rc, stdout, stderr, msg: `${p.host}: ${scriptReason(bad.stderr) ?? `etcd_fence failed (rc=${bad.rc})`}` };
  // The acting step when it ran, else (check mode) the probe.
  const last = [...results].reverse().find((r) => r.status === 'ran');
  const raw = lastJsonLine(last?.stdout) ?? {};
  const data = {
    host: p.host,
    state: args.state,
    stopped: words(raw.stopped),
    moved: words(raw.moved),
    started: words(raw.started),
    restarted: words(raw.restarted),
    alreadyStopped: words(raw.alreadyStopped),
    absent: words(raw.absent),
    otherRuns: words(raw.otherRuns),
    ready: typeof raw.ready === 'boolean' ? raw.ready : null,
    stateFile: p.stateFile,
  };
  if (raw.nothing === true) return { changed: false, failed: true, rc: last?.rc, stdout, stderr, data, msg: refusal(p, ctx) };
  if (last?.rc === 3) return { changed, failed: true, rc: 3, stdout, stderr, data, msg: `${p.host} is not ready: ${scriptReason(last?.stderr) ?? 'ready command failed'}` };
  const check = results.some((r) => r.status === 'check');
  const wouldChange = check && (data.stopped.length + data.moved.length + data.started.length + data.restarted.length > 0);
  return { changed: changed || wouldChange, failed: false, rc: 0, stdout, stderr, data, msg: describe(p, raw, args.state), ...(check ? { wouldChange } : {}) };
}

export const etcdFenceModule: Module<EtcdFenceArgs> = {
  name: 'etcd_fence',
  summary: 'stop the etcd writers (API servers) of a control-plane host before the snapshot; start them again (recorded per run)',
  docs: `Run from the etcd play, delegated to each control-plane host (\`delegate_to: "{{ item }}"\`,
\`host: "{{ item }}"\`): every setting is read from the variables of \`host\` (\`hostvars[host]\`,
default the task's host); an explicit arg wins over the variable, which wins over the default.

\`state: fenced\` stops the writers:
- units (\`units\` / \`etcd_fence_units\`, default those of kube-apiserver, atomic-openshift-master-api,
  origin-master-api that exist): with systemctl when systemd runs the host, else \`service NAME
  stop\` or \`/etc/init.d/NAME stop\` (the \`service\` module's shell functions). Only units that
  exist AND run are stopped, and only those are recorded as stopped by this run; one that was
  already stopped stays stopped on unfence (\`data.alreadyStopped\`).
- static pods (\`static_pods\` / \`etcd_fence_static_pods\`, default those of
  /etc/kubernetes/manifests/kube-apiserver.yaml and /etc/origin/node/pods/apiserver.yaml that
  exist): the manifest is moved to \`<state_dir>/<run id>/manifests/<its path>\` (kubelet does
  not watch it), then the task waits until the container is gone: \`gone_command\` /
  \`etcd_fence_gone_command\` (shell text, gets the container name as \`$1\`, exit 0 = gone), else
  \`crictl ps -q --name ^NAME$\` empty when crictl exists, else \`docker ps -q --filter
  name=k8s_NAME_\` empty, else no process named NAME. The container name is the manifest's file
  name without extension (OpenShift 3 apiserver.yaml: \`api\`).
A host with none of the units and none of the manifests is refused (the task fails, nothing is
changed, also in --check): a control-plane host whose writer cannot be found must not be skipped
silently.

The record is \`<state_dir>/<run id>.state\` on the host (\`state_dir\` / \`etcd_fence_state_dir\`,
default ${'`'}/var/lib/etcdplay/fence${'`'}; the run id is the same across --resume), an append-only log of
one line per fact (\`stopping NAME\` before acting, \`stopped NAME\` after; \`moving|moved
MANIFEST STASH\`; \`already NAME\`). Fencing again in the same run adds to it and never turns a
recorded stop into "already stopped". Fencing also takes over the records other runs left in
\`state_dir\` (a run that stopped and was never resumed nor unfenced): their stops are added to this
run's record, theirs is renamed \`.adopted-by-<run id>\`, so this run's unfence starts those
writers too (\`data.otherRuns\`; an unfence that finds such records only warns).

\`state: unfenced\` acts only on what this run's record says: starts the units it stopped (if not
running), moves the manifests back (copied next to the original under a hidden name with the same
mode and owner, then renamed: atomic), then, if it unfenced anything, restarts \`restart_units\` /
\`etcd_fence_restart_units\` (default kube-controller-manager, kube-scheduler,
atomic-openshift-master-controllers, origin-master-controllers) where the unit exists and runs;
for manifests moved back, a restart name that is not a running unit but a running container is
restarted with \`crictl stop\` (kubelet starts it again; no docker variant). Then it runs
\`ready_command\` / \`etcd_fence_ready_command\` (shell text, run with \`sh -c\`) every half second until it
exits 0, or fails after \`timeout\` with the host and the command's last output. Default: after
kube-apiserver (unit or manifest) \`${'`'}curl -fsSk --max-time 5 https://127.0.0.1:6443/readyz${'`'}\`, after
the OpenShift 3 API \`${'`'}curl -fsSk --max-time 5 https://127.0.0.1:8443/healthz/ready${'`'}\`; otherwise no wait
(the message says so). Finally the record is renamed \`.state.done\` (never deleted). Without a
record (nothing fenced by this run) it changes nothing and is ok.

\`timeout\` / \`etcd_fence_timeout\`: seconds for each wait (default 120). --check reports what
would be stopped, moved, started and restarted, and runs no wait. \`data\`: \`{host, state,
stopped, moved, started, restarted, alreadyStopped, absent, otherRuns, ready, stateFile}\` (for unfenced,
\`moved\` = manifests moved back; \`ready\` null when no ready command ran).`,
  argsSchema,
  shellArgs: ['ready_command', 'gone_command'],
  checkMode: true,
  plan(args, ctx: PlanContext) {
    const p = fencePlan(args, ctx);
    const fence = args.state === 'fenced';
    const rid = p.runId ?? '<run id>';
    // Each stop, gone wait, start, restart (stop + start) and the ready wait may take the timeout.
    const waits = p.units.length + p.staticPods.length + 2 * p.restartUnits.length + 1;
    const timeoutMs = (p.timeout * waits + 60) * 1000;
    const probe: CommandStep = {
      kind: 'command',
      description: fence ? `find the writers to fence on ${p.host}` : `find what run ${rid} fenced on ${p.host}`,
      mutates: false,
      changed: 'never',
      okCodes: [0, 3],
      command: shScript(FENCE_SH, fenceScriptArgs(p, fence ? 'probe-fence' : 'probe-unfence')),
      timeoutMs: 60_000,
    };
    const act: CommandStep = {
      kind: 'command',
      description: fence
        ? `stop the writers on ${p.host} and record them in ${p.stateFile}`
        : `start what ${p.stateFile} says was stopped on ${p.host}, restart ${p.restartUnits.join(' ') || 'nothing'}, wait until ready`,
      mutates: true,
      changed: 'marker',
      okCodes: [0, 3],
      command: shScript(FENCE_SH, fenceScriptArgs(p, fence ? 'fence' : 'unfence')),
      timeoutMs,
    };
    return [probe, act];
  },
  interpret: interpretFence,
  examples: `- name: Fence the writers (stop the API servers)
  etcd_fence:
    state: fenced
    host: "{{ item }}"
  delegate_to: "{{ item }}"
  loop: "{{ groups.kube_control_plane | default([]) }}"
  run_once: true

- name: Unfence the writers (start the API servers, restart controller-manager and scheduler, wait ready)
  etcd_fence:
    state: unfenced
    host: "{{ item }}"
  delegate_to: "{{ item }}"
  loop: "{{ groups.kube_control_plane | default([]) }}"
  run_once: true`,
};
