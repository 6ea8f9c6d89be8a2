/** The built CLI as users run it (`node bin/etcdplay.js`), for the CLI integration tests. Needs `npm run build`. */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = new URL('../../../', import.meta.url).pathname;
export const BIN = join(ROOT, 'bin/etcdplay.js');

let built = false;
/**
 * The build is not older than the sources (npm test builds first; a single test file run by hand
 * after an edit would otherwise test yesterday's dist/ without a word). Checked once per process.
 */
export function assertBuilt(): void {
  if (built) return;
  const newest = (dir: string): number => readdirSync(dir, { withFileTypes: true })
    .reduce((m, e) => Math.max(m, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs), 0);
  let dist = 0;
  try { dist = statSync(join(ROOT, 'dist/cli/main.js')).mtimeMs; } catch { /* not built */ }
  if (dist < newest(join(ROOT, 'src'))) throw new Error('dist/ is missing or older than src/: run `npm run build` first (the CLI tests run the built bin/etcdplay.js, as users do)');
  built = true;
}

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
  assertBuilt();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env: cliEnv(cwd, env), encoding: 'utf8', timeout: 120_000, input });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** The same, without blocking (the test can watch the hosts while it runs). */
export function cliAsync(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  assertBuilt();
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: cliEnv(cwd, env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, out, err })));
}
