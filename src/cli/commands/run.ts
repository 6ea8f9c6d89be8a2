/**
 * `etcdplay run PLAYBOOK -i INV [...]`: load (diagnostics -> exit 2, nothing contacted), confirm
 * destructive plays, then run through the engine with a reporter (listr2 live view on a TTY,
 * plain lines otherwise, --json for NDJSON events) plus the run directory journal.
 */
import { termSafe } from '../../template/terminal.js';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import type { ConnectOptions } from '../../connection/factory.js';
import { hostKeyCheckingFrom } from '../../connection/settings.js';
import { defaultRunDir, newRunId, runPlaybook } from '../../engine/index.js';
import { ValidationError } from '../../errors.js';
import { formatDiagnostics, hasErrors } from '../../load/diagnostics.js';
import { loadInventory } from '../../load/inventory.js';
import { loadPlaybook } from '../../load/playbook.js';
import type { EngineEvent } from '../../model/event.js';
import type { Inventory } from '../../model/inventory.js';
import type { Playbook } from '../../model/playbook.js';
import type { Diagnostic } from '../../model/source.js';
import type { Vars } from '../../model/vars.js';
import { buildPlan, confirmText, type PlanOptions } from '../../plan/build.js';
import { playHosts } from '../../plan/hosts.js';
import { colorEnabled } from '../../report/color.js';
import { JsonReporter } from '../../report/json.js';
import { PlainReporter } from '../../report/plain.js';
import type { Reporter } from '../../report/reporter.js';
import { tee } from '../../report/reporter.js';
import { RunDirReporter } from '../../report/rundir.js';
import { dirname, join, resolve } from 'node:path';
import { readJournal, sha256File, type JournalData } from '../../engine/journal.js';
import { isSecretName } from '../../template/secret.js';
import { parseExtraVars } from '../extravars.js';
import { parseCli } from '../args.js';

export { parseExtraVars };

export const usage = `usage: etcdplay run PLAYBOOK -i INVENTORY [options]

  -i, --inventory FILE       inventory file or directory (repeatable)
  -e, --extra-vars VARS      k=v pairs, JSON/YAML mapping, or @file (repeatable; highest precedence)
  -C, --check                don't change anything: mutating steps are reported, not run
  -D, --diff                 show unified diffs of files that change
  -f, --forks N              hosts in flight per task (default 10)
  -l, --limit PATTERN        further limit the hosts (same patterns as hosts:)
  -t, --tags T[,T]           only run tasks with these tags
      --skip-tags T[,T]      skip tasks with these tags
      --start-at-task NAME   start at the task with this name
      --step                 ask before each task (TTY only)
  -b, --become               become (sudo) for plays and tasks that don't say
  -K, --ask-become-pass      ask for the sudo password
  -k, --ask-pass             ask for the SSH password
      --host-key-checking M  strict (default) | accept-new | off
      --json                 newline-delimited JSON events on stdout
      --plain                line-per-event output even on a TTY
  -v, --verbose              also print every output line (plain view)
  -y, --yes                  answer yes to plays that ask for confirmation
      --no-preflight         skip the offline plan check (undefined variables, bad args) before connecting
      --run-dir DIR          record the run here (default ~/.etcdplay/runs/<id>)
      --resume RUN_ID        continue an interrupted or failed run where it stopped (same
                             playbook, inventory and vars; completed tasks are not repeated)
      --break-lock           take the cluster lock from a run proven dead (its pid gone on this
                             workstation, or its heartbeat older than its lease); a live run's
                             lock is never broken
      --secret-var NAME      ask for the value of extra var NAME (no echo); it is kept out of
                             output, logs, the journal and every command line (repeatable)

exit codes: 0 ok, 2 failed hosts or bad input, 4 unreachable hosts, 130 interrupted`;

