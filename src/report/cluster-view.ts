/**
 * What the terminal views (plain, live) add about the cluster itself, from the same events: the
 * etcd status table after each status task, and the closing summary after the recap (etcd runs).
 * `handle` returns the text to print after the event, if any.
 */
import type { EngineEvent } from '../model/event.js';
import { formatStatusView, StatusTracker } from './etcd-status.js';
import { summarize } from './summary.js';
import { formatSummary } from './summary-text.js';

export class ClusterView {
  private readonly tracker = new StatusTracker();
  /** The run's events without output lines and progress (what the summary reads). */
  private readonly events: EngineEvent[] = [];

  constructor(private readonly opts: { color?: boolean } = {}) {}

  handle(e: EngineEvent): string | undefined {
    if (e.type === 'host.output' || e.type === 'host.progress') return undefined;
    this.events.push(e);
    const view = this.tracker.handle(e);
    if (view) return formatStatusView(view, { color: this.opts.color });
    if (e.type === 'run.end') {
      const s = summarize(this.events);
      return s.etcd ? formatSummary(s, { color: this.opts.color }) : undefined;
    }
    return undefined;
  }
}
