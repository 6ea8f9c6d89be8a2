import { termSafeDeep } from '../template/terminal.js';
import { Listr, type ListrTask } from 'listr2';
import type { ChalkInstance } from 'chalk';
import type { EngineEvent } from '../model/event.js';
import type { HostStatus, TaskResult } from '../model/result.js';
import { makeChalk } from './color.js';
import { failureMessage, isHandlerId, progressText, statusWord } from './format.js';
import { banner, formatRecap } from './recap.js';
import type { Reporter } from './reporter.js';
import { Timing, taskTimeText, timingSummary, type TaskTime } from './timing.js';
import { ClusterView } from './cluster-view.js';

interface HostView {
  lastLine?: string;
  update?: (line: string) => void;
  done: Promise<{ status: HostStatus; result: TaskResult; runsOn?: string } | undefined>;
  resolve: (v: { status: HostStatus; result: TaskResult; runsOn?: string } | undefined) => void;
  runsOn?: string;
}

export interface LiveOptions {
  color?: boolean;
  diff?: boolean;
  write?: (text: string) => void;
}

/**
 * The live view on a TTY (listr2): one listr per task, with a concurrent subtask per host showing
 * its status, last output line and transfer progress. Events arrive in real time; each task's
 * listr is queued behind the previous one, and plain text (play banners, warnings, the recap) is
 * written only between listrs so it never tears the rendering.
 */
export class LiveReporter implements Reporter {
  private chain: Promise<void> = Promise.resolve();
  private readonly hosts = new Map<string, HostView>();
  private pendingText: string[] = [];
  private readonly c: ChalkInstance;
  private readonly write: (text: string) => void;
  private check = false;
  private readonly timing = new Timing();
  /** Each task's time, once its end event arrived (the listr title shows it). */
  private readonly timeDone = new Map<string, (t: TaskTime | undefined) => void>();
  private readonly cluster: ClusterView;

  constructor(private readonly opts: LiveOptions = {}) {
    this.c = makeChalk(!!opts.color);
    this.cluster = new ClusterView({ color: !!opts.color });
    this.write = opts.write ?? ((t) => process.stdout.write(t));
  }

  private enqueue(fn: () => Promise<void> | void): void {
    this.chain = this.chain.then(fn).catch(() => undefined);
  }

  private text(s: string): void {
    this.enqueue(() => this.write(s + '\n'));
  }

  handle(raw: EngineEvent): void {
    // Host names, task names, messages and remote output go to a terminal: control characters escaped.
    const e = termSafeDeep(raw);
    const c = this.c;
    // the status table after its task's listr, the closing summary after the recap
    const extra = this.cluster.handle(e);
    switch (e.type) {
      case 'run.start':
        this.check = e.check;
        if (e.check) this.text(c.cyan('Check mode: nothing will be changed'));
        break;
      case 'play.start':
        this.text('\n' + c.bold(banner(`PLAY [${e.name}]`)));
        break;
      case 'task.start':
        this.startTask(e.taskId, e.name, e.hosts, e.module);
        break;
      case 'host.start': {
        const v = this.hosts.get(key(e.taskId, e.host));
        if (v && e.runsOn) v.runsOn = e.runsOn;
        break;
      }
      case 'host.output': {
        const v = this.hosts.get(key(e.taskId, e.host));
        if (!v) break;
        const line = e.stream === 'stderr' ? `stderr: ${e.line}` : e.line;
        v.lastLine = line;
        v.update?.(line);
        break;
      }
      case 'host.progress': {
        const v = this.hosts.get(key(e.taskId, e.host));
        if (!v) break;
        const line = progressText(e.bytes, e.total);
        v.lastLine = line;
        v.update?.(line);
        break;
      }
      case 'host.end': {
        this.timing.hostEnd(e.taskId, e.host, e.durationMs);
        const v = this.hosts.get(key(e.taskId, e.host));
        v?.resolve({ status: e.status, result: e.result, runsOn: v.runsOn ?? (typeof e.result.runsOn === 'string' ? e.result.runsOn : undefined) });
        break;
      }
      case 'task.end':
        this.timeDone.get(e.taskId)?.(this.timing.taskEnd(e.taskId));
        this.timeDone.delete(e.taskId);
        for (const [k, v] of this.hosts) {
          if (k.startsWith(e.taskId + '\u0000')) {
            v.resolve(undefined);
            this.hosts.delete(k);
          }
        }
        if (extra) this.text(extra);
        break;
      case 'warning':
        this.pendingText.push(c.magenta(`[WARNING]: ${e.host ? `${e.host}: ` : ''}${e.message}`));
        this.flushText();
        break;
      case 'note':
        this.pendingText.push(c.gray(`${e.host ? `${e.host}: ` : ''}${e.message}`));
        this.flushText();
        break;
      case 'run.end':
        this.text('\n' + formatRecap(e.recap, { color: this.opts.color }));
        this.text(c.gray(timingSummary(e.durationMs, this.timing).join('\n')));
        if (e.interrupted) this.text(c.red('interrupted: the run stopped before finishing'));
        if (extra) this.text('\n' + extra);
        break;
      default:
        break;
    }
  }

