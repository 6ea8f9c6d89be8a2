/**
 * `etcdplay run PLAYBOOK -i INV [...]`: load (diagnostics -> exit 2, nothing contacted), confirm
 * destructive plays, then run through the engine with a reporter (listr2 live view on a TTY,
 * plain lines otherwise, --json for NDJSON events) plus the run directory journal.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultRunDir, newRunId, runPlaybook } from '../../engine/index.js';
import { ValidationError } from '../../errors.js';
import { loadPlaybook } from '../../load/playbook.js';
import { dirname, join, resolve } from 'node:path';
import { readJournal, sha256File, type JournalData } from '../../engine/journal.js';
import { isSecretName } from '../../template/secret.js';
import { parseExtraVars } from '../extravars.js';
import { parseCli } from '../args.js';
import { COMMON_OPTIONS, connectOptions, parseForks, splitList, type ConnectFlags } from '../options.js';
import { ask, readSecret, closeLineReader } from '../prompt.js';
import { confirmPlays, loadInventories, makeReporter, planText, preflight, reportDiagnostics, runReporterAndEngine } from '../session.js';

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

type Values = Record<string, string | boolean | string[] | undefined>;

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
  const plan = values['no-preflight'] ? undefined : preflight(playbook, inventory, { extraVars, limit, tags, skipTags, check: !!values.check, startAtTask });
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
  }, plan ? { plan: planText(plan, playbook, inventory, extraVars, secretVars) } : {});
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
