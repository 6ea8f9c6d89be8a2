/**
 * `etcdplay report RUN_ID [--run-dir DIR] [-o FILE] [--text]`: render a recorded run's report
 * from its run dir (events.jsonl; journal.json and plan.txt when present), old runs included:
 * report.html into the run dir (or FILE), or the closing summary as text on stdout.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultRunDir } from '../../engine/runid.js';
import { ValidationError } from '../../errors.js';
import { colorEnabled } from '../../report/color.js';
import { renderReport } from '../../report/page.js';
import { readRunDir, REPORT_FILE, writeReport } from '../../report/rundir-read.js';
import { formatSummary } from '../../report/summary-text.js';
import { summarize } from '../../report/summary.js';
import { termSafe } from '../../template/terminal.js';
import { parseCli } from '../args.js';

export const usage = `usage: etcdplay report RUN_ID [options]

Render the report of a recorded run from its run dir (events.jsonl alone is enough): one
self-contained HTML page with the summary, a timeline of every task on every host, the etcd
status tables, the failures with their output and the plan. Every run writes it at its end as
<run dir>/${REPORT_FILE}; this renders it again (runs recorded before it, a run killed before its end).

      --run-dir DIR          the run dir (default ~/.etcdplay/runs/RUN_ID; RUN_ID may then be left out)
  -o, --output FILE          write the page here (default <run dir>/${REPORT_FILE}; - for stdout)
      --text                 print the closing summary as text instead
  -h, --help                 this help`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(() => parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'run-dir': { type: 'string' },
      output: { type: 'string', short: 'o' },
      text: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }), usage);
  if (values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  if (positionals.length > 1 || (!positionals.length && !values['run-dir'])) throw new ValidationError(`give one run id (or --run-dir DIR)\n\n${usage}`);
  const id = positionals[0];
  if (id !== undefined && !/^[A-Za-z0-9._-]+$/.test(id)) throw new ValidationError(`not a run id: ${JSON.stringify(id)}`);
  const dir = values['run-dir'] ?? defaultRunDir(id!);
  if (!existsSync(resolve(dir, 'events.jsonl'))) throw new ValidationError(`no run recorded in ${dir} (no events.jsonl)${id ? `; runs are under ~/.etcdplay/runs/<id>/ unless --run-dir said otherwise` : ''}`);
  if (values.text) {
    const s = summarize(readRunDir(dir).events);
    process.stdout.write(termSafe(formatSummary(s, { color: colorEnabled(process.stdout) })) + '\n');
    return 0;
  }
  if (values.output === '-') {
    process.stdout.write(await renderReport(readRunDir(dir)));
    return 0;
  }
  const out = await writeReport(dir, values.output);
  process.stdout.write(`${termSafe(out)}\n`);
  return 0;
}
