import type { Recap } from '../model/result.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 2;
export const EXIT_UNREACHABLE = 4;
export const EXIT_INTERRUPTED = 130;

/** 130 interrupted, else 2 if any host failed, else 4 if any host was unreachable, else 0. */
export function exitCodeFor(recap: Record<string, Recap>, interrupted: boolean, failedRun = false): number {
  if (interrupted) return EXIT_INTERRUPTED;
  const all = Object.values(recap);
  if (failedRun || all.some((r) => r.failed > 0)) return EXIT_FAILED;
  if (all.some((r) => r.unreachable > 0)) return EXIT_UNREACHABLE;
  return EXIT_OK;
}

export function emptyRecap(): Recap {
  return { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };
}