  private flushText(): void {
    this.enqueue(() => {
      if (!this.pendingText.length) return;
      const lines = this.pendingText;
      this.pendingText = [];
      this.write(lines.join('\n') + '\n');
    });
  }

  private startTask(taskId: string, name: string, hosts: string[], module: string | undefined): void {
    const c = this.c;
    this.timing.taskStart(taskId, name);
    const took = new Promise<TaskTime | undefined>((r) => this.timeDone.set(taskId, r));
    const views: HostView[] = [];
    const subtasks: ListrTask[] = hosts.map((host) => {
      let resolve!: HostView['resolve'];
      const done = new Promise<Parameters<HostView['resolve']>[0]>((r) => (resolve = r));
      const view: HostView = { done, resolve };
      views.push(view);
      this.hosts.set(key(taskId, host), view);
      return {
        title: host,
        task: async (_ctx, t) => {
          view.update = (line) => (t.output = line);
          if (view.lastLine) t.output = view.lastLine;
          const end = await view.done;
          view.update = undefined;
          if (!end) {
            t.skip(`${host}: no result`);
            return;
          }
          const who = end.runsOn ? `${host} -> ${end.runsOn}` : host;
          const word = statusWord(end.status);
          switch (end.status) {
            case 'failed':
            case 'unreachable':
              t.title = c.red(`${who}: ${word}`);
              throw new Error(`${who}: ${failureMessage(end.result)}`);
            case 'ignored':
              t.title = c.red(`${who}: failed (ignored): ${failureMessage(end.result)}`);
              return;
            case 'skipped':
              t.skip(`${who}: skipping`);
              return;
            case 'changed':
              t.title = c.yellow(`${who}: changed${end.result.wouldChange && this.check ? ' (would change)' : ''}`);
              break;
            default:
              t.title = c.green(`${who}: ${word}`) + (typeof end.result.msg === 'string' && end.result.msg && (module === 'debug' || module === 'ansible.builtin.debug') ? ` => ${end.result.msg}` : '');
          }
          if (this.opts.diff && typeof end.result.diff === 'string' && end.result.diff) {
            this.pendingText.push(end.result.diff.replace(/\n$/, ''));
          }
        },
        rendererOptions: { outputBar: 1, persistentOutput: false },
      };
    });
    const title = `${isHandlerId(taskId) ? 'RUNNING HANDLER' : 'TASK'} [${name}]`;
    const listr = new Listr(
      [
        {
          title,
          task: (_ctx, t) => {
            // Once every host is done, the title says how it went: TASK [x] ok=3 changed=2 failed=1
            void Promise.all([Promise.all(views.map((v) => v.done)), took]).then(([ends, time]) => {
              const counts = new Map<string, number>();
              for (const e of ends) {
                const w = e ? (e.status === 'ignored' ? 'ignored' : e.status) : 'no result';
                counts.set(w, (counts.get(w) ?? 0) + 1);
              }
              const parts = [...counts].map(([w, n]) => {
                const text = `${w}=${n}`;
                return w === 'changed' ? c.yellow(text) : w === 'ok' ? c.green(text) : w === 'skipped' ? c.cyan(text) : w === 'no result' ? text : c.red(text);
              });
              t.title = `${title} ${parts.join(' ')}${time ? c.gray(` ${taskTimeText(time)}`) : ''}`;
            });
            // Many hosts: only failures stay listed under a finished task.
            const many = hosts.length > 8;
            return t.newListr(subtasks, {
              concurrent: true,
              exitOnError: false,
              rendererOptions: { collapseSubtasks: many, collapseErrors: false, showErrorMessage: true },
            });
          },
        },
      ],
      {
        concurrent: false,
        exitOnError: false,
        registerSignalListeners: false,
        rendererOptions: { collapseSubtasks: false, collapseErrors: false, showErrorMessage: true, collapseSkips: true, suffixSkips: false, showSkipMessage: true },
        fallbackRenderer: 'simple',
      },
    );
    this.enqueue(async () => {
      await listr.run().catch(() => undefined);
    });
    this.flushText();
  }

  async close(): Promise<void> {
    this.flushText();
    await this.chain;
  }
}

function key(taskId: string, host: string): string {
  return `${taskId}\u0000${host}`;
}
