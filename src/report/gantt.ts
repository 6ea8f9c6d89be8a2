/**
 * The timeline as a Gantt chart, as data for the SVG of report.html (the `gantt` partial of
 * `page.hbs.ts` draws it): one row per task, one lane per host inside it, each host's bar coloured
 * by its status; the task's band runs until its slowest host is done (the others waited for it).
 * The span etcd was down is shaded across the chart. Coordinates are ready to print.
 */
import { duration, offset } from './summary-text.js';
import type { Timeline } from './timeline.js';

export const STATUS_COLOURS: Record<string, string> = {
  ok: '#3a9d5d',
  changed: '#d9a21b',
  failed: '#d0453c',
  unreachable: '#8b1e3f',
  skipped: '#9fb6c8',
  rescued: '#a05cc8',
  ignored: '#e08a7e',
};

const LABEL_W = 330;
const PLOT_W = 900;
const PAD = 8;
const TOP = 24;

/** A rectangle, its numbers as printed. */
export interface Rect {
  x: string;
  y: string;
  width: string;
  height: string;
}

export interface GanttRow {
  taskId: string;
  /** Every other row has a background stripe. */
  stripe: Rect | null;
  label: { x: string; y: string; text: string; title: string };
  /** From the task's start to its slowest host's end. */
  band: Rect;
  bars: (Rect & { fill: string; title: string })[];
}

export interface GanttView {
  width: string;
  height: string;
  /** The time axis: a vertical line and its label at each tick. */
  ticks: { x: string; y1: string; y2: string; labelY: string; label: string }[];
  /** The span etcd was down, shaded. */
  down: (Rect & { title: string }) | null;
  /** A line at each resume of the run. */
  restarts: { x: string; y1: string; y2: string }[];
  rows: GanttRow[];
  legend: { keys: { status: string; colour: string }[]; hosts: string; estimated: boolean };
}

/** A tick step (ms) giving about 8 ticks over `total`. */
function tickStep(total: number): number {
  const steps = [100, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000];
  return steps.find((s) => total / s <= 10) ?? 7_200_000;
}

const px = (n: number) => n.toFixed(1);

export function ganttView(tl: Timeline, opts: { down?: { from: number; to?: number } } = {}): GanttView {
  const hosts = tl.hosts.length ? tl.hosts : ['(no host)'];
  const lane = Math.max(2, Math.min(7, Math.floor(42 / hosts.length)));
  const rowH = hosts.length * lane + 8;
  const total = Math.max(tl.totalMs, 1);
  const x = (ms: number) => LABEL_W + (Math.max(0, ms) / total) * PLOT_W;
  const height = TOP + tl.tasks.length * rowH + PAD + 4;
  const width = LABEL_W + PLOT_W + PAD;
  const step = tickStep(total);
  const ticks: GanttView['ticks'] = [];
  for (let t = 0; t <= total; t += step) ticks.push({ x: px(x(t)), y1: String(TOP - 4), y2: String(height - PAD), labelY: String(TOP - 8), label: offset(t) });
  let down: GanttView['down'] = null;
  if (opts.down) {
    const to = opts.down.to ?? total;
    down = {
      x: px(x(opts.down.from)),
      y: String(TOP - 4),
      width: px(Math.max(1, x(to) - x(opts.down.from))),
      height: String(height - TOP - PAD + 4),
      title: `etcd down ${duration(to - opts.down.from)}${opts.down.to === undefined ? ' (no healthy gate after the stop)' : ''}`,
    };
  }
  const rows = tl.tasks.map((t, i): GanttRow => {
    const y = TOP + i * rowH;
    return {
      taskId: t.taskId,
      stripe: i % 2 === 0 ? { x: '0', y: String(y), width: String(width), height: String(rowH) } : null,
      label: {
        x: String(LABEL_W - 6),
        y: String(y + rowH / 2 + 4),
        text: t.task.length > 52 ? `${t.task.slice(0, 51)}…` : t.task,
        title: `${t.task} (${t.module ?? 'task'}): ${duration(t.end - t.start)}`,
      },
      band: { x: px(x(t.start)), y: String(y + 2), width: px(Math.max(1, x(t.end) - x(t.start))), height: String(rowH - 4) },
      bars: t.hosts.map((h) => ({
        x: px(x(h.start)),
        y: String(y + 4 + Math.max(0, hosts.indexOf(h.host)) * lane),
        width: px(Math.max(1.5, x(h.end) - x(h.start))),
        height: String(Math.max(1, lane - 1)),
        fill: STATUS_COLOURS[h.status] ?? '#888',
        title: `${h.host}${h.runsOn ? ` -> ${h.runsOn}` : ''}: ${t.task}: ${h.status}, ${duration(h.end - h.start)} (${offset(h.start)} - ${offset(h.end)})`,
      })),
    };
  });
  return {
    width: String(width),
    height: String(height),
    ticks,
    down,
    restarts: tl.starts.slice(1).map((s) => ({ x: px(x(s)), y1: String(TOP - 4), y2: String(height - PAD) })),
    rows,
    legend: { keys: Object.entries(STATUS_COLOURS).map(([status, colour]) => ({ status, colour })), hosts: tl.hosts.join(', '), estimated: tl.estimated },
  };
}
