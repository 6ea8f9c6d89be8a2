/** Steps that move files: put (workstation -> host), get (host -> workstation), relay (host -> host). */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Writable } from 'node:stream';
import type { TransferOptions } from '../connection/connection.js';
import { pumpFile, type FileSource } from '../connection/fileread.js';
import { relay } from '../connection/relay.js';
import { SHA256_STDIN } from '../connection/transfer.js';
import type { Command } from '../model/command.js';
import type { GetStep, PutStep, RelayStep } from '../model/step.js';
import { isProbablyText, unifiedDiff } from './diff.js';
import { throttleProgress } from './output.js';
import { exec, lastLine, type StepEnv, type StepsRun } from './step-exec.js';

const DIFF_MAX = 1024 * 1024;

interface RemoteFile {
  size: number;
  sha256: string;
  /** Octal permission bits, owner and group names. */
  mode: string;
  owner: string;
  group: string;
}

const PROBE = `if [ -f "$1" ]; then wc -c < "$1" && ${SHA256_STDIN} < "$1" && stat -c "%a %U %G" -- "$1"; else echo missing; fi`;

/** Size, sha256 and attributes of a file on the host, or undefined when it does not exist. */
async function probe(path: string, env: StepEnv): Promise<RemoteFile | undefined> {
  const r = await exec({ kind: 'exec', argv: ['sh', '-c', PROBE, 'sh', path] }, env, undefined, false);
  if (r.rc !== 0) throw Object.assign(new Error(`cannot inspect ${path}: ${lastLine(r.stderr)}`), { rc: r.rc, stderr: r.stderr });
  const lines = r.stdout.trim().split('\n');
  if (lines[0] === 'missing') return undefined;
  const [mode = '', owner = '', group = ''] = (lines[2] ?? '').trim().split(/\s+/);
  return { size: Number(lines[0]), sha256: (lines[1] ?? '').trim().split(/\s+/)[0] ?? '', mode, owner, group };
}

/** Attribute changes needed on an existing file whose content is already right. */
function attrFixes(step: { mode?: string; owner?: string; group?: string; dest: string }, old: RemoteFile): Command[] {
  const out: Command[] = [];
  if (step.mode !== undefined) {
    const octal = /^[0-7]{3,4}$/.test(step.mode);
    if (!octal || parseInt(step.mode, 8) !== parseInt(old.mode, 8)) out.push({ kind: 'exec', argv: ['chmod', '--', step.mode, step.dest] });
  }
  if (step.owner !== undefined && step.owner !== old.owner) out.push({ kind: 'exec', argv: ['chown', '--', step.owner, step.dest] });
  if (step.group !== undefined && step.group !== old.group) out.push({ kind: 'exec', argv: ['chgrp', '--', step.group, step.dest] });
  return out;
}

interface PutSource {
  size: number;
  /** A string when known at once; for a big file, its hash still being computed (once per run). */
  sha256: string | Promise<string>;
  body(): Readable | FileSource;
  small?: Buffer;
}

async function sourceOf(step: PutStep): Promise<PutSource> {
  if ('content' in step.src) {
    const buf = Buffer.from(step.src.content, 'utf8');
    return { size: buf.length, sha256: sha256(buf), body: () => Readable.from([buf]), small: buf };
  }
  const path = step.src.path;
  const st = await stat(path);
  if (st.size <= DIFF_MAX) {
    const small = await readFile(path);
    return { size: small.length, sha256: sha256(small), body: () => Readable.from([small]), small };
  }
  // A pinned sha256 is the reference itself: the far side's hash of what it wrote must equal it.
  return { size: st.size, sha256: step.sha256 ?? cachedHashFile(path, st), body: () => ({ path }) };
}

/** One hash per source file and version per run, however many hosts it is copied to. */
const hashCache = new Map<string, Promise<string>>();
function cachedHashFile(path: string, st: { size: number; mtimeMs: number; ino: number }): Promise<string> {
  const key = `${path}\0${st.ino}\0${st.size}\0${st.mtimeMs}`;
  let p = hashCache.get(key);
  if (!p) {
    p = hashFile(path);
    hashCache.set(key, p);
    p.catch(() => hashCache.delete(key));
  }
  return p;
}

