/**
 * When every task ran on every host, from a run's events: the spans of the Gantt chart and the
 * clock of the summary. Events carry `at` (ms since their run.start); a resumed run appends a
 * second run.start to the same events.jsonl, placed by its wall-clock `time`. Runs recorded before
 * `at` existed are estimated: tasks run one after the other (the linear strategy), each host from
 * its task's start for its `durationMs`, and the timeline says so.
 */
import type { EngineEvent } from '../model/event.js';
import type { HostStatus } from '../model/result.js';

export interface HostSpan {
  taskId: string;
  task: string;
  module?: string;
  host: string;
  /** The host the work ran on, when delegated or run_once. */
  runsOn?: string;
  status: HostStatus;
  /** ms since the first run.start */
  start: number;
  end: number;
}

export interface TaskSpan {
  taskId: string;
  task: string;
  module?: string;
  play: number;
  start: number;
  end: number;
  hosts: HostSpan[];
}

export interface Timeline {
  /** Wall clock of the first run.start (ISO), if any. */
  startedAt?: string;
  tasks: TaskSpan[];
  /** Every host named by the run, in order of appearance. */
  hosts: string[];
  /** ms from the first run.start to the last event seen. */
  totalMs: number;
  /** Some times were estimated (events without `at`). */
  estimated: boolean;
  /** The run.start of each (re)start, ms since the first. */
  starts: number[];
}

export function buildTimeline(events: Iterable<EngineEvent>): Timeline {
  const tl: Timeline = { tasks: [], hosts: [], totalMs: 0, estimated: false, starts: [] };
  const hostSeen = new Set<string>();
  const addHost = (h: string) => {
    if (!hostSeen.has(h)) (hostSeen.add(h), tl.hosts.push(h));
  };
  let t0: number | undefined;
  let offset = 0;
  let cursor = 0;
  const open = new Map<string, TaskSpan>();
  const hostStart = new Map<string, number>();
  const when = (e: EngineEvent): number | undefined => (e.at === undefined ? undefined : offset + e.at);
  for (const e of events) {
    const at = when(e);
    switch (e.type) {
      case 'run.start': {
        const wall = Date.parse(e.time);
        if (t0 === undefined) {
          t0 = Number.isFinite(wall) ? wall : 0;
          tl.startedAt = e.time;
          offset = 0;
        } else offset = Number.isFinite(wall) ? Math.max(wall - t0, cursor) : cursor;
        cursor = offset;
        tl.starts.push(offset);
        for (const h of e.hosts) addHost(h);
        break;
      }
      case 'task.start': {
        const start = at ?? cursor;
        if (at === undefined) tl.estimated = true;
        const span: TaskSpan = { taskId: e.taskId, task: e.name, play: e.play, start, end: start, hosts: [], ...(e.module ? { module: e.module } : {}) };
        open.set(e.taskId, span);
        tl.tasks.push(span);
        break;
      }
      case 'host.start':
        if (at !== undefined) hostStart.set(`${e.taskId}\u0000${e.host}`, at);
        break;
      case 'host.end': {
        addHost(e.host);
        const t = open.get(e.taskId);
        const k = `${e.taskId}\u0000${e.host}`;
        const dur = Math.max(0, Number(e.durationMs) || 0);
        let start: number;
        let end: number;
        if (at !== undefined) {
          end = at;
          start = hostStart.get(k) ?? Math.max(t?.start ?? 0, end - dur);
        } else {
          start = t?.start ?? cursor;
          end = start + dur;
        }
        hostStart.delete(k);
        const runsOn = typeof e.result?.runsOn === 'string' && e.result.runsOn !== e.host ? e.result.runsOn : undefined;
        const span: HostSpan = { taskId: e.taskId, task: t?.task ?? e.taskId, host: e.host, status: e.status, start, end, ...(t?.module ? { module: t.module } : {}), ...(runsOn ? { runsOn } : {}) };
        if (t) {
          t.hosts.push(span);
          t.end = Math.max(t.end, end);
        }
        cursor = Math.max(cursor, end);
        break;
      }
      case 'task.end': {
        const t = open.get(e.taskId);
        if (t) {
          if (at !== undefined) t.end = Math.max(t.end, at);
          open.delete(e.taskId);
          cursor = Math.max(cursor, t.end);
        }
        break;
      }
      case 'run.end':
        if (at !== undefined) cursor = Math.max(cursor, at);
        else if (tl.starts.length) cursor = Math.max(cursor, tl.starts[tl.starts.length - 1]! + (Number(e.durationMs) || 0));
        break;
      default:
        if (at !== undefined) cursor = Math.max(cursor, at);
        break;
    }
  }
  // a task cut short by an interrupt (no task.end): it ends with its last host
  tl.totalMs = Math.max(cursor, ...tl.tasks.map((t) => t.end));
  return tl;
}
