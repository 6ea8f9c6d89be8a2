/**
 * Turns the hyperfine exports in bench/results/ into one markdown report: medians, ratios and
 * whether each target is met. `node --import tsx bench/summarize.ts [RESULTS_DIR]`; bench/run.sh
 * writes its output to bench/results/summary.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

interface HfResult { command: string; median: number; mean: number; stddev?: number | null; min: number; max: number; times?: number[]; cpu_median?: number }

const dir = resolve(process.argv[2] ?? join(import.meta.dirname ?? '.', 'results'));
const out: string[] = [];

function load(name: string): Map<string, HfResult> | undefined {
  const file = join(dir, `${name}.json`);
  if (!existsSync(file)) return undefined;
  const json = JSON.parse(readFileSync(file, 'utf8')) as { results: HfResult[] };
  return new Map(json.results.map((r) => [r.command, r]));
}

const s = (x: number) => (x < 1 ? `${(x * 1000).toFixed(0)} ms` : `${x.toFixed(2)} s`);
const ratio = (x: number) => `${x.toFixed(2)}x`;
const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
/** "1.23x (CPU 1.10x)": wall ratio a/b, then the same ratio of CPU medians when both have one. */
function both(a: HfResult, b: HfResult): string {
  const c = a.cpu_median != null && b.cpu_median != null && b.cpu_median > 0 ? ` (CPU ${ratio(a.cpu_median / b.cpu_median)})` : '';
  return `${ratio(a.median / b.median)}${c}`;
}

function table(title: string, rs: Map<string, HfResult>, extra?: (r: HfResult) => string, extraHead?: string): void {
  out.push(`### ${title}`, '');
  const cpu = [...rs.values()].some((r) => r.cpu_median != null);
  out.push(`| command | wall median | wall mean ± sd | wall min … max | runs${cpu ? ' | CPU median (client + sshd + remote)' : ''}${extraHead ? ` | ${extraHead}` : ''} |`);
  out.push(`|---|---:|---:|---:|---:${cpu ? '|---:' : ''}${extraHead ? '|---:' : ''}|`);
  for (const r of rs.values()) {
    const sd = r.stddev == null ? '' : ` ± ${s(r.stddev)}`;
    const c = cpu ? ` | ${r.cpu_median != null ? s(r.cpu_median) : ''}` : '';
    out.push(`| ${r.command} | ${s(r.median)} | ${s(r.mean)}${sd} | ${s(r.min)} … ${s(r.max)} | ${r.times?.length ?? ''}${c}${extra ? ` | ${extra(r)}` : ''} |`);
  }
  out.push('');
}

function targets(rows: [string, string, boolean | undefined][]): void {
  out.push('| target | measured | verdict |', '|---|---|---|');
  for (const [t, m, ok] of rows) out.push(`| ${t} | ${m} | ${ok === undefined ? 'n/a' : verdict(ok)} |`);
  out.push('');
}

const adhoc = load('adhoc');
if (adhoc) {
  table('2. ad-hoc `uname -r` on 20 hosts', adhoc);
  const o = adhoc.get('openssh'), a = adhoc.get('ansible'), n = adhoc.get('ansible-nocm');
  const rows: [string, string, boolean | undefined][] = [];
  for (const who of ['etcdplay', 'etcdplay-alt']) {
    const e = adhoc.get(who);
    if (!e) continue;
    if (o) rows.push([`${who} / parallel OpenSSH <= 1.2`, both(e, o), e.median / o.median <= 1.2]);
    if (a) rows.push([`ansible / ${who} >= 4 (ansible with warm ControlPersist masters)`, both(a, e), a.median / e.median >= 4]);
    if (n) rows.push([`ansible / ${who} >= 4 (ansible, ControlMaster=no)`, both(n, e), n.median / e.median >= 4]);
  }
  targets(rows);
}

