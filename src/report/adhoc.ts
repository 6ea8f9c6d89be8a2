import { termSafeDeep } from '../template/terminal.js';
import type { ChalkInstance } from 'chalk';
import type { EngineEvent } from '../model/event.js';
import type { HostStatus, TaskResult } from '../model/result.js';
import { makeChalk } from './color.js';
import { failureMessage } from './format.js';
import { formatRecap } from './recap.js';
import type { Reporter } from './reporter.js';

/**
 * `etcdplay adhoc` output: one line per host, like Ansible's one-line mode:
 *   etcd1 | CHANGED | rc=0 | (stdout) hello
 *   etcd2 | UNREACHABLE! => connect ECONNREFUSED 127.0.1.12:22
 *   etcd3 | FAILED | rc=1 | (stdout)  (stderr) ls: cannot access '/x'
 * then the recap.
 */
export class AdhocReporter implements Reporter {
  private readonly c: ChalkInstance;
  private readonly write: (text: string) => void;

  constructor(private readonly opts: { color?: boolean; write?: (text: string) => void; recap?: boolean } = {}) {
    this.c = makeChalk(!!opts.color);
    this.write = opts.write ?? ((t) => process.stdout.write(t));
  }

  handle(raw: EngineEvent): void {
    // Host names, task names, messages and remote output go to a terminal: control characters escaped.
    const e = termSafeDeep(raw);
    if (e.type === 'host.end' && !e.taskId.endsWith('.gather_facts')) this.write(this.colour(e.status, adhocLine(e.host, e.status, e.result)) + '\n');
    else if (e.type === 'warning') this.write(this.c.magenta(`[WARNING]: ${e.host ? `${e.host}: ` : ''}${e.message}`) + '\n');
    else if (e.type === 'run.end' && this.opts.recap !== false) this.write('\n' + formatRecap(e.recap, { color: this.opts.color }) + '\n');
  }

  private colour(status: HostStatus, s: string): string {
    return status === 'changed' ? this.c.yellow(s) : status === 'ok' ? this.c.green(s) : status === 'skipped' ? this.c.cyan(s) : this.c.red(s);
  }

  async close(): Promise<void> {}
}

const NOISE = new Set(['durationMs', 'stdout_lines', 'stderr_lines', 'attempts']);

export function adhocLine(host: string, status: HostStatus, r: TaskResult): string {
  const word = status === 'changed' ? 'CHANGED' : status === 'ok' ? 'SUCCESS' : status === 'skipped' ? 'SKIPPED' : status === 'unreachable' ? 'UNREACHABLE!' : 'FAILED';
  if (status === 'unreachable') return `${host} | ${word} => ${failureMessage(r)}`;
  if (typeof r.rc === 'number' && (typeof r.stdout === 'string' || typeof r.stderr === 'string')) {
    let line = `${host} | ${word} | rc=${r.rc} | (stdout) ${oneLine(r.stdout)}`;
    if (typeof r.stderr === 'string' && r.stderr) line += ` (stderr) ${oneLine(r.stderr)}`;
    if ((status === 'failed' || status === 'ignored') && typeof r.msg === 'string' && r.msg && !r.stderr) line += ` (msg) ${oneLine(r.msg)}`;
    return line;
  }
  if (status === 'failed' || status === 'ignored') return `${host} | ${word} => ${failureMessage(r)}`;
  const shown = Object.fromEntries(Object.entries(r).filter(([k, v]) => !NOISE.has(k) && v !== undefined));
  return `${host} | ${word} => ${JSON.stringify(shown)}`;
}

function oneLine(s: unknown): string {
  return typeof s === 'string' ? s.replace(/\n$/, '').replace(/\n/g, '\\n') : '';
}
