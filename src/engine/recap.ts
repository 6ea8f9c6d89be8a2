/**
 * The recap: how a result counts (ok, changed, skipped, ignored, failed, unreachable), each
 * host's counters, and what the whole run ends as (journal status, exit code).
 */
import type { TaskResult } from '../model/result.js';
import type { Inherited } from '../plan/inherit.js';
import { exitCodeFor } from './exitcode.js';
import type { JournalStatus } from './journal.js';
import { hostState, type HostOutcome, type RunState } from './state.js';

/** A task's result as a host status, with ignore_errors / ignore_unreachable applied. */
export function statusOf(eff: Inherited, r: TaskResult): HostOutcome {
  if (r.unreachable) return { status: eff.ignoreUnreachable ? 'ignored' : 'unreachable', result: r };
  if (r.failed) return { status: eff.ignoreErrors ? 'ignored' : 'failed', result: r };
  if (r.skipped) return { status: 'skipped', result: r };
  return { status: r.changed ? 'changed' : 'ok', result: r };
}

/** Count an outcome in the recap and mark unreachable hosts. Failures inside a block with a rescue are not counted (yet). */
export function account(rs: RunState, h: string, out: HostOutcome, inh: Inherited): void {
  const r = rs.recap[h]!;
  switch (out.status) {
    case 'ok':
      r.ok++;
      break;
    case 'changed':
      r.ok++;
      r.changed++;
      break;
    case 'skipped':
      r.skipped++;
      break;
    case 'ignored':
      // As Ansible counts it: an ignored failure is also ok (and changed when it changed something).
      r.ignored++;
      if (!out.result.unreachable) {
        r.ok++;
        if (out.result.changed) r.changed++;
      }
      break;
    case 'unreachable':
      r.unreachable++;
      hostState(rs, h).dead = 'unreachable';
      break;
    case 'failed':
      if (!inh.rescuable) r.failed++;
      break;
    case 'rescued':
      r.rescued++;
      break;
  }
}

/** What the run ends as, for the journal (and the lock's marker). */
export function runStatus(rs: RunState, refused: string | undefined): JournalStatus {
  if (refused) return 'refused';
  if (rs.interrupted) return 'interrupted';
  if (exitCodeFor(rs.recap, false, rs.failedRun) === 0) return 'ok';
  return Object.values(rs.recap).some((r) => r.failed > 0) || rs.failedRun ? 'failed' : 'unreachable';
}

/** The run's exit code: a refused run is 4 when a host was unreachable for the lock, else 2. */
export function runExitCode(rs: RunState, refused: string | undefined): number {
  if (refused) return refused.includes('unreachable') ? 4 : 2;
  return exitCodeFor(rs.recap, rs.interrupted, rs.failedRun);
}
