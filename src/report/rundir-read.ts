/** Reading a run dir back for the report: events.jsonl (lines that do not parse are counted, not fatal), journal.json and plan.txt when present. */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineEvent } from '../model/event.js';
import { renderReport } from './page.js';
import type { ReportInput } from './report-view.js';

export const REPORT_FILE = 'report.html';

export function parseEvents(text: string): { events: EngineEvent[]; badLines: number } {
  const events: EngineEvent[] = [];
  let badLines = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as EngineEvent;
      if (e && typeof e === 'object' && typeof e.type === 'string') events.push(e);
      else badLines++;
    } catch {
      badLines++;
    }
  }
  return { events, badLines };
}

export function readRunDir(dir: string): ReportInput {
  const file = join(dir, 'events.jsonl');
  if (!existsSync(file)) throw new Error(`${dir}: no events.jsonl (not a run dir)`);
  const { events, badLines } = parseEvents(readFileSync(file, 'utf8'));
  const input: ReportInput = { events, ...(badLines ? { badLines } : {}) };
  const j = join(dir, 'journal.json');
  if (existsSync(j)) {
    try {
      input.journal = JSON.parse(readFileSync(j, 'utf8'));
    } catch {
      /* a journal that does not parse: the page goes without it */
    }
  }
  const p = join(dir, 'plan.txt');
  if (existsSync(p)) input.plan = readFileSync(p, 'utf8');
  return input;
}

/** Render a run dir's report.html (or `out`): temp name, then rename. Returns the file written. */
export async function writeReport(dir: string, out = join(dir, REPORT_FILE)): Promise<string> {
  const html = await renderReport(readRunDir(dir));
  const tmp = `${out}.tmp-${process.pid}`;
  writeFileSync(tmp, html, { mode: 0o600 });
  renameSync(tmp, out);
  return out;
}
