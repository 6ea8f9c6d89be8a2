/**
 * Runs test files, each in its own node process (uvu suites call `.run()` themselves), and prints
 * one closing line: "N passed, N failed, N skipped".
 *
 *   node --import tsx test/runner.ts [unit|integration|e2e|FILE...]
 *
 * Suites: unit (pure, no network), integration (real OpenSSH sshd on loopback), e2e (the lab,
 * needs root). Every child runs in its own process group, killed on timeout or interrupt.
 * After e2e, test/support/cleanup.ts removes anything a crashed test left behind.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

const SUITES = ['unit', 'integration', 'e2e'] as const;
type Suite = (typeof SUITES)[number];
const TIMEOUT_MS: Record<Suite, number> = { unit: 120_000, integration: 600_000, e2e: 1_800_000 };

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

function suiteOf(file: string): Suite {
  for (const s of SUITES) if (file.includes(`test/${s}/`)) return s;
  return 'unit';
}

interface Tally { passed: number; failed: number; skipped: number }

let current: ReturnType<typeof spawn> | undefined;
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    interrupted = true;
    if (current?.pid) try { process.kill(-current.pid, 'SIGTERM'); } catch { /* gone */ }
  });
}

function runFile(file: string): Promise<Tally & { output: string; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
    });
    current = child;
    let output = '';
    const onData = (b: Buffer) => { output += b.toString(); process.stdout.write(b); };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    const timer = setTimeout(() => {
      output += `\n[runner] ${file} timed out after ${TIMEOUT_MS[suiteOf(file)] / 1000}s\n`;
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ }
    }, TIMEOUT_MS[suiteOf(file)]);
    child.on('close', (code) => {
      clearTimeout(timer);
      current = undefined;
      const num = (label: string) => {
        const m = [...output.matchAll(new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'gm'))];
        return m.reduce((a, x) => a + Number(x[1]), 0);
      };
      const total = num('Total');
      const passed = num('Passed');
      const skipped = num('Skipped');
      let failed = Math.max(0, total - passed - skipped);
      if (code !== 0 && failed === 0) failed = 1; // crashed or killed before uvu could count
      resolve({ passed, failed, skipped, output, code });
    });
  });
}

async function main() {
  const args = process.argv.slice(2);
  const isRoot = process.getuid?.() === 0;
  let files: string[] = [];
  const wanted = args.length ? args : [...SUITES];
  for (const a of wanted) {
    if ((SUITES as readonly string[]).includes(a)) files.push(...walk(join('test', a)));
    else files.push(a);
  }
  const tally: Tally = { passed: 0, failed: 0, skipped: 0 };
  const failures: string[] = [];
  const started = Date.now();
  for (const file of files) {
    if (interrupted) break;
    const rel = relative(process.cwd(), file);
    if (suiteOf(rel) === 'e2e' && !isRoot) {
      console.log(`\n=== ${rel}: SKIPPED (the lab needs root; run npm test as root)`);
      tally.skipped += 1;
      continue;
    }
    console.log(`\n=== ${rel}`);
    const t0 = Date.now();
    const r = await runFile(file);
    tally.passed += r.passed;
    tally.failed += r.failed;
    tally.skipped += r.skipped;
    if (r.failed) failures.push(rel);
    console.log(`=== ${rel}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
  }
  if (files.some((f) => suiteOf(f) === 'e2e') && isRoot) {
    const { cleanupAll } = await import('./support/cleanup.js');
    await cleanupAll();
  }
  console.log(`\nfiles: ${files.length}, time: ${((Date.now() - started) / 1000).toFixed(1)}s`);
  if (failures.length) console.log(`failed files:\n  ${failures.join('\n  ')}`);
  if (tally.passed + tally.failed === 0) {
    console.log('no test ran');
    process.exitCode = 1;
  }
  if (interrupted) console.log('interrupted');
  console.log(`${tally.passed} passed, ${tally.failed} failed, ${tally.skipped} skipped`);
  if (tally.failed || interrupted) process.exitCode = 1;
}

await main();
