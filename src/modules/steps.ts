/**
 * Small builders shared by the generic modules: commands as data, shell scripts that take every
 * value as a positional parameter (the script text itself never contains user data), and the
 * checks modules do on args the schema cannot express.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, posix } from 'node:path';
import { ValidationError } from '../errors.js';
import type { ExecCommand } from '../model/command.js';
import type { CommandStep, Step } from '../model/step.js';
import type { PlanContext, StepOutcome } from './module.js';

/** The value the last `then` returned (CommandStep.then): what a module built in TypeScript. */
export function lastValue(results: StepOutcome[]): unknown {
  return [...results].reverse().find((r) => r.value !== undefined)?.value;
}

export function exec(argv: string[], extra: Omit<Partial<ExecCommand>, 'kind' | 'argv'> = {}): ExecCommand {
  return { kind: 'exec', argv, ...extra };
}

/**
 * `sh -c SCRIPT etcdplay ARG1 ARG2 ...`: the script reads its inputs as "$1", "$2"... so no value
 * is ever spliced into shell text; renderCommand quotes each argv element.
 */
export function script(text: string, args: (string | number | boolean)[], extra: Omit<Partial<ExecCommand>, 'kind' | 'argv'> = {}): ExecCommand {
  return exec(['sh', '-c', text.trim(), 'etcdplay', ...args.map(String)], extra);
}

export function commandStep(
  description: string,
  command: CommandStep['command'],
  opts: Partial<Omit<CommandStep, 'kind' | 'description' | 'command'>> & { mutates: boolean },
): CommandStep {
  const step: CommandStep = { kind: 'command', description, command, mutates: opts.mutates };
  for (const k of ['onlyIf', 'okCodes', 'changed', 'parse', 'timeoutMs'] as const) {
    if (opts[k] !== undefined) (step as unknown as Record<string, unknown>)[k] = opts[k];
  }
  return step;
}

/**
 * Extra environment (a task's `environment:`) for every command step, including the steps a
 * command's `then` decides at run time; a step's own env wins.
 */
export function withCommandEnv(steps: Step[], env: Record<string, string>): Step[] {
  return steps.map((s) => {
    if (s.kind !== 'command') return s;
    const out: CommandStep = { ...s, command: { ...s.command, env: { ...env, ...(s.command.env ?? {}) } } };
    const then = s.then;
    if (then) {
      out.then = {
        later: then.later,
        next: (o) => {
          const n = then.next(o);
          return n.steps ? { ...n, steps: withCommandEnv(n.steps, env) } : n;
        },
      };
    }
    return out;
  });
}

/** Normalise a file mode: '0644', '644', 644 (YAML 1.2 reads 0644 as the number 644), 'u+x'. */
export function normMode(mode: unknown): string | undefined {
  if (mode === undefined || mode === null || mode === '') return undefined;
  const s = String(mode);
  if (/^[0-7]{3,4}$/.test(s)) return s.length === 3 ? `0${s}` : s;
  if (/^([ugoa]*[-+=]([rwxXst]*|[ugo]))(,[ugoa]*[-+=]([rwxXst]*|[ugo]))*$/.test(s)) return s;
  throw new ValidationError(`invalid mode ${JSON.stringify(mode)}: use an octal string like '0644' or a symbolic mode like 'u+rwx,go-w'`);
}

/** Is this an octal mode (so it can be compared exactly)? */
export function isOctalMode(mode: string): boolean {
  return /^[0-7]{4}$/.test(mode);
}

/** Absolute POSIX path on the host, or a clear error. */
export function remotePath(p: unknown, what: string): string {
  const s = String(p ?? '');
  if (s === '') throw new ValidationError(`${what} is empty`);
  if (s.includes('\0')) throw new ValidationError(`${what} contains a NUL byte`);
  if (!posix.isAbsolute(s)) throw new ValidationError(`${what} must be an absolute path on the host, got ${JSON.stringify(s)}`);
  return s;
}

/**
 * Where a relative `src:` of copy (subdir files) or template (subdir templates) is looked for, in
 * order, as Ansible does: in a role's task, the role's subdir/, the role itself and its tasks/;
 * then subdir/ beside the playbook and the playbook's directory.
 */
export function localCandidates(p: string, ctx: PlanContext, subdir: 'files' | 'templates'): string[] {
  if (isAbsolute(p)) return [p];
  const base = ctx.playbookDir ?? process.cwd();
  const role = ctx.roleDir ? [join(ctx.roleDir, subdir, p), join(ctx.roleDir, p), join(ctx.roleDir, 'tasks', p)] : [];
  return [...role, join(base, subdir, p), join(base, p)];
}

/** A path on the workstation: absolute, `~/...` (the home directory), or relative to the playbook (first under `subdir/`, and a role's, see localCandidates). */
export function localPath(p: string, ctx: PlanContext, subdir?: 'files' | 'templates'): string {
  if (isAbsolute(p)) return p;
  if (p === '~' || p.startsWith('~/')) return join(homedir(), p.slice(1));
  const base = ctx.playbookDir ?? process.cwd();
  if (subdir) {
    const found = localCandidates(p, ctx, subdir).find((c) => existsSync(c));
    if (found) return found;
  }
  return join(base, p);
}

/** Names passed to init systems and package managers: no spaces, no shell metacharacters. */
export const NAME_RE = /^[A-Za-z0-9@_+][A-Za-z0-9@_.:+~-]*$/;

export function checkName(name: string, what: string): string {
  if (!NAME_RE.test(name)) throw new ValidationError(`invalid ${what} ${JSON.stringify(name)}: letters, digits and @ _ . : + ~ - only`);
  return name;
}

export const SCHEMA = 'https://json-schema.org/draft/2020-12/schema';

/** The path a file module acts on, under Ansible's three names (spread into the properties). */
export const PATH_ARGS = {
  path: { type: 'string', minLength: 1, description: 'Absolute path on the host.' },
  dest: { type: 'string', minLength: 1, description: 'Alias of path.' },
  name: { type: 'string', minLength: 1, description: 'Alias of path.' },
} as const;
/** Exactly one of path, dest or name (the schema's oneOf). */
export const ONE_PATH = [{ required: ['path'] }, { required: ['dest'] }, { required: ['name'] }] as const;
