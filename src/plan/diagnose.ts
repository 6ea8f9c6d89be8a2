/**
 * The planner's diagnostics: where a problem is (source lines, the `hosts:` key), how a task is
 * named in a message, and one report per task and problem.
 */
import { readFileSync } from 'node:fs';
import type { Inventory } from '../model/inventory.js';
import type { Play, Task } from '../model/playbook.js';
import type { Diagnostic, SourcePos } from '../model/source.js';
import { EtcdplayError } from '../errors.js';
import { diag } from '../load/diagnostics.js';
import { ExpressionError, TemplateError, UndefinedVariableError } from '../template/errors.js';

/** What reporting needs of a play being planned. */
export interface Reporting {
  ds: Diagnostic[];
  inv: Inventory;
}

const lineCache = new Map<string, string[] | undefined>();
export function fileLines(file: string): string[] | undefined {
  if (!lineCache.has(file)) {
    try { lineCache.set(file, readFileSync(file, 'utf8').split('\n')); } catch { lineCache.set(file, undefined); }
  }
  return lineCache.get(file);
}

export function addDiag(st: { ds: Diagnostic[] }, code: string, pos: SourcePos, message: string, hint?: string, severity: 'error' | 'warning' = 'error'): void {
  st.ds.push(diag(code, pos, message, { lines: fileLines(pos.file), ...(hint ? { hint } : {}), severity }));
}

/** Position of `hosts:` in a play, found in the source text from the play's position. */
export function hostsKeyPos(play: Play): SourcePos {
  const lines = fileLines(play.pos.file);
  if (lines) {
    let indent = -1;
    for (let i = play.pos.line - 1; i < lines.length; i++) {
      const m = /^(\s*-?\s*)hosts\s*:\s*(.*)$/.exec(lines[i]!);
      const lineIndent = /^\s*-?\s*/.exec(lines[i]!)![0].length;
      if (i === play.pos.line - 1) indent = lineIndent;
      else if (lines[i]!.trim().startsWith('- ') && /^\s*/.exec(lines[i]!)![0].length < indent) break;
      if (m) {
        const valueCol = m[1]!.length + lines[i]!.slice(m[1]!.length).indexOf(':') + 1;
        const rest = lines[i]!.slice(valueCol);
        return { file: play.pos.file, line: i + 1, col: valueCol + 1 + (rest.length - rest.trimStart().length) };
      }
    }
  }
  return play.pos;
}

export function describeTask(task: Task): string {
  if (task.name) return task.name;
  if (task.block) return 'block';
  const a = task.args;
  const text = typeof a === 'string' ? a : a && typeof a === 'object' ? Object.entries(a).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ') : '';
  const s = `${task.module ?? '?'}${text ? ' ' + text : ''}`;
  return s.length > 80 ? s.slice(0, 77) + '...' : s;
}

export class DelegateWarning extends Error {}

/** Report an error met while planning one task for one host (dedup: one per task+problem). */
function report(st: Reporting, task: Task, host: string, err: unknown, fallback: SourcePos): void {
  if (err instanceof DelegateWarning) {
    const hosts = [...st.inv.hosts.keys()];
    addDiag(st, 'delegate-unknown-host', fallback, `${err.message} (task '${describeTask(task)}')`, hosts.length ? `the inventory's hosts: ${hosts.slice(0, 10).join(', ')}${hosts.length > 10 ? ', ...' : ''}` : undefined, 'warning');
  } else if (err instanceof UndefinedVariableError) {
    addDiag(st, 'undefined-variable', err.pos ?? fallback, `${err.message} (task '${describeTask(task)}', host ${host})`,
      `define '${err.root}' in the inventory, play vars, vars_files or with -e ${err.root}=...`);
  } else if (err instanceof ExpressionError) {
    addDiag(st, 'bad-condition', fallback, err.message);
  } else if (err instanceof TemplateError) {
    addDiag(st, 'bad-template', err.pos ?? fallback, `${err.message} (task '${describeTask(task)}')`);
  } else if (err instanceof EtcdplayError) {
    addDiag(st, 'bad-args', fallback, `${err.message} (task '${describeTask(task)}', host ${host})`);
  } else {
    throw err;
  }
}

const seenDiag = new WeakMap<Reporting, Set<string>>();
export function reportOnce(st: Reporting, task: Task, host: string, err: unknown, fallback: SourcePos): void {
  let seen = seenDiag.get(st);
  if (!seen) seenDiag.set(st, (seen = new Set()));
  const key = `${task.id}\0${(err as Error)?.message}`;
  if (seen.has(key)) return;
  seen.add(key);
  report(st, task, host, err, fallback);
}
