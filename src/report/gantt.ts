/**
 * The timeline as an SVG Gantt chart (inline in report.html): one row per task, one lane per host
 * inside it, each host's bar coloured by its status; the task's band runs until its slowest host
 * is done (the others waited for it). The span etcd was down is shaded across the chart. Every
 * text goes through `esc`.
 */
import { esc } from './html-escape.js';
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

/** A tick step (ms) giving about 8 ticks over `total`. */
function tickStep(total: number): number {
  const steps = [100, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000];
  return steps.find((s) => total / s <= 10) ?? 7_200_000;
}

export function ganttSvg(tl: Timeline, opts: { down?: { from: number; to?: number } } = {}): string {
  const hosts = tl.hosts.length ? tl.hosts : ['(no host)'];
  const lane = Math.max(2, Math.min(7, Math.floor(42 / hosts.length)));
  const rowH = hosts.length * lane + 8;
  const total = Math.max(tl.totalMs, 1);
  const x = (ms: number) => LABEL_W + (Math.max(0, ms) / total) * PLOT_W;
  const top = 24;
  const height = top + tl.tasks.length * rowH + PAD + 4;
  const width = LABEL_W + PLOT_W + PAD;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" id="timeline" class="gantt" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="timeline of every task on every host">`);
  // time axis
  const step = tickStep(total);
  for (let t = 0; t <= total; t += step) {
    out.push(`<line x1="${x(t).toFixed(1)}" y1="${top - 4}" x2="${x(t).toFixed(1)}" y2="${height - PAD}" class="tick"/>`);
    out.push(`<text x="${x(t).toFixed(1)}" y="${top - 8}" class="axis">${esc(offset(t))}</text>`);
  }
  if (opts.down) {
    const to = opts.down.to ?? total;
    out.push(`<rect x="${x(opts.down.from).toFixed(1)}" y="${top - 4}" width="${Math.max(1, x(to) - x(opts.down.from)).toFixed(1)}" height="${height - top - PAD + 4}" class="down"><title>${esc(`etcd down ${duration(to - opts.down.from)}${opts.down.to === undefined ? ' (no healthy gate after the stop)' : ''}`)}</title></rect>`);
  }
  for (const s of tl.starts.slice(1)) out.push(`<line x1="${x(s).toFixed(1)}" y1="${top - 4}" x2="${x(s).toFixed(1)}" y2="${height - PAD}" class="restart"><title>resumed</title></line>`);
  tl.tasks.forEach((t, i) => {
    const y = top + i * rowH;
    const name = t.task.length > 52 ? `${t.task.slice(0, 51)}…` : t.task;
    out.push(`<g class="task" data-task="${esc(t.taskId)}">`);
    if (i % 2 === 0) out.push(`<rect x="0" y="${y}" width="${width}" height="${rowH}" class="stripe"/>`);
    out.push(`<text x="${LABEL_W - 6}" y="${y + rowH / 2 + 4}" class="label">${esc(name)}<title>${esc(`${t.task} (${t.module ?? 'task'}): ${duration(t.end - t.start)}`)}</title></text>`);
    out.push(`<rect x="${x(t.start).toFixed(1)}" y="${y + 2}" width="${Math.max(1, x(t.end) - x(t.start)).toFixed(1)}" height="${rowH - 4}" class="band"/>`);
    for (const h of t.hosts) {
      const li = Math.max(0, hosts.indexOf(h.host));
      const colour = STATUS_COLOURS[h.status] ?? '#888';
      const w = Math.max(1.5, x(h.end) - x(h.start));
      out.push(`<rect x="${x(h.start).toFixed(1)}" y="${y + 4 + li * lane}" width="${w.toFixed(1)}" height="${Math.max(1, lane - 1)}" fill="${colour}" class="bar"><title>${esc(`${h.host}${h.runsOn ? ` -> ${h.runsOn}` : ''}: ${t.task}: ${h.status}, ${duration(h.end - h.start)} (${offset(h.start)} - ${offset(h.end)})`)}</title></rect>`);
    }
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('\n');
}

/** The legend under the chart: status colours and the host lanes. */
export function ganttLegend(tl: Timeline): string {
  const items = Object.entries(STATUS_COLOURS).map(([s, c]) => `<span class="key"><i style="background:${c}"></i>${esc(s)}</span>`);
  return `<p class="legend">${items.join(' ')} <span class="key"><i class="downkey"></i>etcd down</span><br>lanes in each row, top to bottom: ${esc(tl.hosts.join(', '))}${tl.estimated ? '<br><b>times estimated</b>: this run was recorded without event times (tasks placed one after the other, each host for its duration)' : ''}</p>`;
}
