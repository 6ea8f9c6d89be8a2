/**
 * The etcd status tables of a run, from its events: every task of a status module (etcd_status,
 * the preflight gate, the health gates) that returned the members' `endpoint status` rows becomes
 * one snapshot, compared with the previous snapshot of the same run (version, leader, member ids,
 * revision). Pure: the terminal views feed it events as they come (`StatusTracker`), the summary
 * and the HTML page feed it a whole events.jsonl (`statusSnapshots`).
 */
import type { EngineEvent } from '../model/event.js';
import { humanSize } from '../modules/etcd/parse.js';
import { makeChalk } from './color.js';

/** The modules whose results carry status rows, and where: etcd_status/etcd_preflight `data.rows`, etcd_wait_healthy `data.status`. */
export const STATUS_MODULES = new Set(['etcd_status', 'etcd_preflight', 'etcd_wait_healthy']);

export interface StatusRow {
  endpoint: string;
  /** The inventory host of this endpoint when an etcd_facts result named it, else the endpoint. */
  member: string;
  id: string;
  version: string;
  isLeader: boolean;
  revision: number;
  raftTerm: number;
  raftIndex: number;
  dbSize: number;
  errors: string[];
}

export type StatusField = 'version' | 'leader' | 'member ids' | 'revision';

export interface StatusSnapshot {
  taskId: string;
  task: string;
  module: string;
  /** The gate failed (the rows are what it saw). */
  failed: boolean;
  /** ms since run.start when the task ended (absent in old runs). */
  at?: number;
  rows: StatusRow[];
  /** Endpoints that did not answer. */
  missing: string[];
}

/** How a row differs from the same endpoint in the previous table: the old values. */
export interface RowChange {
  version?: string;
  id?: string;
  revision?: number;
  wasLeader?: boolean;
  becameLeader?: boolean;
  added?: boolean;
}

export interface StatusView {
  snapshot: StatusSnapshot;
  previous?: StatusSnapshot;
  /** What changed since the previous table (empty when nothing did, or for the first one). */
  changed: StatusField[];
  rows: Map<string, RowChange>;
  /** Endpoints in the previous table that are gone from this one. */
  gone: string[];
}

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : Number(v) || 0);

/** Status rows from a result's data, read defensively (old runs, other versions). */
export function rowsOf(module: string | undefined, data: unknown, members: Map<string, string> = new Map()): StatusRow[] | undefined {
  if (!module || !STATUS_MODULES.has(module) || !data || typeof data !== 'object') return undefined;
  const d = data as Record<string, unknown>;
  const raw = Array.isArray(d.rows) ? d.rows : Array.isArray(d.status) ? d.status : undefined;
  if (!raw) return undefined;
  const rows: StatusRow[] = [];
  for (const r of raw) {
    if (!r || typeof r !== 'object') continue;
    const x = r as Record<string, unknown>;
    const endpoint = str(x.endpoint);
    if (!endpoint) continue;
    rows.push({
      endpoint,
      member: members.get(endpoint) ?? endpoint,
      id: str(x.id),
      version: str(x.version),
      isLeader: x.isLeader === true,
      revision: num(x.revision),
      raftTerm: num(x.raftTerm),
      raftIndex: num(x.raftIndex),
      dbSize: num(x.dbSize),
      errors: Array.isArray(x.errors) ? x.errors.map(str).filter(Boolean) : [],
    });
  }
  return rows;
}

/** Compare a table with the previous one, row by row (rows are matched by endpoint: a restore changes the ids). */
export function compareStatus(snapshot: StatusSnapshot, previous: StatusSnapshot | undefined): StatusView {
  const view: StatusView = { snapshot, changed: [], rows: new Map(), gone: [], ...(previous ? { previous } : {}) };
  if (!previous) return view;
  const before = new Map(previous.rows.map((r) => [r.endpoint, r]));
  const changed = new Set<StatusField>();
  for (const r of snapshot.rows) {
    const p = before.get(r.endpoint);
    const c: RowChange = {};
    if (!p) {
      c.added = true;
      changed.add('member ids');
    } else {
      if (p.version !== r.version) (c.version = p.version), changed.add('version');
      if (p.id !== r.id) (c.id = p.id), changed.add('member ids');
      if (p.revision !== r.revision) (c.revision = p.revision), changed.add('revision');
      if (p.isLeader && !r.isLeader) (c.wasLeader = true), changed.add('leader');
      if (!p.isLeader && r.isLeader) (c.becameLeader = true), changed.add('leader');
    }
    if (Object.keys(c).length) view.rows.set(r.endpoint, c);
  }
  const now = new Set(snapshot.rows.map((r) => r.endpoint));
  view.gone = previous.rows.filter((r) => !now.has(r.endpoint)).map((r) => r.endpoint);
  if (view.gone.length) changed.add('member ids');
  const order: StatusField[] = ['version', 'leader', 'member ids', 'revision'];
  view.changed = order.filter((f) => changed.has(f));
  return view;
}

/**
 * Fed the events of a run in order; `handle` returns a view when a status task ended. The
 * first host's rows stand for the task (a run_once result is copied to every host).
 */
