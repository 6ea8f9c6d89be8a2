/**
 * report.html: one self-contained page (inline CSS and SVG, no script, no network resource) an
 * operator can attach to a postmortem: the summary, the Gantt timeline, the etcd status tables,
 * the failures with their output, the warnings and the plan that was run. Rendered from a run's
 * events (and, when the run dir has them, its journal.json and plan.txt); every text through `esc`.
 */
import type { EngineEvent } from '../model/event.js';
import { STATUS_COLUMNS, statusCells, statusHeadline } from './etcd-status.js';
import { ganttLegend, ganttSvg } from './gantt.js';
import { esc } from './html-escape.js';
import { summarize, type RunSummaryView } from './summary.js';
import { duration, offset, summaryPairs } from './summary-text.js';

export interface ReportInput {
  events: readonly EngineEvent[];
  /** journal.json of the run dir, if any (playbook, inventory, extra vars without secrets, options). */
  journal?: unknown;
  /** plan.txt of the run dir, if any. */
  plan?: string;
  /** Lines of events.jsonl that could not be read (a run killed mid-write). */
  badLines?: number;
}

const MAX_OUTPUT = 20_000;

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1d232a;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #d5dbe1;padding-bottom:4px}
.sub{color:#5b6672;margin:0 0 16px}
dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
dl.summary dt{font-weight:600;color:#3b4651}dl.summary dd{margin:0;white-space:pre-wrap;word-break:break-word}
.outcome-ok{color:#1e7a3f}.outcome-rescued{color:#7d3ba3}.outcome-failed,.outcome-interrupted,.outcome-unfinished{color:#b3261e}
code,pre,.mono{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace;font-size:12.5px}
pre{background:#f5f7f9;border:1px solid #e1e6eb;padding:8px;overflow:auto;max-height:360px;white-space:pre-wrap;word-break:break-all}
table{border-collapse:collapse;margin:6px 0 14px}caption{caption-side:top;text-align:left;font-weight:600;padding:4px 0}th,td{border:1px solid #d5dbe1;padding:3px 8px;text-align:left}
th{background:#eef2f5;font-weight:600}td.chg{background:#fff1c2;font-weight:600}
table.status caption{caption-side:top;text-align:left;font-weight:600;padding:4px 0}table.status.failed caption{color:#b3261e}
.gantt{max-width:100%;height:auto;display:block}
.gantt .tick{stroke:#e3e7eb}.gantt .restart{stroke:#7d3ba3;stroke-dasharray:4 3}.gantt .axis{font-size:10px;fill:#5b6672;text-anchor:middle}
.gantt .label{font-size:11px;fill:#1d232a;text-anchor:end}.gantt .stripe{fill:#f7f9fb}.gantt .band{fill:#dfe6ee}
.gantt .down{fill:#d0453c;fill-opacity:.10;stroke:#d0453c;stroke-opacity:.5}
.legend{color:#5b6672;font-size:12px}.key{margin-right:10px;white-space:nowrap}.key i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:-1px}
.downkey{background:#d0453c;opacity:.25}
.failure{margin-bottom:14px}.failure h3{font-size:14px;margin:0 0 4px}
`;

export function renderReport(input: ReportInput): string {
  const v = summarize(input.events);
  const title = `etcdplay run ${v.runId ?? '(unknown)'}`;
  const parts: string[] = [];
  parts.push(`<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>${esc(title)}</title>\n<style>${CSS}</style>\n</head>\n<body>`);
  parts.push(`<h1>${esc(title)}</h1>`);
  parts.push(`<p class="sub">${esc(v.playbook ?? '')}${v.startedAt ? ` &middot; started ${esc(v.startedAt)}` : ''}${v.check ? ' &middot; check mode' : ''} &middot; hosts: ${esc(v.timeline.hosts.join(', '))}</p>`);
  parts.push(summarySection(v));
  parts.push('<section id="timeline-section">\n<h2>Timeline</h2>');
  parts.push(v.timeline.tasks.length ? ganttSvg(v.timeline, v.etcd?.down ? { down: v.etcd.down } : {}) + '\n' + ganttLegend(v.timeline) : '<p>No task ran.</p>');
  parts.push('</section>');
  parts.push(tablesSection(v));
  parts.push(failuresSection(v));
  parts.push(warningsSection(input.events));
  parts.push(planSection(input, v));
  if (input.badLines) parts.push(`<p class="legend">${input.badLines} line(s) of events.jsonl could not be read and were left out.</p>`);
  parts.push('</body>\n</html>\n');
  return parts.join('\n');
}

function summarySection(v: RunSummaryView): string {
  const rows = summaryPairs(v).map(([k, val]) => `<dt>${esc(k)}</dt><dd${k === 'outcome' ? ` class="outcome-${v.outcome}"` : k === 'rollback' ? ' class="mono"' : ''}>${esc(val)}</dd>`);
  const recap = v.recap ? recapTable(v.recap) : '';
  return `<section id="summary">\n<h2>${v.etcd ? 'Cluster summary' : 'Summary'}</h2>\n<dl class="summary">\n${rows.join('\n')}\n</dl>\n${recap}</section>`;
}

function recapTable(recap: NonNullable<RunSummaryView['recap']>): string {
  const cols = ['ok', 'changed', 'unreachable', 'failed', 'skipped', 'rescued', 'ignored'] as const;
  const head = `<tr><th>host</th>${cols.map((c) => `<th>${c}</th>`).join('')}</tr>`;
  const body = Object.entries(recap).map(([h, r]) => `<tr><td>${esc(h)}</td>${cols.map((c) => `<td>${esc(r[c])}</td>`).join('')}</tr>`);
  return `<table class="recap"><caption>Play recap</caption>\n${head}\n${body.join('\n')}\n</table>\n`;
}

function tablesSection(v: RunSummaryView): string {
  if (!v.tables.length) return '';
  const tables = v.tables.map((t) => {
    const cells = statusCells(t);
    const head = `<tr>${STATUS_COLUMNS.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`;
    const body = cells.map((row) => `<tr>${row.map((c) => `<td${c.changed ? ' class="chg"' : ''}>${esc(c.text)}</td>`).join('')}</tr>`);
    const at = t.snapshot.at !== undefined ? ` (${offset(t.snapshot.at)})` : '';
    const gone = t.gone.length ? `<p>${esc(`not in this table: ${t.gone.join(', ')}`)}</p>` : '';
    return `<table class="status${t.snapshot.failed ? ' failed' : ''}"><caption>${esc(statusHeadline(t) + at)}</caption>\n${head}\n${body.join('\n')}\n</table>${gone}`;
  });
  return `<section id="status-tables">\n<h2>etcd status tables</h2>\n${tables.join('\n')}\n</section>`;
}

function failuresSection(v: RunSummaryView): string {
  if (!v.failures.length) return '<section id="failures">\n<h2>Failures</h2>\n<p>None.</p>\n</section>';
  const items = v.failures.map((f) => {
    const out = f.output.length > MAX_OUTPUT ? `… (${f.output.length - MAX_OUTPUT} characters cut)\n${f.output.slice(-MAX_OUTPUT)}` : f.output;
    return `<div class="failure"><h3>${esc(`${f.status}: [${f.host}] ${f.task}`)}</h3><p>${esc(f.msg)}</p>${out ? `<pre>${esc(out)}</pre>` : ''}</div>`;
  });
  return `<section id="failures">\n<h2>Failures</h2>\n${items.join('\n')}\n</section>`;
}

function warningsSection(events: readonly EngineEvent[]): string {
  const w = events.filter((e): e is Extract<EngineEvent, { type: 'warning' }> => e.type === 'warning');
  if (!w.length) return '';
  return `<section id="warnings">\n<h2>Warnings</h2>\n<ul>${w.map((x) => `<li>${esc(`${x.host ? `${x.host}: ` : ''}${x.message}`)}</li>`).join('')}</ul>\n</section>`;
}

function planSection(input: ReportInput, v: RunSummaryView): string {
  const out: string[] = ['<section id="plan">\n<h2>Plan that was run</h2>'];
  const j = input.journal && typeof input.journal === 'object' ? (input.journal as Record<string, any>) : undefined;
  if (j) {
    const meta: [string, unknown][] = [
      ['playbook', j.playbook?.file ? `${j.playbook.file} (sha256 ${String(j.playbook.sha256 ?? '?')})` : undefined],
      ['inventory', Array.isArray(j.inventory) ? j.inventory.join(', ') : undefined],
      ['extra vars', j.extraVars && Object.keys(j.extraVars).length ? JSON.stringify(j.extraVars) : undefined],
      ['secret vars', Array.isArray(j.secretVars) && j.secretVars.length ? `${j.secretVars.join(', ')} (values not recorded)` : undefined],
      ['options', j.options && Object.keys(j.options).length ? JSON.stringify(j.options) : undefined],
      ['journal status', j.status !== undefined ? `${String(j.status)}, ${String(j.attempts ?? 1)} start(s)` : undefined],
    ];
    out.push(`<dl class="summary">${meta.filter(([, x]) => x !== undefined).map(([k, x]) => `<dt>${esc(k)}</dt><dd class="mono">${esc(x)}</dd>`).join('')}</dl>`);
  }
  // the tasks as they ran, play by play
  const plays = new Map<number, string>();
  for (const e of input.events) if (e.type === 'play.start') plays.set(e.play, e.name);
  const rows = v.timeline.tasks.map((t) => {
    const counts = new Map<string, number>();
    for (const h of t.hosts) counts.set(h.status, (counts.get(h.status) ?? 0) + 1);
    const st = [...counts].map(([s, n]) => `${s}=${n}`).join(' ');
    return `<tr><td>${esc(plays.get(t.play) ?? t.play)}</td><td>${esc(t.task)}</td><td class="mono">${esc(t.module ?? '')}</td><td>${esc(st)}</td><td>${esc(offset(t.start))}</td><td>${esc(duration(t.end - t.start))}</td></tr>`;
  });
  out.push(`<table class="tasks"><caption>Tasks as they ran</caption>\n<tr><th>play</th><th>task</th><th>module</th><th>hosts</th><th>start</th><th>took</th></tr>\n${rows.join('\n')}\n</table>`);
  if (input.plan) out.push(`<h3>etcdplay plan</h3>\n<pre>${esc(input.plan)}</pre>`);
  else out.push('<p class="legend">The run dir holds no plan.txt (runs recorded before it was written): the tasks above are what ran.</p>');
  out.push('</section>');
  return out.join('\n');
}
