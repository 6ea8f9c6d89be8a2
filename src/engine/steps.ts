import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Writable } from 'node:stream';
import type { Connection, TransferOptions } from '../connection/connection.js';
import { pumpFile, type FileSource } from '../connection/fileread.js';
import { relay } from '../connection/relay.js';
import { SHA256_STDIN } from '../connection/transfer.js';
import { UnreachableError } from '../errors.js';
import type { Become, Command } from '../model/command.js';
import type { ExecResult, TaskResult } from '../model/result.js';
import { CHANGED_MARKER, type CommandStep, type GetStep, type LocalStep, type PutStep, type RelayStep, type Step } from '../model/step.js';
import type { Vars } from '../model/vars.js';
import type { StepOutcome } from '../modules/module.js';
import { displayCommand, renderCommand } from '../shell/quote.js';
import { evalCondition } from '../template/expr.js';
import { isProbablyText, unifiedDiff } from './diff.js';
import { LineSplitter, throttleProgress } from './output.js';

/** Everything a step needs to run on one host. */
export interface StepEnv {
  conn: Connection;
  check: boolean;
  diff: boolean;
  become?: Become;
  becomePassword?: string;
  signal?: AbortSignal;
  /**
   * Aborts mutating steps (the second Ctrl-C). `signal` (the first Ctrl-C, or another host failing
   * under any_errors_fatal) stops before the next step and aborts read-only steps only: a `mv` or
   * an apt run in flight is let finish.
   */
  hardSignal?: AbortSignal;
  /** Does this text contain a known secret? (a secret must never be on a command line) */
  secretIn?(text: string): boolean;
  /** The host's variables (for assert conditions). */
  vars: Vars;
  /** Extra environment for every command (task `environment:`). */
  environment?: Record<string, string>;
  /** Stream output lines (already without the CHANGED marker). */
  onOutput(stream: 'stdout' | 'stderr', line: string): void;
  onProgress(bytes: number, total: number): void;
  /** Connection to another inventory host (relay source). */
  connFor(host: string): Promise<Connection>;
  /** Remember a secret to redact (secret commands' env and stdin). */
  addSecret(value: string): void;
}

export interface StepsRun {
  outcomes: StepOutcome[];
  failure?: { msg: string; rc?: number; stdout?: string; stderr?: string };
  unreachable?: string;
  /** Unified diffs of files a put step changed (or would change), for --diff. */
  diffs: string[];
  /** Fields set by local steps (msg, facts, assertion, ...). */
  local: Partial<TaskResult>;
  /** Display form of the last command that ran. */
  cmd?: string;
}

const DIFF_MAX = 1024 * 1024;

/** Run a task's steps in order, stopping at the first failure. Never throws. */
export async function runSteps(steps: Step[], env: StepEnv): Promise<StepsRun> {
  const run: StepsRun = { outcomes: [], diffs: [], local: {} };
  for (const step of steps) {
    if (env.signal?.aborted) {
      run.failure = { msg: 'interrupted' };
      break;
    }
    // --check: once a mutating step was held back, later steps (verifications, waits) would
    // only see the unchanged host; they are held back too.
    if (env.check && run.outcomes.some((o) => o.status === 'check')) {
      run.outcomes.push({ step, status: 'check', changed: false });
      continue;
    }
    const se: StepEnv = step.mutates ? { ...env, signal: env.hardSignal } : env;
    try {
      switch (step.kind) {
        case 'command':
          await commandStep(step, se, run);
          break;
        case 'put':
          await putStep(step, se, run);
          break;
        case 'get':
          await getStep(step, se, run);
          break;
        case 'relay':
          await relayStep(step, se, run);
          break;
        case 'local':
          localStep(step, se, run);
          break;
      }
    } catch (err) {
      if (err instanceof UnreachableError) {
        run.unreachable = err.message;
      } else if (env.signal?.aborted) {
        run.failure = { msg: `${step.description}: interrupted` };
      } else {
        const e = err as Error & { rc?: number; stdout?: string; stderr?: string };
        run.failure = { msg: `${step.description}: ${e.message ?? String(err)}`, rc: typeof e.rc === 'number' ? e.rc : undefined, stdout: e.stdout, stderr: e.stderr };
      }
    }
    if (run.failure || run.unreachable) break;
  }
  return run;
}

