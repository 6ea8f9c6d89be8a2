/**
 * What every step kind shares: the environment a task's steps run in, the record of what they
 * did, and the one way a Command reaches the host (task environment merged, secrets kept off argv).
 */
import type { Connection } from '../connection/connection.js';
import type { Become, Command } from '../model/command.js';
import type { ExecResult, TaskResult } from '../model/result.js';
import { CHANGED_MARKER, type StepOutcome } from '../model/step.js';
import type { Vars } from '../model/vars.js';
import { renderCommand } from '../shell/quote.js';
import { LineSplitter } from './output.js';

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

export async function exec(cmd: Command, env: StepEnv, timeoutMs: number | undefined, stream: boolean): Promise<ExecResult> {
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

export function lastLine(s: string | undefined): string {
  const lines = (s ?? '').trim().split('\n');
  return (lines[lines.length - 1] ?? '').trim();
}
