import { closeSync, mkdirSync, openSync, writeFileSync, writeSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineEvent } from '../model/event.js';
import type { HostStatus, Recap } from '../model/result.js';
import type { Reporter } from './reporter.js';
import { writeReport } from './rundir-read.js';

interface TaskSummary {
  taskId: string;
  name: string;
  status: HostStatus;
  durationMs: number;
  runsOn?: string;
  rc?: number;
  msg?: string;
  changed: boolean;
}

export interface RunSummary {
  runId: string;
  runDir: string;
  playbook: string;
  check: boolean;
  startedAt: string;
  endedAt?: string;
  durationMs?: number;
  exitCode?: number;
  interrupted?: boolean;
  recap?: Record<string, Recap>;
  plays: { play: number; name: string; hosts: string[] }[];
  warnings: { message: string; host?: string }[];
  hosts: Record<string, { tasks: TaskSummary[] }>;
}

/**
 * The run directory (journal): events.jsonl (every event, appended as it happens),
 * hosts/<host>.log (each task's full output with a header and a footer), summary.json at the
 * end (written to a temporary name, then renamed), plan.txt (the plan, when the CLI gives it) and
 * report.html (rendered from events.jsonl when the run ends). Events are already redacted by the engine.
 */
export class RunDirReporter implements Reporter {
  private eventsFd: number;
  private readonly hostFds = new Map<string, number>();
  private readonly tasks = new Map<string, string>();
  private readonly open = new Set<string>();
  private summary: RunSummary | undefined;
  private closed = false;
  private ended = false;
  /** report.html, once written. */
  reportFile: string | undefined;

  constructor(readonly dir: string, extras: { plan?: string } = {}) {
    mkdirSync(join(dir, 'hosts'), { recursive: true, mode: 0o700 });
    this.eventsFd = openSync(join(dir, 'events.jsonl'), 'a', 0o600);
    if (extras.plan !== undefined) writeFileSync(join(dir, 'plan.txt'), extras.plan, { mode: 0o600 });
  }

  private hostFd(host: string): number {
    let fd = this.hostFds.get(host);
    if (fd === undefined) {
      fd = openSync(join(this.dir, 'hosts', `${safeName(host)}.log`), 'a', 0o600);
      this.hostFds.set(host, fd);
    }
    return fd;
  }

  private hostWrite(host: string, text: string): void {
    writeSync(this.hostFd(host), text);
  }

  private header(taskId: string, host: string, runsOn?: string): void {
    const key = `${taskId}\u0000${host}`;
    if (this.open.has(key)) return;
    this.open.add(key);
    const name = this.tasks.get(taskId) ?? taskId;
    this.hostWrite(host, `==== ${new Date().toISOString()} TASK [${name}] (${taskId})${runsOn ? ` on ${runsOn}` : ''}\n`);
  }

  handle(e: EngineEvent): void {
    if (this.closed) return;
    writeSync(this.eventsFd, JSON.stringify(e) + '\n');
    switch (e.type) {
      case 'run.start':
        this.summary = { runId: e.runId, runDir: e.runDir, playbook: e.playbook, check: e.check, startedAt: e.time, plays: [], warnings: [], hosts: {} };
        for (const h of e.hosts) this.summary.hosts[h] = { tasks: [] };
        break;
      case 'play.start':
        this.summary?.plays.push({ play: e.play, name: e.name, hosts: e.hosts });
        break;
      case 'task.start':
        this.tasks.set(e.taskId, e.name);
        break;
      case 'host.start':
        this.header(e.taskId, e.host, e.runsOn);
        break;
      case 'host.output':
        this.header(e.taskId, e.host);
        this.hostWrite(e.host, `${e.stream === 'stdout' ? 'out' : 'err'}| ${e.line}\n`);
        break;
      case 'host.end': {
        this.header(e.taskId, e.host);
        this.open.delete(`${e.taskId}\u0000${e.host}`);
        const r = e.result;
        const parts = [`---- ${e.status}`];
        if (typeof r.rc === 'number') parts.push(`rc=${r.rc}`);
        parts.push(`${(e.durationMs / 1000).toFixed(2)}s`);
        if (typeof r.cmd === 'string') parts.push(`cmd: ${r.cmd}`);
        let text = parts.join(' ') + '\n';
        if (typeof r.msg === 'string' && r.msg) text += `msg: ${r.msg}\n`;
        if (typeof r.diff === 'string' && r.diff) text += r.diff.replace(/\n?$/, '\n');
        this.hostWrite(e.host, text + '\n');
        if (!this.summary) break;
        const hs = (this.summary.hosts[e.host] ??= { tasks: [] });
        hs.tasks.push({
          taskId: e.taskId,
          name: this.tasks.get(e.taskId) ?? e.taskId,
          status: e.status,
          durationMs: e.durationMs,
          changed: !!r.changed,
          ...(typeof r.rc === 'number' ? { rc: r.rc } : {}),
          ...(typeof r.msg === 'string' && r.msg ? { msg: r.msg } : {}),
          ...(typeof r.runsOn === 'string' ? { runsOn: r.runsOn } : {}),
        });
        break;
      }
      case 'warning':
        this.summary?.warnings.push({ message: e.message, ...(e.host ? { host: e.host } : {}) });
        if (e.host) this.hostWrite(e.host, `[WARNING] ${e.message}\n`);
        break;
      case 'run.end':
        this.ended = true;
        if (this.summary) {
          this.summary.endedAt = new Date().toISOString();
          this.summary.durationMs = e.durationMs;
          this.summary.exitCode = e.exitCode;
          this.summary.interrupted = e.interrupted;
          this.summary.recap = e.recap;
          const tmp = join(this.dir, '.summary.json.tmp');
          writeFileSync(tmp, JSON.stringify(this.summary, null, 2) + '\n', { mode: 0o600 });
          renameSync(tmp, join(this.dir, 'summary.json'));
        }
        break;
      default:
        break;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.eventsFd);
    for (const fd of this.hostFds.values()) closeSync(fd);
    this.hostFds.clear();
    // the page is rendered from the file just written, as `etcdplay report` would: one code path
    if (this.ended) {
      try {
        this.reportFile = await writeReport(this.dir);
      } catch {
        /* the report is a convenience: `etcdplay report RUN_ID` can render it later */
      }
    }
  }
}

function safeName(host: string): string {
  return host.replace(/[^A-Za-z0-9._-]/g, '_');
}
