/** The built CLI as users run it (`node bin/etcdplay.js`), for the CLI integration tests. Needs `npm run build`. */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = new URL('../../../', import.meta.url).pathname;
export const BIN = join(ROOT, 'bin/etcdplay.js');

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

function cliEnv(cwd: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...process.env, NO_COLOR: '1', ETCDPLAY_HOME: join(cwd, 'home'), ETCDPLAY_DEBUG_ENTRY: '1', ...env };
}

/** Run `etcdplay ARGS` in `cwd` (ETCDPLAY_HOME=cwd/home) and wait for it. */
export function cli(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}, input?: string): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env: cliEnv(cwd, env), encoding: 'utf8', timeout: 120_000, input });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** The same, without blocking (the test can watch the hosts while it runs). */
export function cliAsync(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: cliEnv(cwd, env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, out, err })));
}