/** Options shared by run and adhoc. */
export const COMMON_OPTIONS = {
  inventory: { type: 'string', short: 'i', multiple: true },
  'extra-vars': { type: 'string', short: 'e', multiple: true },
  check: { type: 'boolean', short: 'C' },
  diff: { type: 'boolean', short: 'D' },
  forks: { type: 'string', short: 'f' },
  limit: { type: 'string', short: 'l' },
  become: { type: 'boolean', short: 'b' },
  'ask-become-pass': { type: 'boolean', short: 'K' },
  'ask-pass': { type: 'boolean', short: 'k' },
  'host-key-checking': { type: 'string' },
  json: { type: 'boolean' },
  plain: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  'run-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = Record<string, string | boolean | string[] | undefined>;


export function parseForks(v: unknown): number {
  if (v === undefined) return 10;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new ValidationError(`--forks must be a positive integer, got ${JSON.stringify(v)}`);
  return n;
}

export function splitList(values: string[] | string | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  const arr = Array.isArray(values) ? values : [values];
  const out = arr.flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  return out.length ? out : undefined;
}

/** Read a line from the terminal without echo (or a plain line when stdin is not a TTY). */
export async function readSecret(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  if (!stdin.isTTY) {
    const line = await readLine();
    return line;
  }
  return new Promise((resolve, reject) => {
    let buf = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          done();
          process.stderr.write('\n');
          return resolve(buf);
        }
        if (ch === '\u0003') {
          done();
          process.stderr.write('\n');
          return reject(new ValidationError('interrupted'));
        }
        if (ch === '\u007f' || ch === '\b') buf = buf.slice(0, -1);
        else buf += ch;
      }
    };
    const done = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
    };
    stdin.on('data', onData);
  });
}

let lineReader: ReturnType<typeof createInterface> | undefined;
const lineQueue: string[] = [];
const lineWaiters: ((l: string) => void)[] = [];

/** One line from stdin (shared reader, so several prompts can read successive lines). */
export function readLine(): Promise<string> {
  if (!lineReader) {
    lineReader = createInterface({ input: process.stdin, terminal: false });
    lineReader.on('line', (l) => {
      const w = lineWaiters.shift();
      if (w) w(l);
      else lineQueue.push(l);
    });
    lineReader.on('close', () => {
      while (lineWaiters.length) lineWaiters.shift()!('');
    });
  }
  const q = lineQueue.shift();
  if (q !== undefined) return Promise.resolve(q);
  return new Promise((r) => lineWaiters.push(r));
}

export function closeLineReader(): void {
  lineReader?.close();
  lineReader = undefined;
}

export async function ask(prompt: string): Promise<string> {
  process.stderr.write(prompt);
  return (await readLine()).trim();
}

export interface ConnectFlags {
  'ask-become-pass'?: boolean;
  'ask-pass'?: boolean;
  'host-key-checking'?: string;
}

export async function connectOptions(v: ConnectFlags): Promise<ConnectOptions> {
  const hkc = v['host-key-checking'] === undefined ? 'strict' : hostKeyCheckingFrom(v['host-key-checking']);
  if (!hkc) throw new ValidationError(`--host-key-checking must be strict, accept-new or off, got ${JSON.stringify(v['host-key-checking'])}`);
  const opts: ConnectOptions = {
    hostKeyChecking: hkc,
    ...(v['host-key-checking'] !== undefined ? { hostKeyCheckingExplicit: true } : {}),
    promptPassphrase: (keyFile) => readSecret(`Passphrase for ${keyFile}: `),
  };
  if (v['ask-pass']) opts.password = await readSecret('SSH password: ');
  if (v['ask-become-pass']) opts.becomePassword = await readSecret('BECOME password: ');
  return opts;
}

/** Load inventories (diagnostics printed; errors throw ValidationError -> exit 2). */
export function loadInventories(sources: string[] | undefined): Inventory {
  if (!sources?.length) throw new ValidationError('no inventory given (use -i FILE)');
  for (const s of sources) if (!existsSync(s)) throw new ValidationError(`inventory not found: ${s}`);
  const { inventory, diagnostics } = loadInventory(sources);
  reportDiagnostics(diagnostics);
  return inventory;
}

export function reportDiagnostics(ds: Diagnostic[]): void {
  if (!ds.length) return;
  process.stderr.write(formatDiagnostics(ds, { color: colorEnabled(process.stderr) }) + '\n');
  if (hasErrors(ds)) throw new ValidationError(`${ds.filter((d) => d.severity === 'error').length} error(s) in the input; nothing was contacted`, ds);
}

