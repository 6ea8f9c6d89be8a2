/** Splits streamed chunks into whole lines; `flush` emits a trailing partial line. */
export class LineSplitter {
  private buf = '';
  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string): void {
    this.buf += chunk;
    let i: number;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, i).replace(/\r$/, '');
      this.buf = this.buf.slice(i + 1);
      this.onLine(line);
    }
  }

  flush(): void {
    if (this.buf) {
      const line = this.buf;
      this.buf = '';
      this.onLine(line);
    }
  }
}

/** Throttles progress callbacks to one every `ms`, always passing the final one. */
export function throttleProgress(fn: (bytes: number, total: number) => void, ms = 200): (bytes: number, total: number) => void {
  let last = 0;
  return (bytes, total) => {
    const now = Date.now();
    if (bytes >= total || now - last >= ms) {
      last = now;
      fn(bytes, total);
    }
  };
}
