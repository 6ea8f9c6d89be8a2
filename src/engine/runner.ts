/**
 * A whole run: the run state set up (secrets, journal, --resume), the host-key preflight, the
 * run lock, the plays in order (strategy.ts), then, whatever happened, the journal's final
 * status, the locks released, the connections closed and the recap.
 *
 * The engine's files by role: runner.ts (this: the run), strategy.ts (plays, batches, blocks,
 * handlers, failure policy), task.ts (one task on the hosts of a list), host-task.ts (one task on
 * one host: loop, retries, steps, result), gather.ts (facts), runlock.ts (the run lock),
 * runjournal.ts (journal and --resume), secrets.ts (redaction, no_log), recap.ts (counts, exit
 * status), state.ts (the RunState every part is given).
 */
import { isLocalHost } from '../connection/factory.js';
import { weakerHostKeyChecking } from '../connection/settings.js';
import type { Play } from '../model/playbook.js';
import { playHosts, playbookInventory } from '../plan/hosts.js';
import { playInheritance } from '../plan/inherit.js';
import { reachVars } from '../plan/reach.js';
import { Redactor } from '../template/secret.js';
import { Connections } from './connections.js';
import { runExitCode, runStatus } from './recap.js';
import { newRunId } from './runid.js';
import { journalWarning, flushJournal, openJournal, restoreResumed } from './runjournal.js';
import { lockAll, noLocks, unlockAll } from './runlock.js';
import { seedSecrets } from './secrets.js';
import { emit, hostState, stopping, unlimitedListeners, varsOf, type RunState } from './state.js';
import { runPlay } from './strategy.js';
import type { RunOptions, RunOutcome } from './types.js';
import { varOrigin } from './varorigin.js';

/** The state of a new run (or of the run --resume continues). */
export function createRunState(opts: RunOptions): RunState {
  const runId = opts.runId ?? newRunId();
  const redactor = new Redactor();
  const { extraVars, secretVars } = seedSecrets(redactor, opts);
  const conns = new Connections({
    ...opts.connect,
    onWarning: (message) => {
      opts.connect.onWarning?.(message);
      emit(rs, { type: 'warning', message });
    },
  });
  const rs: RunState = {
    opts,
    runId,
    t0: Date.now(),
    forks: opts.forks > 0 ? opts.forks : 10,
    redactor,
    conns,
    journal: openJournal(opts, runId, extraVars, secretVars),
    hosts: new Map(),
    recap: {},
    interrupted: false,
    failedRun: false,
    stopRun: false,
    started: !opts.startAtTask || !!opts.resume,
    stepMode: !!opts.confirmTask,
    playHosts: [],
    batch: [],
  };
  if (opts.resume) restoreResumed(rs);
  rs.journal.onError = journalWarning(rs);
  unlimitedListeners(opts.signal, opts.hardSignal);
  return rs;
}

/** Run a playbook: every outcome is an EngineEvent; resolves with the exit code and the recap. */
export async function runPlaybook(given: RunOptions): Promise<RunOutcome> {
  const opts: RunOptions = { ...given, inventory: playbookInventory(given.playbook, given.inventory, given.extraVars).inventory };
  const rs = createRunState(opts);
  const { playbook, inventory } = opts;
  const allHosts = new Set<string>();
  const perPlay: string[][] = [];
  for (const play of playbook.plays) {
    const hs = playHosts(play, inventory, opts.limit);
    perPlay.push(hs);
    hs.forEach((h) => allHosts.add(h));
  }
  for (const h of allHosts) hostState(rs, h);
  rs.startedAt = Date.now();
  const inv = opts.journal?.inventory;
  emit(rs, { type: 'run.start', runId: rs.runId, runDir: opts.runDir, playbook: playbook.file, check: opts.check, hosts: [...allHosts], time: new Date(rs.startedAt).toISOString(), ...(inv?.length ? { inventory: inv } : {}) });
  const locks = noLocks();
  let crash: unknown;
  let refused: string | undefined;
  await flushJournal(rs);
  try {
    refused = hostKeyPreflight(rs, playbook.plays, perPlay);
    if (!refused && (opts.lock ?? !opts.check)) refused = await lockAll(rs, locks, playbook.plays, perPlay);
    if (refused) {
      emit(rs, { type: 'warning', message: refused });
      rs.failedRun = true;
    } else {
      for (const play of playbook.plays) {
        if (stopping(rs)) break;
        await runPlay(rs, play, perPlay[play.index] ?? playHosts(play, inventory, opts.limit));
      }
    }
  } catch (err) {
    // A bug, not a host problem: still end the run properly (recap, journal), then rethrow.
    crash = err;
    rs.failedRun = true;
    emit(rs, { type: 'warning', message: `internal error: ${(err as Error)?.stack ?? String(err)}` });
  } finally {
    if (opts.signal?.aborted) rs.interrupted = true;
    const status = runStatus(rs, refused);
    // A refused run keeps the journal of the run it was meant to resume untouched.
    if (!(refused && opts.resume)) {
      rs.journal.data.status = status;
      await flushJournal(rs);
    }
    await rs.journal.close().catch(journalWarning(rs));
    await unlockAll(rs, locks, status).catch(() => undefined);
    await rs.conns.closeAll();
  }
  const exitCode = runExitCode(rs, refused);
  emit(rs, { type: 'run.end', runId: rs.runId, recap: rs.recap, exitCode, interrupted: rs.interrupted, durationMs: Date.now() - rs.t0 });
  if (crash) throw crash;
  return { exitCode, recap: rs.recap, runId: rs.runId, ...(refused ? { refused } : {}) };
}

/**
 * Refuse the run, before any connection, when a host's variables (inventory, play vars, -e)
 * would weaken host-key checking below the operator's --host-key-checking: what, where, the fix.
 */
function hostKeyPreflight(rs: RunState, plays: Play[], perPlay: string[][]): string | undefined {
  const problems = new Set<string>();
  for (const play of plays) {
    for (const h of perPlay[play.index] ?? []) {
      try {
        const vars = reachVars(varsOf(rs, play, h, undefined, {}), playInheritance(play));
        if (isLocalHost(h, vars)) continue;
        const w = weakerHostKeyChecking(h, vars, rs.opts.connect);
        if (w) problems.add(`  ${w.message}.\n    ${w.variable} is set in ${varOrigin(w.variable, { extraVars: rs.opts.extraVars, play, inventory: rs.opts.inventory, host: h })}`);
      } catch {
        /* vars that do not render, or a bad ansible_connection: the host's first task reports it */
      }
    }
  }
  return problems.size ? `refusing to run, nothing was contacted: host-key checking would be weakened by a file\n${[...problems].join('\n')}` : undefined;
}