/** The offline plan of the whole run: its errors stop the run before any host is contacted. */
export function preflight(pb: Playbook, inv: Inventory, opts: PlanOptions): void {
  const { diagnostics } = buildPlan(pb, inv, opts);
  // A play whose pattern matches no host is skipped at run time (as Ansible does), not fatal.
  const errors = diagnostics
    .filter((d) => d.severity === 'error')
    .map((d) => (d.code === 'no-hosts' ? { ...d, severity: 'warning' as const } : d));
  reportDiagnostics(errors);
}

export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return !!env.CI && env.CI !== 'false' && env.CI !== '0';
}

/** Pick the view: --json, plain (no TTY, CI, --plain, --step), or the listr2 live view (loaded only then). */
export async function makeReporter(v: { json?: boolean; plain?: boolean; verbose?: boolean; diff?: boolean; step?: boolean }): Promise<Reporter> {
  const color = colorEnabled(process.stdout);
  if (v.json) return new JsonReporter();
  if (v.plain || v.step || v.verbose || !process.stdout.isTTY || isCi()) return new PlainReporter({ color, verbose: !!v.verbose, diff: !!v.diff });
  const { LiveReporter } = await import('../../report/live.js');
  return new LiveReporter({ color, diff: !!v.diff });
}

/**
 * SIGINT/SIGTERM: the first stops the run at the next step (read-only waits are aborted, a
 * mutating step in flight - a mv, an apt run - is let finish), the journal is written, exit 130.
 * The second aborts mutating steps too (still journaled); a third exits at once (the journal is
 * already on disk: it is rewritten atomically after every host's outcome).
 */
export function interruptController(): { signal: AbortSignal; hardSignal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const hard = new AbortController();
  let count = 0;
  const onInt = () => {
    count++;
    if (count === 1) {
      process.stderr.write('\ninterrupted: stopping after the steps in flight (a change in progress is let finish; Ctrl-C again to abort it)\n');
      ac.abort();
    } else if (count === 2) {
      process.stderr.write('\ninterrupted again: aborting the steps in flight, then writing the journal (Ctrl-C again to exit at once)\n');
      hard.abort();
    } else process.exit(130);
  };
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onInt);
  return {
    signal: ac.signal,
    hardSignal: hard.signal,
    dispose: () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onInt);
    },
  };
}

/** A play's confirmation text, rendered with its first host's variables when it has templates. */
/** Plays that ask for confirmation, with hosts to run on. */
export async function confirmPlays(pb: Playbook, inv: Inventory, limit: string | undefined, yes: boolean, extraVars: Vars = {}): Promise<void> {
  const asking = pb.plays.filter((p) => p.confirm && playHosts(p, inv, limit).length > 0);
  if (!asking.length || yes) return;
  if (!process.stdin.isTTY) {
    const p = asking[0]!;
    throw new ValidationError(
      `play '${p.name}' asks for confirmation (${confirmText(p, inv, playHosts(p, inv, limit), extraVars)}); there is no terminal to ask on: rerun with --yes to confirm`,
    );
  }
  for (const p of asking) {
    const hosts = playHosts(p, inv, limit);
    process.stderr.write(termSafe(`\nPLAY [${p.name}] on ${hosts.join(', ')}\n${confirmText(p, inv, hosts, extraVars)}\n`));
    const a = await ask("Type 'yes' to continue: ");
    if (a !== 'yes') throw new ValidationError(`not confirmed: play '${p.name}' was not run, nothing was contacted`);
  }
}

let stdoutGuarded = false;

