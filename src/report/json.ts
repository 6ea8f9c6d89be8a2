import type { EngineEvent } from '../model/event.js';
import type { Reporter } from './reporter.js';

/** `--json`: one JSON event per line on stdout (newline-delimited JSON). */
export class JsonReporter implements Reporter {
  constructor(private readonly write: (text: string) => void = (t) => process.stdout.write(t)) {}

  handle(e: EngineEvent): void {
    this.write(JSON.stringify(e) + '\n');
  }

  async close(): Promise<void> {}
}
