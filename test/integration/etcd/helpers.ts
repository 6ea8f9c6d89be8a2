/**
 * Real etcd binaries (extracted from the Debian packages of ensureEtcdPackages) on loopback, and a
 * way to run an etcd module's command steps locally: rendered by renderCommand exactly as over SSH,
 * run with the version's binaries first on PATH, in a private PID namespace (so `pgrep -x etcd`
 * in the scripts sees only that run's processes, never another test's or a lab's).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureEtcdPackages } from '../../../src/lab/packages.js';
import type { Module, PlanContext, StepOutcome } from '../../../src/modules/module.js';
import { renderCommand } from '../../../src/shell/quote.js';
import type { ExecResult, TaskResult } from '../../../src/model/result.js';
import type { Command } from '../../../src/model/command.js';
import { LocalConnection } from '../../../src/connection/local.js';
import type { ExecOptions } from '../../../src/connection/connection.js';
import { runSteps } from '../../../src/engine/steps.js';

export interface Bins { version: string; debVersion: string; bin: string }

/** Extract etcd-server + etcd-client of each wanted version into a cached dir; returns bin dirs. */
export async function etcdBins(versions: string[]): Promise<Record<string, Bins>> {
  const pk = await ensureEtcdPackages();
  const root = join(tmpdir(), 'etcdplay-etcd-bins');
  const out: Record<string, Bins> = {};
  for (const v of versions) {
    const p = pk.versions.find((x) => x.version === v);
    if (!p) throw new Error(`etcd ${v} not in the package repo (have ${pk.versions.map((x) => x.version).join(', ')})`);
    const dir = join(root, p.debVersion);
    if (!existsSync(join(dir, 'usr/bin/etcdctl'))) {
      mkdirSync(dir, { recursive: true });
      for (const deb of [p.server, p.client]) {
        const r = spawnSync('dpkg-deb', ['-x', deb, dir]);
        if (r.status !== 0) throw new Error(`dpkg-deb -x ${deb}: ${r.stderr}`);
      }
    }
    out[v] = { version: v, debVersion: p.debVersion, bin: join(dir, 'usr/bin') };
  }
  return out;
}

export interface Member { name: string; ip: string; clientUrl: string; peerUrl: string; dataDir: string }

export function members(base: string, prefix: string, n: number): Member[] {
  return Array.from({ length: n }, (_, i) => {
    const ip = `${prefix}.${11 + i}`;
    return { name: `etcd${i + 1}`, ip, clientUrl: `http://${ip}:2379`, peerUrl: `http://${ip}:2380`, dataDir: join(base, `etcd${i + 1}`, 'data') };
  });
}

export function initialCluster(ms: Member[]): string {
  return ms.map((m) => `${m.name}=${m.peerUrl}`).join(',');
}

export class Cluster {
  procs: ChildProcess[] = [];
  constructor(readonly ms: Member[], readonly bins: Bins, readonly token: string) {}
  start(state: 'new' | 'existing' = 'new'): void {
    for (const m of this.ms) {
      mkdirSync(join(m.dataDir, '..'), { recursive: true });
      const p = spawn(join(this.bins.bin, 'etcd'), [
        '--name', m.name, '--data-dir', m.dataDir,
        '--listen-client-urls', m.clientUrl, '--advertise-client-urls', m.clientUrl,
        '--listen-peer-urls', m.peerUrl, '--initial-advertise-peer-urls', m.peerUrl,
        '--initial-cluster', initialCluster(this.ms), '--initial-cluster-token', this.token,
        '--initial-cluster-state', state,
      ], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
      let log = '';
      p.stderr!.on('data', (b: Buffer) => { log += b.toString(); if (log.length > 200_000) log = log.slice(-100_000); });
      (p as ChildProcess & { log: () => string }).log = () => log;
      this.procs.push(p);
    }
  }
  async stop(): Promise<void> {
    await Promise.all(this.procs.map((p) => new Promise<void>((res) => {
      if (p.exitCode !== null || p.signalCode !== null) return res();
      p.once('exit', () => res());
      try { process.kill(p.pid!, 'SIGTERM'); } catch { res(); }
      setTimeout(() => { try { process.kill(p.pid!, 'SIGKILL'); } catch { /* gone */ } }, 10_000);
    })));
    this.procs = [];
  }
}

export function ctl(bins: Bins, args: string[], input?: string): { rc: number; stdout: string; stderr: string } {
  const r = spawnSync(join(bins.bin, 'etcdctl'), args, { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' }, input });
  return { rc: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export async function waitHealthy(bins: Bins, ms: Member[], timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const r = ctl(bins, ['--endpoints', ms.map((m) => m.clientUrl).join(','), 'endpoint', 'health']);
    if (r.rc === 0) return;
    if (Date.now() - t0 > timeoutMs) throw new Error(`cluster not healthy: ${r.stderr}`);
    await new Promise((r2) => setTimeout(r2, 300));
  }
}

/** Context for host `host` of the members (inventory-like vars). */
export function ctxFor(ms: Member[], i: number, extra: Record<string, unknown> = {}): PlanContext {
  const hostvars: Record<string, Record<string, unknown>> = {};
  ms.forEach((m) => {
    hostvars[m.name] = { inventory_hostname: m.name, etcd_name: m.name, etcd_address: m.ip, etcd_client_port: 2379, etcd_peer_port: 2380, etcd_scheme: 'http', etcd_data_dir: m.dataDir, etcd_user: 'root', etcd_initial_cluster_token: 'restored' };
  });
  const host = ms[i]!.name;
  return { host, vars: { ...hostvars[host], groups: { etcd: ms.map((m) => m.name) }, ...extra }, hostvars, check: false, playHosts: ms.map((m) => m.name) };
}

/** Run a module's steps locally (command steps only), then interpret: what the engine does. */
/**
 * Run a module as the engine does (runSteps: guards, `then`, put steps), on a local connection
 * whose commands run with `bins` first on PATH inside a private PID namespace.
 */
export async function runModule<A>(mod: Module<A>, args: A, ctx: PlanContext, bins: Bins): Promise<TaskResult & { outcomes: StepOutcome[] }> {
  const conn = new BinsConnection(ctx.host, bins);
  const run = await runSteps(mod.plan(args, ctx), {
    conn, check: false, diff: false, vars: ctx.vars,
    onOutput: () => undefined, onProgress: () => undefined, addSecret: () => undefined,
    connFor: async () => conn,
  });
  const outcomes = run.outcomes;
  const res = mod.interpret ? mod.interpret(args, outcomes, ctx) : { changed: false, failed: false };
  if (run.failure && !res.failed) return { ...res, failed: true, msg: run.failure.msg, outcomes };
  return { ...res, outcomes };
}

/** The workstation as the host, every command in a private PID namespace with `bins` on PATH. */
class BinsConnection extends LocalConnection {
  constructor(host: string, private readonly bins: Bins) { super(host); }
  override exec(command: Command, opts?: ExecOptions): Promise<ExecResult> {
    return super.exec({ kind: 'exec', argv: ['unshare', '--pid', '--fork', '--mount-proc', 'env', `PATH=${this.bins.bin}:${process.env.PATH}`, 'sh', '-c', renderCommand({ ...command, stdin: undefined })], ...(command.stdin !== undefined ? { stdin: command.stdin } : {}) }, opts);
  }
}

export function tmpBase(name: string): string {
  return mkdtempSync(join(tmpdir(), `etcdplay-${name}-`));
}
