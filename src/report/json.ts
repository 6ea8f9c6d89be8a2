import type { EngineEvent } from '../model/event.js';
import type { Reporter } from './reporter.js';

/** `--json`: one JSON event per line on stdout (newline-delimited JSON). */
export class JsonReporter implements Reporter {
  constructor(private readonly write: (text: string) => void = (t) => process.stdout.write(t)) {}

  handle(e: EngineEvent): void {
    // JSON escapes C0 controls itself; DEL and the C1 controls (8-bit CSI) are escaped too, for a terminal reading it.
    this.write(JSON.stringify(e).replace(/[\x7f-\x9f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) + '\n');
  }

  async close(): Promise<void> {}
}