/** `etcdplay run ... | head`: a closed stdout must not kill the run (the journal still gets it all). */
function ignoreClosedStdout(): void {
  if (stdoutGuarded) return;
  stdoutGuarded = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

export async function runReporterAndEngine(
  reporter: Reporter,
  runDir: string,
  json: boolean,
  go: (onEvent: (e: EngineEvent) => void, signal: AbortSignal, hardSignal: AbortSignal) => Promise<{ exitCode: number; after?: string }>,
): Promise<number> {
  const journal = new RunDirReporter(runDir);
  const all = tee(reporter, journal);
  const intr = interruptController();
  ignoreClosedStdout();
  try {
    const { exitCode, after } = await go((e) => all.handle(e), intr.signal, intr.hardSignal);
    await all.close();
    (json ? process.stderr : process.stdout).write(`run dir: ${runDir}\n`);
    if (after) process.stderr.write(termSafe(after));
    return exitCode;
  } finally {
    intr.dispose();
    await all.close().catch(() => undefined);
    closeLineReader();
  }
}

export async function run(argv: string[]): Promise<number> {
  try {
    return await runCommand(argv);
  } finally {
    closeLineReader();
  }
}

async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(() => parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      tags: { type: 'string', short: 't', multiple: true },
      'skip-tags': { type: 'string', multiple: true },
      'start-at-task': { type: 'string' },
      step: { type: 'boolean' },
      yes: { type: 'boolean', short: 'y' },
      'no-preflight': { type: 'boolean' },
      resume: { type: 'string' },
      'break-lock': { type: 'boolean' },
      'secret-var': { type: 'string', multiple: true },
    },
  }), usage) as { values: Values; positionals: string[] };
  if (values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  const resumeId = values.resume as string | undefined;
  const resume = resumeId ? loadResume(resumeId, values['run-dir'] as string | undefined, positionals) : undefined;
  if (!resume && positionals.length !== 1) throw new ValidationError(`expected exactly one playbook, got ${positionals.length}\n\n${usage}`);
  const file = resume ? resume.playbook.file : positionals[0]!;
  if (!existsSync(file)) throw new ValidationError(`playbook not found: ${file}`);
  const extraVars = { ...(resume?.extraVars ?? {}), ...parseExtraVars(values['extra-vars'] as string[] | undefined) };
  const secretVars = [...new Set([...(resume?.secretVars ?? []), ...((values['secret-var'] as string[] | undefined) ?? [])])];
  for (const n of secretVars) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(n)) throw new ValidationError(`--secret-var: not a variable name: ${JSON.stringify(n)}`);
    if (extraVars[n] === undefined) extraVars[n] = await readSecret(`${n}${resume ? ' (not recorded in the journal, asked again)' : ''}: `);
  }
  for (const [k, v] of Object.entries(parseExtraVars(values['extra-vars'] as string[] | undefined))) {
    if ((secretVars.includes(k) || isSecretName(k)) && v !== undefined) process.stderr.write(`etcdplay: warning: -e ${k}=... puts a secret on this process's command line (visible in ps); use --secret-var ${k} to be asked for it\n`);
  }
  const forks = parseForks(values.forks ?? (resume?.options.forks !== undefined ? String(resume.options.forks) : undefined));
  const invSources = (values.inventory as string[] | undefined) ?? resume?.inventory;
  const inventory = loadInventories(invSources);
  const { playbook, diagnostics } = loadPlaybook(file);
  reportDiagnostics(diagnostics);
  if (!playbook) throw new ValidationError(`could not load ${file}`);
  const limit = (values.limit as string | undefined) ?? resume?.options.limit;
  const tags = splitList(values.tags as string[] | undefined) ?? resume?.options.tags;
  const skipTags = splitList(values['skip-tags'] as string[] | undefined) ?? resume?.options.skipTags;
  const startAtTask = resume ? undefined : (values['start-at-task'] as string | undefined);
  if (!values['no-preflight']) preflight(playbook, inventory, { extraVars, limit, tags, skipTags, check: !!values.check, startAtTask });
  await confirmPlays(playbook, inventory, limit, !!values.yes, extraVars);
  const connect = await connectOptions(values as ConnectFlags);
  let step = !!values.step;
  if (step && !process.stdin.isTTY) {
    process.stderr.write('etcdplay: --step needs a terminal; running without it\n');
    step = false;
  }
  const runId = resume?.runId ?? newRunId();
  const runDir = (values['run-dir'] as string | undefined) ?? defaultRunDir(runId);
  const reporter = await makeReporter({ json: !!values.json, plain: !!values.plain, verbose: !!values.verbose, diff: !!values.diff, step });
  const invArgs = (invSources ?? []).flatMap((i) => ['-i', i]);
  const hint = ['etcdplay run', ...[file, ...invArgs].map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))].join(' ');
  return runReporterAndEngine(reporter, runDir, !!values.json, async (onEvent, signal, hardSignal) => {
    const out = await runPlaybook({
      playbook,
      inventory,
      extraVars,
      check: !!values.check,
      diff: !!values.diff,
      forks,
      limit,
      tags,
      skipTags,
      startAtTask,
      connect,
      runDir,
      runId,
      onEvent,
      signal,
      become: values.become ? true : undefined,
      hardSignal,
      breakLock: !!values['break-lock'],
      journal: { inventory: (invSources ?? []).map((i) => resolve(i)), secretVars, options: { limit, tags, skipTags, forks, become: !!values.become, diff: !!values.diff } },
      commandHint: hint,
      ...(resume ? { resume } : {}),
      ...(step
        ? {
            confirmTask: async (t: { name: string }) => {
              const a = (await ask(`Perform task: TASK: ${t.name} (N)o/(y)es/(c)ontinue: `)).toLowerCase();
              return a.startsWith('y') ? 'yes' : a.startsWith('c') ? 'continue' : 'no';
            },
          }
        : {}),
    });
    return { exitCode: out.exitCode, after: afterRun(out, { file, invArgs, check: !!values.check }) };
  });
}