export async function putStep(step: PutStep, env: StepEnv, run: StepsRun): Promise<void> {
  const src = await sourceOf(step);
  if (step.sha256 && typeof src.sha256 === 'string' && step.sha256 !== src.sha256) throw new Error(`source sha256 is ${src.sha256}, expected ${step.sha256}`);
  const old = await probe(step.dest, env);
  // Only a file of the same size can already be right; otherwise the transfer starts at once and
  // a big source is hashed meanwhile (the far side's hash is checked against it before the rename).
  const same = old !== undefined && old.size === src.size && old.sha256 === (await src.sha256);
  if (env.diff && !same && src.small && isProbablyText(src.small)) {
    let before = '';
    if (old && old.size <= DIFF_MAX) {
      const chunks: Buffer[] = [];
      await env.conn.get(step.dest, memorySink(chunks), transferOpts(env));
      const buf = Buffer.concat(chunks);
      before = isProbablyText(buf) ? buf.toString('utf8') : '';
    }
    const d = unifiedDiff(before, src.small.toString('utf8'), { fromFile: old ? `${step.dest} (before)` : '/dev/null', toFile: `${step.dest} (after)` });
    if (d) run.diffs.push(d);
  }
  if (same && old) {
    // content already right: only attributes may need fixing
    const fixes = attrFixes(step, old);
    if (!fixes.length) {
      run.outcomes.push({ step, status: 'skipped', changed: false, sha256: old.sha256, bytes: src.size });
      return;
    }
    if (env.check && step.mutates) {
      run.outcomes.push({ step, status: 'check', changed: false, sha256: old.sha256, bytes: src.size });
      return;
    }
    for (const fix of fixes) {
      const r = await exec(fix, env, undefined, true);
      if (r.rc !== 0) throw Object.assign(new Error(`${fix.kind === 'exec' ? fix.argv[0] : 'fix'} ${step.dest}: ${lastLine(r.stderr)}`), { rc: r.rc, stderr: r.stderr });
    }
    run.outcomes.push({ step, status: 'ran', changed: true, sha256: old.sha256, bytes: 0 });
    return;
  }
  if (env.check && step.mutates) {
    run.outcomes.push({ step, status: 'check', changed: false, sha256: await src.sha256, bytes: src.size });
    return;
  }
  const out = await env.conn.put(src.body(), src.size, step.dest, { ...transferOpts(env), mode: step.mode, owner: step.owner, group: step.group, expectSha256: src.sha256 });
  const sum = await src.sha256;
  if (out.sha256 && out.sha256 !== sum) throw new Error(`sha256 mismatch after writing ${step.dest}: sent ${sum}, host has ${out.sha256}`);
  run.outcomes.push({ step, status: 'ran', changed: true, sha256: sum, bytes: out.bytes });
}

export async function getStep(step: GetStep, env: StepEnv, run: StepsRun): Promise<void> {
  let before: string | undefined;
  try {
    before = await hashFile(step.dest);
  } catch {
    before = undefined;
  }
  if (env.check && step.mutates) {
    run.outcomes.push({ step, status: 'check', changed: false });
    return;
  }
  await mkdir(dirname(step.dest), { recursive: true });
  const tmp = `${step.dest}.etcdplay-${randomBytes(4).toString('hex')}`;
  try {
    const out = await env.conn.get(step.src, createWriteStream(tmp, { mode: 0o600 }), transferOpts(env));
    const got = await hashFile(tmp);
    if (out.sha256 && got !== out.sha256) throw new Error(`sha256 mismatch fetching ${step.src}: host has ${out.sha256}, received ${got}`);
    if (step.sha256 && got !== step.sha256) throw new Error(`sha256 of ${step.src} is ${got}, expected ${step.sha256}`);
    await rename(tmp, step.dest);
    run.outcomes.push({ step, status: 'ran', changed: before !== got, sha256: got, bytes: out.bytes });
  } finally {
    await rm(tmp, { force: true });
  }
}

export async function relayStep(step: RelayStep, env: StepEnv, run: StepsRun): Promise<void> {
  const old = await probe(step.dest, env);
  if (step.sha256 && old?.sha256 === step.sha256) {
    run.outcomes.push({ step, status: 'skipped', changed: false, sha256: old.sha256, bytes: old.size });
    return;
  }
  if (env.check && step.mutates) {
    run.outcomes.push({ step, status: 'check', changed: false });
    return;
  }
  const from = await env.connFor(step.fromHost);
  const out = await relay(from, step.src, env.conn, step.dest, { ...transferOpts(env), mode: step.mode, owner: step.owner, group: step.group });
  if (step.sha256 && out.sha256 !== step.sha256) throw new Error(`sha256 of relayed ${step.src} is ${out.sha256}, expected ${step.sha256}`);
  run.outcomes.push({ step, status: 'ran', changed: old?.sha256 !== out.sha256, sha256: out.sha256, bytes: out.bytes });
}

function transferOpts(env: StepEnv): TransferOptions {
  return { become: env.become, becomePassword: env.becomePassword, signal: env.signal, onProgress: throttleProgress(env.onProgress) };
}

function memorySink(chunks: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
}

function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

async function hashFile(path: string): Promise<string> {
  const h = createHash('sha256');
  await pumpFile(path, (chunk) => { h.update(chunk); });
  return h.digest('hex');
}
