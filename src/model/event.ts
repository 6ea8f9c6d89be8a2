import type { HostStatus, Recap, TaskResult } from './result.js';

/**
 * The engine speaks only in events; reporters (listr2, plain, JSON lines, run dir) consume them.
 * Every event is JSON-serialisable and carries no secrets (the engine redacts before emitting).
 */
export type EngineEvent = EngineEventBody & {
  /**
   * Additive: milliseconds since this run's run.start (whose `time` is the wall clock then), set
   * by the engine on every event; absent in runs recorded before it (the report estimates).
   */
  at?: number;
};

export type EngineEventBody =
  /** `inventory` (additive): the inventory sources, as given to the engine (for the rollback hint). */
  | { type: 'run.start'; runId: string; runDir: string; playbook: string; check: boolean; hosts: string[]; time: string; inventory?: string[] }
  | { type: 'play.start'; play: number; name: string; hosts: string[] }
  | { type: 'batch.start'; play: number; batch: number; hosts: string[] }
  | { type: 'task.start'; play: number; taskId: string; name: string; module?: string; hosts: string[] }
  | { type: 'host.start'; taskId: string; host: string; runsOn?: string }
  | { type: 'host.output'; taskId: string; host: string; stream: 'stdout' | 'stderr'; line: string }
  | { type: 'host.progress'; taskId: string; host: string; bytes: number; total: number }
  | { type: 'host.end'; taskId: string; host: string; status: HostStatus; result: TaskResult; durationMs: number }
  | { type: 'task.end'; play: number; taskId: string }
  | { type: 'handler.notify'; host: string; handler: string }
  | { type: 'play.end'; play: number }
  | { type: 'warning'; message: string; host?: string }
  /** Worth knowing, nothing wrong (e.g. the run lock was taken). */
  | { type: 'note'; message: string; host?: string }
  | { type: 'run.end'; runId: string; recap: Record<string, Recap>; exitCode: number; interrupted: boolean; durationMs: number };

export type EventSink = (event: EngineEvent) => void;
