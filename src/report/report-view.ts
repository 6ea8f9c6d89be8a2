/**
 * What report.html shows, as plain data (no HTML here): the title line, the summary list and the
 * recap, the Gantt timeline (`gantt.ts`), the etcd status tables, the failures with their output,
 * the warnings and the plan that was run. A pure function of a run's events (and, when the run dir
 * has them, its journal.json and plan.txt). `page.ts` renders it with the templates of
 * `page.hbs.ts`, every value escaped by `esc` there.
 */
import type { EngineEvent } from '../model/event.js';
import { STATUS_COLUMNS, statusCells, statusHeadline } from './etcd-status.js';
import { ganttView, type GanttView } from './gantt.js';
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

/** A label and its value; `cls` the value's class ('' for none). */
export interface Pair {
  key: string;
  value: string;
  cls: string;
}

export interface RecapView {
  columns: string[];
  rows: { host: string; cells: string[] }[];
}

export interface StatusTableView {
  /** 'status' or 'status failed' */
  cls: string;
  caption: string;
  columns: string[];
  rows: { cells: { text: string; changed: boolean }[] }[];
  /** Members of the previous table missing from this one ('' when none). */
  gone: string;
}

export interface FailureView {
  title: string;
  msg: string;
  /** The output, its end kept when long ('' when none). */
  output: string;
}

export interface TaskRowView {
  play: string;
  task: string;
  module: string;
  hosts: string;
  start: string;
  took: string;
}

/**
 * The page as data. Every field is present (the templates are compiled strict: a missing one is
 * an error); an optional part is `null`, an empty list or ''.
 */
export interface ReportView {
  title: string;
  playbook: string;
  /** '' when the run start was not recorded. */
  startedAt: string;
  check: boolean;
  hosts: string;
  summary: { heading: string; pairs: Pair[]; recap: RecapView | null };
  /** null when no task ran. */
  timeline: GanttView | null;
  tables: StatusTableView[];
  failures: FailureView[];
  warnings: string[];
  plan: { meta: Pair[]; tasks: TaskRowView[]; text: string };
  /** Lines of events.jsonl left out (0: none). */
  badLines: number;
}

/** The end of a failed task's output shown (the page stays readable, the run dir has it all). */
export const MAX_OUTPUT = 20_000;

const RECAP_COLUMNS = ['ok', 'changed', 'unreachable', 'failed', 'skipped', 'rescued', 'ignored'] as const;

export function reportView(input: ReportInput): ReportView {
  const v = summarize(input.events);
  return {
    title: `etcdplay run ${v.runId ?? '(unknown)'}`,
    playbook: v.playbook ?? '',
    startedAt: v.startedAt ?? '',
    check: v.check,
    hosts: v.timeline.hosts.join(', '),
    summary: summaryView(v),
    timeline: v.timeline.tasks.length ? ganttView(v.timeline, v.etcd?.down ? { down: v.etcd.down } : {}) : null,
    tables: tablesView(v),
    failures: v.failures.map((f) => ({
      title: `${f.status}: [${f.host}] ${f.task}`,
      msg: f.msg,
      output: f.output.length > MAX_OUTPUT ? `… (${f.output.length - MAX_OUTPUT} characters cut)\n${f.output.slice(-MAX_OUTPUT)}` : f.output,
    })),
    warnings: input.events.flatMap((e) => (e.type === 'warning' ? [`${e.host ? `${e.host}: ` : ''}${e.message}`] : [])),
    plan: planView(input, v),
    badLines: input.badLines ?? 0,
  };
}

function summaryView(v: RunSummaryView): ReportView['summary'] {
  const pairs = summaryPairs(v).map(([key, value]) => ({ key, value, cls: key === 'outcome' ? `outcome-${v.outcome}` : key === 'rollback' ? 'mono' : '' }));
  const recap = v.recap
    ? { columns: [...RECAP_COLUMNS], rows: Object.entries(v.recap).map(([host, r]) => ({ host, cells: RECAP_COLUMNS.map((c) => String(r[c])) })) }
    : null;
  return { heading: v.etcd ? 'Cluster summary' : 'Summary', pairs, recap };
}

function tablesView(v: RunSummaryView): StatusTableView[] {
  return v.tables.map((t) => ({
    cls: t.snapshot.failed ? 'status failed' : 'status',
    caption: statusHeadline(t) + (t.snapshot.at !== undefined ? ` (${offset(t.snapshot.at)})` : ''),
    columns: [...STATUS_COLUMNS],
    rows: statusCells(t).map((row) => ({ cells: row.map((c) => ({ text: c.text, changed: !!c.changed })) })),
    gone: t.gone.length ? `not in this table: ${t.gone.join(', ')}` : '',
  }));
}

function planView(input: ReportInput, v: RunSummaryView): ReportView['plan'] {
  const j = input.journal && typeof input.journal === 'object' ? (input.journal as Record<string, any>) : undefined;
  const meta: Pair[] = [];
  if (j) {
    const all: [string, string | undefined][] = [
      ['playbook', j.playbook?.file ? `${j.playbook.file} (sha256 ${String(j.playbook.sha256 ?? '?')})` : undefined],
      ['inventory', Array.isArray(j.inventory) ? j.inventory.join(', ') : undefined],
      ['extra vars', j.extraVars && Object.keys(j.extraVars).length ? JSON.stringify(j.extraVars) : undefined],
      ['secret vars', Array.isArray(j.secretVars) && j.secretVars.length ? `${j.secretVars.join(', ')} (values not recorded)` : undefined],
      ['options', j.options && Object.keys(j.options).length ? JSON.stringify(j.options) : undefined],
      ['journal status', j.status !== undefined ? `${String(j.status)}, ${String(j.attempts ?? 1)} start(s)` : undefined],
    ];
    for (const [key, value] of all) if (value !== undefined) meta.push({ key, value, cls: 'mono' });
  }
  // the tasks as they ran, play by play
  const plays = new Map<number, string>();
  for (const e of input.events) if (e.type === 'play.start') plays.set(e.play, e.name);
  const tasks = v.timeline.tasks.map((t) => {
    const counts = new Map<string, number>();
    for (const h of t.hosts) counts.set(h.status, (counts.get(h.status) ?? 0) + 1);
    return {
      play: plays.get(t.play) ?? String(t.play),
      task: t.task,
      module: t.module ?? '',
      hosts: [...counts].map(([s, n]) => `${s}=${n}`).join(' '),
      start: offset(t.start),
      took: duration(t.end - t.start),
    };
  });
  return { meta, tasks, text: input.plan ?? '' };
}