function withEnv(cmd: Command, env: StepEnv): Command {
  if (cmd.secret) {
    for (const v of Object.values(cmd.env ?? {})) env.addSecret(v);
    if (cmd.stdin) env.addSecret(cmd.stdin);
  }
  const merged = env.environment && Object.keys(env.environment).length ? { ...cmd, env: { ...env.environment, ...(cmd.env ?? {}) } } : cmd;
  return secretsOffArgv(merged, env);
}

/**
 * Keep secrets off every command line (argv is world-readable in `ps` on the host): secret
 * environment values are fed on stdin and read by a prologue (`NAME=$(dd bs=1 count=N)`), and a
 * command whose own text contains a secret is refused.
 */
export function secretsOffArgv(cmd: Command, env: Pick<StepEnv, 'secretIn'>): Command {
  const isSecret = (v: string) => !!env.secretIn?.(v);
  const text = cmd.kind === 'exec' ? cmd.argv.join(' ') : cmd.script;
  if (isSecret(text) || (cmd.cwd !== undefined && isSecret(cmd.cwd))) {
    throw new Error('refusing to run a command whose text contains a secret (it would be visible in ps on the host): pass the secret through environment: or a module that feeds it on stdin');
  }
  const envv = cmd.env ?? {};
  const hidden = Object.keys(envv).filter((k) => cmd.secret || isSecret(envv[k]!));
  if (!hidden.length) return cmd;
  const keep: Record<string, string> = {};
  for (const [k, v] of Object.entries(envv)) if (!hidden.includes(k)) keep[k] = v;
  const inner: Command = { ...cmd, env: keep };
  delete inner.stdin;
  const prologue = hidden
    .map((k) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`invalid environment variable name: ${JSON.stringify(k)}`);
      const n = Buffer.byteLength(envv[k]!, 'utf8');
      return `${k}=$(dd bs=1 count=${n} 2>/dev/null; echo x); ${k}=\${${k}%x}; export ${k}`;
    })
    .join('\n');
  return {
    kind: 'shell',
    script: `${prologue}\n${renderCommand(inner)}`,
    stdin: hidden.map((k) => envv[k]!).join('') + (cmd.stdin ?? ''),
    secret: true,
  };
}

async function exec(cmd: Command, env: StepEnv, timeoutMs: number | undefined, stream: boolean): Promise<ExecResult> {
  const out = new LineSplitter((l) => {
    if (l !== CHANGED_MARKER) env.onOutput('stdout', l);
  });
  const err = new LineSplitter((l) => env.onOutput('stderr', l));
  const r = await env.conn.exec(withEnv(cmd, env), {
    become: env.become,
    becomePassword: env.becomePassword,
    timeoutMs,
    signal: env.signal,
    ...(stream ? { onStdout: (c: string) => out.push(c), onStderr: (c: string) => err.push(c) } : {}),
  });
  out.flush();
  err.flush();
  return r;
}

