import type { EngineEvent } from '../model/event.js';

/** Every view consumes the same events; `close` waits until everything is written. */
export interface Reporter {
  handle(event: EngineEvent): void;
  close(): Promise<void>;
}

/** Fan one event stream out to several reporters. */
export function tee(...reporters: Reporter[]): Reporter {
  return {
    handle(e) {
      for (const r of reporters) r.handle(e);
    },
    async close() {
      for (const r of reporters) await r.close();
    },
  };
}
