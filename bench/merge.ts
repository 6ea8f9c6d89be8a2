/**
 * Merges single-run hyperfine exports (from bench_compare's interleaved mode) into one export with
 * hyperfine's schema: per command `times`, `median`, `mean`, `stddev`, `min`, `max`, `user`,
 * `system`, `exit_codes`, in the order the commands were first seen.
 * With `--cpu NAME FILE` (before the parts), FILE holds one CPU time in ns per run of NAME
 * (bench/cpu.sh), added as `cpu_times` and `cpu_median` (seconds).
 *   node --import tsx bench/merge.ts OUT.json [--cpu NAME FILE]... PART.json...
 */
import { readFileSync, writeFileSync } from 'node:fs';

interface Part { command: string; times: number[]; user: number; system: number; exit_codes: number[] }
const [out, ...rest] = process.argv.slice(2);
const cpuFiles = new Map<string, string>();
while (rest[0] === '--cpu') {
  cpuFiles.set(rest[1]!, rest[2]!);
  rest.splice(0, 3);
}
const parts = rest;
if (!out || parts.length === 0) {
  process.stderr.write('usage: merge.ts OUT.json PART.json...\n');
  process.exit(2);
}
const acc = new Map<string, { times: number[]; user: number[]; system: number[]; exit_codes: number[] }>();
for (const p of parts) {
  for (const r of (JSON.parse(readFileSync(p, 'utf8')) as { results: Part[] }).results) {
    const a = acc.get(r.command) ?? { times: [], user: [], system: [], exit_codes: [] };
    a.times.push(...r.times);
    a.user.push(r.user);
    a.system.push(r.system);
    a.exit_codes.push(...r.exit_codes);
    acc.set(r.command, a);
  }
}
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
const results = [...acc].map(([command, a]) => {
  const m = mean(a.times);
  const stddev = a.times.length > 1 ? Math.sqrt(a.times.reduce((s, x) => s + (x - m) ** 2, 0) / (a.times.length - 1)) : null;
  const cpuFile = cpuFiles.get(command);
  const cpu = cpuFile ? readFileSync(cpuFile, 'utf8').split('\n').filter(Boolean).map((l) => Number(l) / 1e9) : [];
  return {
    ...(cpu.length ? { cpu_times: cpu, cpu_median: median(cpu) } : {}),
    command, mean: m, stddev, median: median(a.times), user: mean(a.user), system: mean(a.system),
    min: Math.min(...a.times), max: Math.max(...a.times), times: a.times, exit_codes: a.exit_codes,
  };
});
writeFileSync(out, JSON.stringify({ results, interleaved: true }, null, 2) + '\n');