async function commandStep(step: CommandStep, env: StepEnv, run: StepsRun): Promise<void> {
  if (step.onlyIf) {
    const g = await exec(step.onlyIf, env, step.timeoutMs, false);
    if (g.signal && env.signal?.aborted) {
      run.failure = { msg: 'interrupted' };
      return;
    }
    if (g.rc !== 0) {
      run.outcomes.push({ step, status: 'skipped', changed: false, rc: g.rc, stdout: g.stdout, stderr: g.stderr });
      return;
    }
  }
  if (env.check && step.mutates) {
    run.outcomes.push({ step, status: 'check', changed: false });
    return;
  }
  const r = await exec(step.command, env, step.timeoutMs, true);
  run.cmd = displayCommand(step.command);
  const lines = r.stdout.split('\n');
  const marker = lines.some((l) => l === CHANGED_MARKER || l === CHANGED_MARKER + '\r');
  const stdout = marker ? lines.filter((l) => l !== CHANGED_MARKER && l !== CHANGED_MARKER + '\r').join('\n') : r.stdout;
  const policy = step.changed ?? (step.mutates ? 'always' : 'never');
  const okCodes = step.okCodes ?? [0];
  const ok = okCodes.includes(r.rc) && !(r.signal && env.signal?.aborted);
  const changed = ok && (policy === 'always' || (policy === 'marker' && marker));
  let data: unknown;
  if (ok && step.parse === 'json') {
    try {
      data = stdout.trim() === '' ? null : JSON.parse(stdout);
    } catch (e) {
      run.outcomes.push({ step, status: 'ran', rc: r.rc, stdout, stderr: r.stderr, changed });
      run.failure = { msg: `${step.description}: output is not valid JSON (${(e as Error).message})`, rc: r.rc, stdout, stderr: r.stderr };
      return;
    }
  } else if (ok && step.parse === 'lines') {
    data = stdout.split('\n').filter((l) => l !== '');
  }
  run.outcomes.push({ step, status: 'ran', rc: r.rc, stdout, stderr: r.stderr, changed, ...(data !== undefined ? { data } : {}) });
  if (!ok) {
    const why = env.signal?.aborted ? 'interrupted' : r.signal ? `killed by ${r.signal}` : `non-zero return code ${r.rc}`;
    const last = lastLine(r.stderr) || lastLine(stdout);
    run.failure = { msg: `${step.description}: ${why}${last ? `: ${last}` : ''}`, rc: r.rc, stdout, stderr: r.stderr };
  }
}

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

async function putStep(step: PutStep, env: StepEnv, run: StepsRun): Promise<void> {
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

async function getStep(step: GetStep, env: StepEnv, run: StepsRun): Promise<void> {
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

async function relayStep(step: RelayStep, env: StepEnv, run: StepsRun): Promise<void> {
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

function localStep(step: LocalStep, env: StepEnv, run: StepsRun): void {
  const d = step.data ?? {};
  switch (step.action) {
    case 'debug': {
      if ('msg' in d) run.local.msg = d.msg as string;
      if (typeof d.var === 'string') run.local[d.var] = 'value' in d ? d.value : lookup(env.vars, d.var);
      run.outcomes.push({ step, status: 'ran', changed: false, data: d });
      return;
    }
    case 'set_fact': {
      const facts = (d.facts && typeof d.facts === 'object' ? d.facts : d) as Record<string, unknown>;
      run.local.facts = { ...(run.local.facts ?? {}), ...facts };
      run.outcomes.push({ step, status: 'ran', changed: false, data: facts });
      return;
    }
    case 'assert': {
      if (typeof d.ok === 'boolean') {
        // already evaluated by the module when it was planned for this host
        run.outcomes.push({ step, status: 'ran', changed: false, data: d });
        if (typeof d.assertion === 'string') run.local.assertion = d.assertion;
        if (d.ok) run.local.msg = String(d.msg ?? 'All assertions passed');
        else run.failure = { msg: String(d.msg ?? `Assertion failed: ${String(d.assertion ?? '')}`) };
        return;
      }
      const that = (Array.isArray(d.that) ? d.that : d.that !== undefined ? [d.that] : []) as unknown[];
      for (const cond of that) {
        const ok = typeof cond === 'boolean' ? cond : evalCondition(String(cond), env.vars);
        if (!ok) {
          run.local.assertion = String(cond);
          run.outcomes.push({ step, status: 'ran', changed: false });
          run.failure = { msg: String(d.fail_msg ?? d.msg ?? `Assertion failed: ${String(cond)}`) };
          return;
        }
      }
      run.local.msg = String(d.success_msg ?? 'All assertions passed');
      run.outcomes.push({ step, status: 'ran', changed: false });
      return;
    }
    case 'fail': {
      run.outcomes.push({ step, status: 'ran', changed: false });
      run.failure = { msg: String(d.msg ?? 'Failed as requested from task') };
      return;
    }
    case 'noop':
    default:
      if (typeof d.msg === 'string') run.local.msg = d.msg;
      run.outcomes.push({ step, status: 'ran', changed: false, data: d });
  }
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

function lastLine(s: string | undefined): string {
  const lines = (s ?? '').trim().split('\n');
  return (lines[lines.length - 1] ?? '').trim();
}

function lookup(vars: Vars, path: string): unknown {
  let cur: unknown = vars;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
