/** One CLI run session, shared by `run` and `adhoc`: inventories, diagnostics, the offline preflight, confirmation, the reporter, interrupts, and the engine. */
import { termSafe, termSafeDeep } from '../template/terminal.js';
import { existsSync } from 'node:fs';
import { ValidationError } from '../errors.js';
import { formatDiagnostics, hasErrors } from '../load/diagnostics.js';
import { loadInventory } from '../load/inventory.js';
import type { EngineEvent } from '../model/event.js';
import type { Inventory } from '../model/inventory.js';
import type { Playbook } from '../model/playbook.js';
import type { Diagnostic } from '../model/source.js';
import type { Vars } from '../model/vars.js';
import { buildPlan, confirmText, type PlanOptions } from '../plan/build.js';
import { formatPlan } from '../plan/format.js';
import { planRedactor } from '../plan/secrets.js';
import type { Plan } from '../model/plan.js';
import { playHosts } from '../plan/hosts.js';
import { colorEnabled } from '../report/color.js';
import { JsonReporter } from '../report/json.js';
import { PlainReporter } from '../report/plain.js';
import type { Reporter } from '../report/reporter.js';
import { tee } from '../report/reporter.js';
import { RunDirReporter } from '../report/rundir.js';
import { ask, closeLineReader } from './prompt.js';

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
export function preflight(pb: Playbook, inv: Inventory, opts: PlanOptions): Plan {
  const { plan, diagnostics } = buildPlan(pb, inv, opts);
  // A play whose pattern matches no host is skipped at run time (as Ansible does), not fatal.
  const errors = diagnostics
    .filter((d) => d.severity === 'error')
    .map((d) => (d.code === 'no-hosts' ? { ...d, severity: 'warning' as const } : d));
  reportDiagnostics(errors);
  return plan;
}

/** The plan as `etcdplay plan` prints it (no colour), secrets as <secret:NAME>: kept in the run dir as plan.txt for the report. */
export function planText(plan: Plan, pb: Playbook, inv: Inventory, extraVars: Vars, secretVars: string[] = []): string {
  const r = planRedactor(pb, inv, extraVars);
  for (const n of secretVars) if (extraVars[n] !== undefined) r.add(extraVars[n], n);
  return r.text(formatPlan(termSafeDeep(plan), { color: false }));
}

export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return !!env.CI && env.CI !== 'false' && env.CI !== '0';
}

/** Pick the view: --json, plain (no TTY, CI, --plain, --step), or the listr2 live view (loaded only then). */
export async function makeReporter(v: { json?: boolean; plain?: boolean; verbose?: boolean; diff?: boolean; step?: boolean }): Promise<Reporter> {
  const color = colorEnabled(process.stdout);
  if (v.json) return new JsonReporter();
  if (v.plain || v.step || v.verbose || !process.stdout.isTTY || isCi()) return new PlainReporter({ color, verbose: !!v.verbose, diff: !!v.diff });
  const { LiveReporter } = await import('../report/live.js');
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
  extras: { plan?: string } = {},
): Promise<number> {
  const journal = new RunDirReporter(runDir, extras);
  const all = tee(reporter, journal);
  const intr = interruptController();
  ignoreClosedStdout();
  try {
    const { exitCode, after } = await go((e) => all.handle(e), intr.signal, intr.hardSignal);
    await all.close();
    (json ? process.stderr : process.stdout).write(`run dir: ${runDir}\n${journal.reportFile ? `report: ${journal.reportFile}\n` : ''}`);
    if (after) process.stderr.write(termSafe(after));
    return exitCode;
  } finally {
    intr.dispose();
    await all.close().catch(() => undefined);
    closeLineReader();
  }
}

