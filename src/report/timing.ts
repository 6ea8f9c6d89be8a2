/**
 * Where the time went, for the terminal views (like Ansible's profile_tasks callback): each task's
 * wall time from its start to its end event and its slowest host, the run's total, and the
 * slowest tasks. Measured when the events arrive (the engine emits them as things happen).
 */
import { seconds } from './format.js';

interface Running {
  name: string;
  start: number;
  slowest?: { host: string; ms: number };
  hosts: number;
}

export interface TaskTime {
  name: string;
  ms: number;
  slowest?: { host: string; ms: number };
  hosts: number;
}

export class Timing {
  private readonly running = new Map<string, Running>();
  private readonly done: TaskTime[] = [];

  constructor(private readonly now: () => number = () => performance.now()) {}

  taskStart(taskId: string, name: string): void {
    this.running.set(taskId, { name, start: this.now(), hosts: 0 });
  }

  hostEnd(taskId: string, host: string, durationMs: number): void {
    const r = this.running.get(taskId);
    if (!r) return;
    r.hosts++;
    if (!r.slowest || durationMs > r.slowest.ms) r.slowest = { host, ms: durationMs };
  }

  /** The task's time, or undefined for a task that never started. */
  taskEnd(taskId: string): TaskTime | undefined {
    const r = this.running.get(taskId);
    if (!r) return undefined;
    this.running.delete(taskId);
    const t: TaskTime = { name: r.name, ms: Math.round(this.now() - r.start), hosts: r.hosts, ...(r.slowest ? { slowest: r.slowest } : {}) };
    this.done.push(t);
    return t;
  }

  /** The slowest `n` tasks, slowest first. */
  slowest(n = 5): TaskTime[] {
    return [...this.done].sort((a, b) => b.ms - a.ms).slice(0, n);
  }
}

/** "1.23s (slowest etcd2 1.10s)": the slowest host only when several ran. */
export function taskTimeText(t: TaskTime): string {
  return `${seconds(t.ms)}${t.slowest && t.hosts > 1 ? ` (slowest ${t.slowest.host} ${seconds(t.slowest.ms)})` : ''}`;
}

/** The closing lines: total time and the slowest tasks. */
export function timingSummary(totalMs: number, timing: Timing, n = 5): string[] {
  const top = timing.slowest(n).filter((t) => t.ms >= 10);
  const width = Math.max(0, ...top.map((t) => seconds(t.ms).length));
  return [
    `total ${seconds(totalMs)}${top.length ? '; slowest tasks:' : ''}`,
    ...top.map((t) => `  ${seconds(t.ms).padStart(width)}  ${t.name}${t.slowest && t.hosts > 1 ? ` (slowest ${t.slowest.host} ${seconds(t.slowest.ms)})` : ''}`),
  ];
}
