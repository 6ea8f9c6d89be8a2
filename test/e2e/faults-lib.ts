/**
 * Helpers for the fault-injection suite (test/e2e/faults-*.test.ts): the real CLI in a child
 * process with its JSON events streamed to a hook (to inject a fault at an exact point of the
 * run), and the checks every scenario ends with (healthy, versions, every key identical).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as assert from 'uvu/assert';
import { labLoad, type Lab } from '../../src/lab/index.js';
import type { EngineEvent } from '../../src/model/event.js';
import { dump, labStatus, labUpWhenFree, type Dump } from '../integration/etcd/lab-helpers.js';
import { assertBuilt, BIN, ROOT } from '../integration/cli/_cli.js';


export interface LiveRun {
  child: ChildProcess;
  events: EngineEvent[];
  /** Every task name by task id, as announced. */
  names: Map<string, string>;
  done: Promise<{ code: number; out: string; err: string; ms: number }>;
}

/**
 * `etcdplay ARGS --json` (the built bin/etcdplay.js) with each event passed to `onEvent` as it arrives (the hook may be async:
 * events are handled in order, the run is not paused). `stdin` is written to the child's stdin.
 */
export function liveRun(args: string[], onEvent: (e: EngineEvent, r: LiveRun) => void | Promise<void> = () => {}, stdin?: string, env: NodeJS.ProcessEnv = {}): LiveRun {
  const t0 = Date.now();
  assertBuilt();
  const child = spawn(process.execPath, [BIN, ...args, '--json'], {
    cwd: ROOT,
    env: { ...process.env, ...env, NO_COLOR: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const r: LiveRun = { child, events: [], names: new Map(), done: undefined as never };
  let out = '';
  let err = '';
  let buf = '';
  let chain: Promise<void> = Promise.resolve();
  child.stdout!.on('data', (b: Buffer) => {
    out += b.toString();
    buf += b.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      let e: EngineEvent;
      try {
        e = JSON.parse(line) as EngineEvent;
      } catch {
        continue;
      }
      r.events.push(e);
      if (e.type === 'task.start') r.names.set(e.taskId, e.name);
      chain = chain.then(() => onEvent(e, r)).catch((x) => {
        err += `\n[hook error] ${(x as Error).stack}`;
      });
    }
  });
  child.stderr!.on('data', (b: Buffer) => {
    err += b.toString();
  });
  if (stdin !== undefined) child.stdin!.end(stdin);
  else child.stdin!.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
  r.done = new Promise((resolve) => {
    child.on('close', (c) => {
      clearTimeout(timer);
      void chain.finally(() => resolve({ code: c ?? -1, out, err, ms: Date.now() - t0 }));
    });
  });
  return r;
}

/** Is this event the start/end of the task with this name? */
export function isTask(e: EngineEvent, r: LiveRun, type: 'task.start' | 'task.end', name: string): boolean {
  return e.type === type && r.names.get(e.taskId) === name;
}

/** Which hosts ran (started) the task with this name. */
export function ranOn(r: LiveRun, name: string): string[] {
  const ids = [...r.names].filter(([, n]) => n === name).map(([id]) => id);
  return r.events.filter((e) => e.type === 'host.end' && ids.includes(e.taskId) && e.status !== 'skipped').map((e) => (e as { host: string }).host);
}

export function runIdOf(r: LiveRun): string {
  const s = r.events.find((e) => e.type === 'run.start') as { runId: string } | undefined;
  if (!s) throw new Error('no run.start event');
  return s.runId;
}

/** Every member healthy on `version`, and every key, value and lease identical to `before`. */
export async function assertCluster(lab: Lab, version: string, before: Dump, what: string): Promise<void> {
  let s = await labStatus(lab.name);
  for (let i = 0; i < 20 && !(s.healthy && s.members.every((m) => m.healthy)); i++) {
    await new Promise((r) => setTimeout(r, 1000));
    s = await labStatus(lab.name);
  }
  assert.equal(
    s.members.map((m) => `${m.name}:${m.version}/${m.healthy ? 'healthy' : 'unhealthy'}`),
    lab.hosts.map((h) => `${h.name}:${version}/healthy`),
    `${what}: every member healthy on ${version}`,
  );
  for (const h of lab.hosts) {
    const d = await dump(lab, h.name);
    assert.equal(d.kvs, before.kvs, `${what}: every key and value on ${h.name}`);
    assert.equal(d.leases, before.leases, `${what}: leases on ${h.name}`);
  }
}

export function dgArgs(lab: Lab, ...extra: string[]): string[] {
  return ['run', 'playbooks/etcd-downgrade.yml', '-i', lab.inventoryPath, '-e', 'etcd_target_version=3.4.23', '--yes', ...extra];
}

/**
 * The pid (in this machine's PID namespace) of the sshd that accepts a host's connections: SIGSTOP
 * it and the host is unreachable while etcd keeps running. On sysv hosts that is the host's PID 1;
 * on systemd hosts the listener of ssh.service, found by its socket (PID 1 there is systemd).
 */
export function sshdPid(lab: Lab, host: Lab['hosts'][number]): number {
  if (lab.init !== 'systemd') return host.pid;
  const r = spawnSync('ss', ['-Hltnp', `src ${host.address}:22`], { encoding: 'utf8' });
  const m = /"sshd",pid=(\d+)/.exec(r.stdout);
  if (!m) throw new Error(`no sshd listening on ${host.address}:22: ${r.stdout}${r.stderr}`);
  return Number(m[1]);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The lab every fault scenario starts from: 3 members of etcd 3.5.16, 300 keys, 2 leases; and its data. */
export async function faultLab(name: string): Promise<{ lab: Lab; before: Dump }> {
  const lab = await labUpWhenFree({ name, nodes: 3, etcd: '3.5.16' });
  await labLoad(lab.name, { keys: 300, leases: 2 });
  return { lab, before: await dump(lab) };
}
