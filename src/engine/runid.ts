import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** A run id: UTC timestamp plus random suffix, sortable, safe as a directory name. */
export function newRunId(now: Date = new Date()): string {
  const iso = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${iso}-${randomBytes(3).toString('hex')}`;
}

/** Where runs are recorded: $ETCDPLAY_HOME/runs (default ~/.etcdplay/runs). */
export function runsRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.ETCDPLAY_HOME || join(homedir(), '.etcdplay'), 'runs');
}

export function defaultRunDir(runId: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(runsRoot(env), runId);
}