/** What to print after a run that did not end well: how to resume it, how to roll back. */
export function afterRun(out: { exitCode: number; runId: string; refused?: string }, a: { file: string; invArgs: string[]; check: boolean }): string | undefined {
  if (out.refused) return `\netcdplay: run refused before any change:\n${out.refused}\n`;
  if (out.exitCode === 0 || a.check) return undefined;
  const rollback = join(dirname(a.file), 'etcd-rollback.yml');
  const lines = [
    out.exitCode === 130 ? `\netcdplay: run ${out.runId} was interrupted; the journal is written.` : `\netcdplay: run ${out.runId} did not complete (exit ${out.exitCode}).`,
    `  resume it (completed tasks are not repeated):  etcdplay run --resume ${out.runId}`,
  ];
  if (existsSync(rollback) && /etcd/.test(a.file)) lines.push(`  or roll back to the state before it:           etcdplay run ${rollback} ${a.invArgs.join(' ')} --yes`);
  return lines.join('\n') + '\n';
}

/** The journal of the run to resume, checked: same playbook content, not a rescued or finished run. */
export function loadResume(runId: string, runDirOpt: string | undefined, positionals: string[]): JournalData {
  if (!/^[A-Za-z0-9._-]+$/.test(runId)) throw new ValidationError(`--resume: not a run id: ${JSON.stringify(runId)}`);
  const dir = runDirOpt ?? defaultRunDir(runId);
  let j: JournalData | undefined;
  try {
    j = readJournal(dir);
  } catch (err) {
    throw new ValidationError(`--resume ${runId}: cannot read the journal in ${dir}: ${(err as Error).message}`);
  }
  if (!j) throw new ValidationError(`--resume ${runId}: no journal in ${dir} (runs are recorded under ~/.etcdplay/runs/<id>/journal.json)`);
  if (j.runId !== runId) throw new ValidationError(`--resume ${runId}: the journal in ${dir} belongs to run ${j.runId}`);
  if (positionals.length > 1 || (positionals.length === 1 && resolve(positionals[0]!) !== resolve(j.playbook.file))) {
    throw new ValidationError(`--resume ${runId}: that run played ${j.playbook.file}, not ${positionals.join(' ')} (leave the playbook out to resume)`);
  }
  if (!existsSync(j.playbook.file)) throw new ValidationError(`--resume ${runId}: its playbook ${j.playbook.file} is gone`);
  const now = sha256File(j.playbook.file);
  if (now !== j.playbook.sha256) {
    throw new ValidationError(
      `--resume ${runId}: ${j.playbook.file} changed since that run started (sha256 ${j.playbook.sha256.slice(0, 12)}... -> ${now.slice(0, 12)}...): the recorded progress refers to the old tasks and cannot be mapped safely. Put the old playbook back, or start a new run (check the hosts' state first).`,
    );
  }
  if (j.check) throw new ValidationError(`--resume ${runId}: that was a --check run; nothing to resume`);
  if (j.status === 'ok') throw new ValidationError(`--resume ${runId}: that run completed; nothing to resume`);
  if (j.rescueRan) {
    throw new ValidationError(`--resume ${runId}: a rescue section ran in that run and undid part of its work, so resuming would skip steps that must run again; start a new run`);
  }
  return j;
}
