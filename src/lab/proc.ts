import { spawn } from 'node:child_process';
import { CommandFailedError } from '../errors.js';

export interface RunResult { rc: number; stdout: string; stderr: string }

export interface RunOpts {
  env?: Record<string, string>;
  input?: string;
  cwd?: string;
  /** Don't throw on a non-zero exit status. */
  allowFail?: boolean;
  timeoutMs?: number;
  /** Stream stderr lines to this callback (progress). */
  onStderr?(chunk: string): void;
}

/** Run a program (argv, no shell) on this machine and capture its output. */
export function run(argv: string[], opts: RunOpts = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: opts.cwd,
      env: { ...process.env, LC_ALL: 'C', ...opts.env },
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (b: Buffer) => { stdout += b.toString(); });
    child.stderr!.on('data', (b: Buffer) => { const s = b.toString(); stderr += s; opts.onStderr?.(s); });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.on('error', (err) => { if (timer) clearTimeout(timer); reject(new CommandFailedError('localhost', 127, `${argv[0]}: ${err.message}`)); });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const rc = code ?? (signal ? 128 + 9 : 1);
      if (rc !== 0 && !opts.allowFail) {
        const last = (stderr.trim().split('\n').pop() || stdout.trim().split('\n').pop() || '').slice(0, 300);
        reject(new CommandFailedError('localhost', rc, `${describe(argv)} failed: ${last}`, stdout, stderr));
        return;
      }
      resolve({ rc, stdout, stderr });
    });
  });
}

/** A short name for a command line in messages: the program and its words, without option values. */
export function describe(argv: string[]): string {
  const words: string[] = [argv[0]!];
  for (let i = 1; i < argv.length && words.length < 4; i++) {
    const a = argv[i]!;
    if (a === '-o') { i++; continue; }
    if (!a.startsWith('-')) words.push(a.length > 40 ? a.slice(0, 37) + '...' : a);
  }
  return words.join(' ');
}
