import { termSafeDeep } from '../template/terminal.js';
import type { ChalkInstance } from 'chalk';
import type { EngineEvent } from '../model/event.js';
import type { HostStatus, TaskResult } from '../model/result.js';
import { makeChalk } from './color.js';
import { failureMessage, isHandlerId, itemLabel, seconds, statusWord } from './format.js';
import { banner, formatRecap } from './recap.js';
import type { Reporter } from './reporter.js';
import { Timing, taskTimeText, timingSummary } from './timing.js';
import { ClusterView } from './cluster-view.js';

export interface PlainOptions {
  color?: boolean;
  /** Print every output line as it arrives (`host | line`). */
  verbose?: boolean;
  /** Print the diffs results carry (--diff). */
  diff?: boolean;
  write?: (text: string) => void;
}

/**
 * The line-per-event view (no TTY, CI=true, or --plain): Ansible's layout.
 *   PLAY [name] ****   TASK [name] ****   ok: [host]   changed: [host]   failed: [host] => msg
 */
export class PlainReporter implements Reporter {
  private readonly c: ChalkInstance;
  private readonly write: (text: string) => void;
  private readonly tasks = new Map<string, { name: string; module?: string }>();
  private readonly runsOn = new Map<string, string>();
  private check = false;
  private readonly timing = new Timing();
  private readonly cluster: ClusterView;

  constructor(private readonly opts: PlainOptions = {}) {
    this.c = makeChalk(!!opts.color);
    this.cluster = new ClusterView({ color: !!opts.color });
    this.write = opts.write ?? ((t) => process.stdout.write(t));
  }

  private line(s = ''): void {
    this.write(s + '\n');
  }

  handle(raw: EngineEvent): void {
    // Host names, task names, messages and remote output go to a terminal: control characters escaped.
    const e = termSafeDeep(raw);
    const c = this.c;
    if (e.type !== 'task.end' && e.type !== 'run.end') this.cluster.handle(e);
    switch (e.type) {
      case 'run.start':
        this.check = e.check;
        if (e.check) this.line(c.cyan('Check mode: nothing will be changed'));
        break;
      case 'play.start':
        this.line();
        this.line(banner(`PLAY [${e.name}]`));
        break;
      case 'task.start':
        this.tasks.set(e.taskId, { name: e.name, module: e.module });
        this.timing.taskStart(e.taskId, e.name);
        this.line();
        this.line(banner(`${isHandlerId(e.taskId) ? 'RUNNING HANDLER' : 'TASK'} [${e.name}]`));
        break;
      case 'host.start':
        if (e.runsOn) this.runsOn.set(`${e.taskId}\u0000${e.host}`, e.runsOn);
        break;
      case 'host.output':
        if (this.opts.verbose) this.line(c.gray(`${e.host} | ${e.stream === 'stderr' ? 'stderr: ' : ''}${e.line}`));
        break;
      case 'host.progress':
        break;
      case 'host.end':
        this.timing.hostEnd(e.taskId, e.host, e.durationMs);
        this.hostEnd(e.taskId, e.host, e.status, e.result, e.durationMs);
        break;
      case 'task.end': {
        const t = this.timing.taskEnd(e.taskId);
        if (t && t.hosts) this.line(c.gray(`  ${taskTimeText(t)}`));
        const table = this.cluster.handle(e);
        if (table) this.line(table);
        break;
      }
      case 'handler.notify':
        if (this.opts.verbose) this.line(c.gray(`NOTIFIED HANDLER ${e.handler} for ${e.host}`));
        break;
      case 'warning':
        this.line(c.magenta(`[WARNING]: ${e.host ? `${e.host}: ` : ''}${e.message}`));
        break;
      case 'note':
        this.line(c.gray(`${e.host ? `${e.host}: ` : ''}${e.message}`));
        break;
      case 'run.end':
        this.line();
        this.line(formatRecap(e.recap, { color: this.opts.color }));
        for (const l of timingSummary(e.durationMs, this.timing)) this.line(c.gray(l));
        if (e.interrupted) this.line(c.red('interrupted: the run stopped before finishing'));
        const summary = this.cluster.handle(e);
        if (summary) (this.line(), this.line(summary));
        break;
      default:
        break;
    }
  }

