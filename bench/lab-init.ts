/**
 * Lab start-up on a warm cache, sysv hosts vs systemd hosts (issue 12: systemd within 1.5x).
 * Alternates the two kinds, RUNS times each: `labUp({ name, nodes: 3, etcd: '3.5.16', init })`
 * timed from the call to a healthy cluster, then `labDown` timed. Root only; run it on a quiet
 * machine (no other lab or suite), after one `lab up` has filled the cache.
 *
 *   node --import tsx bench/lab-init.ts [RUNS=3]
 *
 * Prints a markdown table (runs, medians, ratio) for docs/lab.md and docs/benchmarks.md.
 */
import { cpus, loadavg } from 'node:os';
import { labDown, labUp } from '../src/lab/index.js';
import type { LabInit } from '../src/lab/init.js';

const runs = Number(process.argv[2] ?? 3);
const name = 'bench-init';
const times: Record<LabInit, { up: number[]; down: number[] }> = { sysv: { up: [], down: [] }, systemd: { up: [], down: [] } };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load0 = loadavg()[0]!;

await labDown(name).catch(() => undefined);
for (let i = 0; i < runs; i++) {
  for (const init of ['sysv', 'systemd'] as LabInit[]) {
    const t0 = performance.now();
    await labUp({ name, nodes: 3, etcd: '3.5.16', init });
    const t1 = performance.now();
    await labDown(name);
    times[init].up.push(Math.round(t1 - t0));
    times[init].down.push(Math.round(performance.now() - t1));
    console.error(`${init} run ${i + 1}: up ${Math.round(t1 - t0)} ms`);
  }
}
const m = { sysv: median(times.sysv.up), systemd: median(times.systemd.up) };
console.log(`machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load average at start ${load0.toFixed(1)}, at end ${loadavg()[0]!.toFixed(1)}`);
console.log('');
console.log('| init | `up` runs (ms) | median | `down` runs (ms) |');
console.log('|---|---|---|---|');
console.log(`| sysv | ${times.sysv.up.join(', ')} | ${(m.sysv / 1000).toFixed(1)} s | ${times.sysv.down.join(', ')} |`);
console.log(`| systemd | ${times.systemd.up.join(', ')} | ${(m.systemd / 1000).toFixed(1)} s (${(m.systemd / m.sysv).toFixed(2)}x sysv) | ${times.systemd.down.join(', ')} |`);
