/**
 * etcdplay's own overhead in a recorded run: wall time minus the time the hosts spent in tasks.
 * For each task, the hosts run in parallel, so the task's cost on the critical path is the longest
 * host's duration (commands, transfers, their SSH round trips); what is left of the wall time is
 * etcdplay itself: loading, planning, scheduling, connecting, the journal and the lock.
 *
 *   node --import tsx bench/overhead.ts ~/.etcdplay/runs/<id> [...]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

for (const dir of process.argv.slice(2)) {
  const events = readFileSync(join(dir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const start = events.find((e) => e.type === 'run.start');
  const end = events.find((e) => e.type === 'run.end');
  if (!start || !end) { console.log(`${dir}: incomplete run`); continue; }
  const perTask = new Map<string, number>();
  let batch = '';
  for (const e of events) {
    // with serial, the same task runs once per batch, one batch after the other
    if (e.type === 'batch.start') batch = `${e.play}.${e.batch}`;
    if (e.type === 'host.end') {
      const k = `${batch}/${e.taskId}`;
      perTask.set(k, Math.max(perTask.get(k) ?? 0, e.durationMs ?? 0));
    }
  }
  const inTasks = [...perTask.values()].reduce((a, b) => a + b, 0);
  const wall = end.durationMs as number;
  const over = Math.max(0, wall - inTasks);
  console.log(`${start.playbook}: wall ${(wall / 1000).toFixed(1)} s, in tasks ${(inTasks / 1000).toFixed(1)} s, etcdplay overhead ${(over / 1000).toFixed(2)} s (${((100 * over) / wall).toFixed(1)}%), ${perTask.size} task runs, ${start.hosts.length} hosts, exit ${end.exitCode}`);
}