export class StatusTracker {
  private readonly members = new Map<string, string>();
  private readonly tasks = new Map<string, { name: string; module?: string }>();
  private readonly pending = new Map<string, StatusSnapshot>();
  private previous: StatusSnapshot | undefined;

  handle(e: EngineEvent): StatusView | undefined {
    switch (e.type) {
      case 'task.start':
        this.tasks.set(e.taskId, { name: e.name, ...(e.module ? { module: e.module } : {}) });
        return undefined;
      case 'host.end': {
        const t = this.tasks.get(e.taskId);
        const data = e.result?.data as Record<string, unknown> | undefined;
        if (t?.module === 'etcd_facts' && data && typeof data.endpoint === 'string' && data.endpoint) this.members.set(data.endpoint, e.host);
        if (this.pending.has(e.taskId)) return undefined;
        const rows = rowsOf(t?.module, data, this.members);
        if (!rows || !t) return undefined;
        const missing = Array.isArray(data?.missing) ? data.missing.map(str).filter(Boolean) : [];
        this.pending.set(e.taskId, { taskId: e.taskId, task: t.name, module: t.module!, failed: e.status === 'failed' || e.status === 'ignored', rows, missing });
        return undefined;
      }
      case 'task.end': {
        const s = this.pending.get(e.taskId);
        if (!s) return undefined;
        this.pending.delete(e.taskId);
        if (e.at !== undefined) s.at = e.at;
        const view = compareStatus(s, this.previous);
        this.previous = s;
        return view;
      }
      default:
        return undefined;
    }
  }
}

/** Every status table of a run, each compared with the one before. */
export function statusSnapshots(events: Iterable<EngineEvent>): StatusView[] {
  const t = new StatusTracker();
  const out: StatusView[] = [];
  for (const e of events) {
    const v = t.handle(e);
    if (v) out.push(v);
  }
  return out;
}

/** One table cell: its text and whether it shows a change. */
export interface Cell {
  text: string;
  changed: boolean;
}

export const STATUS_COLUMNS = ['MEMBER', 'ID', 'VERSION', 'LEADER', 'REVISION', 'RAFT TERM', 'RAFT INDEX', 'DB SIZE'];

/** The cells of each row, changes written out (`3.4.23 (was 3.5.16)`): also readable without colour. */
export function statusCells(view: StatusView): Cell[][] {
  return view.snapshot.rows.map((r) => {
    const c = view.rows.get(r.endpoint) ?? {};
    const leader = r.isLeader ? (c.becameLeader ? 'leader (new)' : 'leader') : c.wasLeader ? '- (was leader)' : '-';
    return [
      { text: r.member + (c.added ? ' (new)' : ''), changed: !!c.added },
      { text: r.id + (c.id !== undefined ? ' (new id)' : ''), changed: c.id !== undefined },
      { text: r.version + (c.version !== undefined ? ` (was ${c.version})` : ''), changed: c.version !== undefined },
      { text: leader, changed: !!(c.becameLeader || c.wasLeader) },
      { text: String(r.revision) + (c.revision !== undefined ? ` (was ${c.revision})` : ''), changed: c.revision !== undefined },
      { text: String(r.raftTerm), changed: false },
      { text: String(r.raftIndex), changed: false },
      { text: humanSize(r.dbSize), changed: false },
    ];
  });
}

/** The line above a table: which task, how many members, the leader, what changed. */
export function statusHeadline(view: StatusView): string {
  const s = view.snapshot;
  const leader = s.rows.find((r) => r.isLeader)?.member;
  let text = `etcd status [${s.task}]${s.failed ? ' (gate failed)' : ''}: ${s.rows.length} member(s), leader ${leader ?? 'none'}`;
  if (s.missing.length) text += `, not answering: ${s.missing.join(', ')}`;
  if (!view.previous) text += '; first table of this run';
  else if (!view.changed.length) text += `; no change since [${view.previous.task}]`;
  else text += `; changed since [${view.previous.task}]: ${view.changed.join(', ')}`;
  return text;
}

/** The compact table for the terminal views; changed cells in yellow, a failed gate's headline in red. */
export function formatStatusView(view: StatusView, opts: { color?: boolean; indent?: string } = {}): string {
  const c = makeChalk(!!opts.color);
  const ind = opts.indent ?? '  ';
  const cells = statusCells(view);
  const w = STATUS_COLUMNS.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.text.length)));
  const lines = [(view.snapshot.failed ? c.red : c.bold)(statusHeadline(view))];
  lines.push(c.gray(ind + STATUS_COLUMNS.map((h, i) => h.padEnd(w[i]!)).join('  ').trimEnd()));
  for (const row of cells) {
    lines.push(ind + row.map((x, i) => {
      const t = i === row.length - 1 ? x.text : x.text.padEnd(w[i]!);
      return x.changed ? c.yellow.bold(t) : t;
    }).join('  ').trimEnd());
  }
  for (const g of view.gone) lines.push(c.yellow(`${ind}${g}: in [${view.previous?.task}], not in this table`));
  return lines.join('\n');
}
