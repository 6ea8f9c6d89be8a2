/** Terminal prompts of the CLI: secrets without echo, plain lines, one shared line reader. */
import { createInterface } from 'node:readline';
import { ValidationError } from '../errors.js';

/** Read a line from the terminal without echo (or a plain line when stdin is not a TTY). */
export async function readSecret(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  if (!stdin.isTTY) {
    const line = await readLine();
    return line;
  }
  return new Promise((resolve, reject) => {
    let buf = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          done();
          process.stderr.write('\n');
          return resolve(buf);
        }
        if (ch === '\u0003') {
          done();
          process.stderr.write('\n');
          return reject(new ValidationError('interrupted'));
        }
        if (ch === '\u007f' || ch === '\b') buf = buf.slice(0, -1);
        else buf += ch;
      }
    };
    const done = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
    };
    stdin.on('data', onData);
  });
}

let lineReader: ReturnType<typeof createInterface> | undefined;
const lineQueue: string[] = [];
const lineWaiters: ((l: string) => void)[] = [];

/** One line from stdin (shared reader, so several prompts can read successive lines). */
export function readLine(): Promise<string> {
  if (!lineReader) {
    lineReader = createInterface({ input: process.stdin, terminal: false });
    lineReader.on('line', (l) => {
      const w = lineWaiters.shift();
      if (w) w(l);
      else lineQueue.push(l);
    });
    lineReader.on('close', () => {
      while (lineWaiters.length) lineWaiters.shift()!('');
    });
  }
  const q = lineQueue.shift();
  if (q !== undefined) return Promise.resolve(q);
  return new Promise((r) => lineWaiters.push(r));
}

export function closeLineReader(): void {
  lineReader?.close();
  lineReader = undefined;
}

export async function ask(prompt: string): Promise<string> {
  process.stderr.write(prompt);
  return (await readLine()).trim();
}