const pb = load('playbook');
if (pb) {
  table('3. playbook, 10 command tasks x 5 hosts', pb);
  const a = pb.get('ansible-playbook'), n = pb.get('ansible-playbook-nocm');
  const rows: [string, string, boolean | undefined][] = [];
  for (const who of ['etcdplay', 'etcdplay-alt']) {
    const e = pb.get(who);
    if (!e) continue;
    if (a) rows.push([`ansible-playbook / ${who} >= 10 (warm ControlPersist masters)`, both(a, e), a.median / e.median >= 10]);
    if (n) rows.push([`ansible-playbook / ${who} >= 10 (ControlMaster=no)`, both(n, e), n.median / e.median >= 10]);
  }
  targets(rows);
}

const copy = load('copy');
if (copy) {
  const rssFile = join(dir, 'copy-rss.json');
  const rss = existsSync(rssFile) ? (JSON.parse(readFileSync(rssFile, 'utf8')) as { bytes_per_host: number; hosts: number; etcdplay_max_rss_kib: number; scp_max_rss_kib: number; etcdplay_alt_max_rss_kib?: number }) : undefined;
  const total = rss ? rss.bytes_per_host * rss.hosts : 5 * 2 ** 30;
  const mibs = (r: HfResult) => `${(total / 2 ** 20 / r.median).toFixed(0)} MiB/s`;
  table(`4. copy ${(total / (rss?.hosts ?? 5) / 2 ** 20).toFixed(0)} MiB to 5 hosts (${(total / 2 ** 30).toFixed(1)} GiB in all)`, copy, mibs, 'throughput (median)');
  const c = copy.get('scp');
  const rows: [string, string, boolean | undefined][] = [];
  for (const who of ['etcdplay', 'etcdplay-alt']) {
    const e = copy.get(who);
    if (e && c) rows.push([`${who} throughput / scp >= 0.9`, both(c, e), c.median / e.median >= 0.9]);
  }
  if (rss) rows.push(['etcdplay peak RSS < 200 MB', `${(rss.etcdplay_max_rss_kib / 1024).toFixed(0)} MiB (${((rss.etcdplay_max_rss_kib * 1024) / 1e6).toFixed(0)} MB); largest scp process ${(rss.scp_max_rss_kib / 1024).toFixed(0)} MiB`, rss.etcdplay_max_rss_kib * 1024 < 200e6]);
  if (rss?.etcdplay_alt_max_rss_kib) rows.push(['etcdplay-alt peak RSS < 200 MB', `${(rss.etcdplay_alt_max_rss_kib / 1024).toFixed(0)} MiB (${((rss.etcdplay_alt_max_rss_kib * 1024) / 1e6).toFixed(0)} MB)`, rss.etcdplay_alt_max_rss_kib * 1024 < 200e6]);
  targets(rows);
}

const plan = load('plan');
if (plan) {
  table('5. `etcdplay plan`, 10 tasks x 5 hosts (whole CLI process)', plan);
  const e = plan.get('etcdplay plan'), n = plan.get('node -e 0');
  const rows: [string, string, boolean | undefined][] = [];
  if (e) rows.push(['etcdplay plan median < 300 ms', s(e.median) + (n ? ` (node start-up alone: ${s(n.median)})` : ''), e.median < 0.3]);
  targets(rows);
  const pbt = join(dir, 'plan-bench.txt');
  if (existsSync(pbt)) out.push('bench/plan.bench.ts (in-process):', '', '```', readFileSync(pbt, 'utf8').trimEnd(), '```', '');
}

const failures = join(dir, 'failures.log');
if (existsSync(failures) && readFileSync(failures, 'utf8').trim()) {
  out.push('### Failed attempts (retried; failed timed runs are not counted)', '', '```', readFileSync(failures, 'utf8').trimEnd(), '```', '');
}

const machine = join(dir, 'machine.md');
if (existsSync(machine)) out.unshift('Machine:', '', readFileSync(machine, 'utf8').trimEnd(), '');
process.stdout.write(out.join('\n') + '\n');