  private hostEnd(taskId: string, host: string, status: HostStatus, r: TaskResult, durationMs: number): void {
    const c = this.c;
    const key = `${taskId}\u0000${host}`;
    const via = this.runsOn.get(key) ?? (typeof r.runsOn === 'string' ? r.runsOn : undefined);
    this.runsOn.delete(key);
    const who = via ? `[${host} -> ${via}]` : `[${host}]`;
    const module = this.tasks.get(taskId)?.module;
    if (Array.isArray(r.results) && r.results.length) {
      for (const item of r.results as TaskResult[]) {
        const st: HostStatus = item.unreachable ? 'unreachable' : item.failed ? (status === 'ignored' ? 'ignored' : 'failed') : item.skipped ? 'skipped' : item.changed ? 'changed' : 'ok';
        const label = itemLabel(item[(item.ansible_loop_var as string) ?? 'item'] ?? item.item);
        // a delegated loop: every item names the host it ran on
        const itemWho = typeof item.runsOn !== 'string' ? who : item.runsOn === host ? `[${host}]` : `[${host} -> ${item.runsOn}]`;
        this.line(this.colour(st, `${statusWord(st)}: ${itemWho} => (item=${label})${st === 'failed' || st === 'ignored' || st === 'unreachable' ? ` => ${failureMessage(item)}` : detail(module, item)}`));
      }
    }
    let text: string;
    if (status === 'failed' || status === 'ignored' || status === 'unreachable') {
      text = `${statusWord(status)}: ${who} => ${failureMessage(r)}`;
    } else {
      text = `${statusWord(status)}: ${who}${r.wouldChange && this.check ? ' (would change)' : ''}${Array.isArray(r.results) ? '' : detail(module, r)}`;
      if (status === 'skipped' && r.checkDependent && typeof r.skip_reason === 'string') text += ` => ${r.skip_reason}`;
    }
    if (durationMs >= 10_000) text += c.gray(` (${seconds(durationMs)})`);
    this.line(this.colour(status, text));
    if ((status === 'failed' || status === 'ignored') && typeof r.stderr === 'string' && r.stderr.trim() && failureMessage(r) !== r.stderr.trim()) {
      const lines = r.stderr.trim().split('\n').slice(-5);
      for (const l of lines) this.line(c.red(`  stderr: ${l}`));
    }
    if (status === 'ignored') this.line(c.cyan('...ignoring'));
    if (this.opts.diff && typeof r.diff === 'string' && r.diff) {
      for (const l of r.diff.replace(/\n$/, '').split('\n')) {
        this.line(l.startsWith('+') && !l.startsWith('+++') ? c.green(l) : l.startsWith('-') && !l.startsWith('---') ? c.red(l) : l.startsWith('@@') ? c.cyan(l) : l);
      }
    }
  }

  private colour(status: HostStatus, s: string): string {
    const c = this.c;
    switch (status) {
      case 'ok':
        return c.green(s);
      case 'changed':
        return c.yellow(s);
      case 'skipped':
        return c.cyan(s);
      case 'rescued':
        return c.magenta(s);
      default:
        return c.red(s);
    }
  }

  async close(): Promise<void> {}
}

/** Extra text for ok/changed lines: debug/assert messages. */
function detail(module: string | undefined, r: TaskResult): string {
  if (module === 'debug' || module === 'ansible.builtin.debug') {
    if (r.msg !== undefined) return ` => ${typeof r.msg === 'string' ? r.msg : JSON.stringify(r.msg)}`;
    const keys = Object.keys(r).filter((k) => !['changed', 'failed', 'durationMs', 'skipped'].includes(k));
    if (keys.length) return ` => ${JSON.stringify(Object.fromEntries(keys.map((k) => [k, r[k]])))}`;
  }
  return '';
}
