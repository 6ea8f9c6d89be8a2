/** Helpers for the etcd e2e tests (test/e2e/etcd-*.test.ts): the lab, the CLI, data dumps. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { labDown, labExec, labStatus, labUp, type Lab } from '../../../src/lab/index.js';
import { ValidationError } from '../../../src/errors.js';
import { creatorRunning } from '../../../src/lab/cleanup.js';
import { readState } from '../../../src/lab/state.js';
import { systemdLeftovers } from '../../../src/lab/nspawn.js';
import { assertBuilt, BIN, ROOT } from '../cli/_cli.js';

/**
 * labUp, waiting (up to 15 min) while another lab holds the 127.0.1.x ports. A lab of the same
 * name left up by a test process that is gone (a killed earlier run) is taken down first; one
 * whose creator still runs (a concurrent run) is waited for like busy ports.
 */
export async function labUpWhenFree(opts: Parameters<typeof labUp>[0]): Promise<Lab> {
  const t0 = Date.now();
  for (;;) {
    try {
      return await labUp(opts);
    } catch (err) {
      if (!(err instanceof ValidationError) || Date.now() - t0 > 15 * 60_000) throw err;
      if (/is already up/.test(err.message) && !creatorRunning(readState(opts.name)?.createdBy?.pid)) {
        console.error(`[lab] ${opts.name}: left up by a process that is gone; taking it down`);
        await labDown(opts.name);
        continue;
      }
      if (!/ports in use|is already up/.test(err.message)) throw err;
      await new Promise((r) => setTimeout(r, 5000));
    }
  }
}

export { labDown, labExec, labStatus };


/** `etcdplay ARGS...` in a child process: the built bin/etcdplay.js, as users run it. */
export function etcdplay(args: string[], timeoutMs = 900_000): Promise<{ code: number; out: string; ms: number }> {
  assertBuilt();
  const t0 = Date.now();
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    p.stderr.on('data', (b: Buffer) => { out += b.toString(); });
    const timer = setTimeout(() => p.kill('SIGTERM'), timeoutMs);
    p.on('close', (c) => { clearTimeout(timer); resolve({ code: c ?? -1, out, ms: Date.now() - t0 }); });
  });
}

/** etcdctl inside a lab host, against every member. */
export function ctlPrefix(lab: Lab): string {
  const eps = lab.hosts.map((h) => `${lab.tls ? 'https' : 'http'}://${h.address}:2379`).join(',');
  const tls = lab.tls ? ' --cacert=/etc/etcd/pki/ca.crt --cert=/etc/etcd/pki/client.crt --key=/etc/etcd/pki/client.key' : '';
  return `ETCDCTL_API=3 etcdctl --endpoints=${eps}${tls} --command-timeout=30s`;
}

export interface Dump { kvs: { key: string; value: string; lease?: string }[]; revision: number; leases: string[] }

/** Every key, value and lease id (revisions aside), the revision, and the lease list. */
export async function dump(lab: Lab, host = lab.hosts[0]!.name): Promise<Dump> {
  const r = await labExec(lab.name, host, `${ctlPrefix(lab)} get "" --prefix -w json`, { timeoutMs: 120_000 });
  if (r.rc !== 0) throw new Error(`dump failed: ${r.stderr}`);
  const text = r.stdout.replace(/("lease":)(\d{16,})/g, '$1"$2"').replace(/("(?:cluster_id|member_id)":)(\d{16,})/g, '$1"$2"');
  const j = JSON.parse(text) as { header: { revision: number }; kvs?: { key: string; value?: string; lease?: string | number }[] };
  const kvs = (j.kvs ?? []).map((k) => ({ key: Buffer.from(k.key, 'base64').toString('latin1'), value: Buffer.from(k.value ?? '', 'base64').toString('latin1'), ...(k.lease ? { lease: BigInt(k.lease).toString(16) } : {}) }));
  const l = await labExec(lab.name, host, `${ctlPrefix(lab)} lease list`);
  const leases = l.stdout.split('\n').slice(1).map((s) => s.trim()).filter(Boolean).sort();
  return { kvs, revision: j.header.revision, leases };
}

export function countFromRecap(out: string, what: 'failed' | 'changed' | 'rescued'): number {
  return [...out.matchAll(new RegExp(`${what}=(\\d+)`, 'g'))].reduce((a, m) => a + Number(m[1]), 0);
}

/** The mount, PID and UTS namespaces of a process (to find what is left of a lab host after down). */
export function namespacesOf(pid: number): string[] {
  return ['mnt', 'pid', 'uts'].map((n) => { try { return readlinkSync(`/proc/${pid}/ns/${n}`); } catch { return ''; } }).filter(Boolean);
}

/**
 * What a lab left behind after down: processes rooted in its dir or in one of `namespaces`, mounts
 * under its dir, listeners on its addresses, the dir itself. Empty when the lab is really gone.
 */
export function labLeftovers(dir: string, addresses: string[], namespaces: Set<string>): string[] {
  const found: string[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    for (const link of ['root', 'cwd']) {
      try {
        const t = readlinkSync(`/proc/${e}/${link}`);
        if (t === dir || t.startsWith(dir + '/')) found.push(`pid ${e} ${link} ${t}`);
      } catch { /* gone or not ours */ }
    }
    for (const ns of namespacesOf(Number(e))) if (namespaces.has(ns)) found.push(`pid ${e} in ${ns}`);
  }
  for (const l of readFileSync('/proc/mounts', 'utf8').split('\n')) if (l.split(' ')[1]?.startsWith(dir)) found.push(`mount ${l.split(' ')[1]}`);
  const ss = spawnSync('ss', ['-ltnH'], { encoding: 'utf8' }).stdout.split('\n');
  for (const l of ss) if (addresses.some((a) => l.includes(` ${a}:`))) found.push(`listener ${l.trim()}`);
  if (existsSync(dir)) found.push(`dir ${dir}`);
  return found;
}

/**
 * labLeftovers plus what a lab of systemd hosts could leave: its cgroup dirs, nspawn run entries
 * and machine registrations (src/lab/nspawn.ts systemdLeftovers).
 */
export function systemdLabLeftovers(lab: Lab, namespaces: Set<string>): string[] {
  const hosts = [...lab.hosts, ...lab.controlPlane];
  return [...labLeftovers(lab.dir, hosts.map((h) => h.address), namespaces), ...systemdLeftovers(lab.name, hosts.map((h) => h.name))];
}
