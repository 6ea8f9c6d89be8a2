/**
 * The scale curve (bench/scale.sh) as a markdown report on stdout and a plot, scale.svg, next to
 * the results: wall medians of etcdplay, parallel OpenSSH and ansible at each host count, etcdplay's
 * own CPU and peak RSS (GNU time), and the issue 17 targets.
 *
 *   node --import tsx bench/scale-summary.ts [RESULTS_DIR]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

interface HfResult { command: string; median: number; times?: number[]; cpu_median?: number }
interface Point { hosts: number; wall: Map<string, number>; cpuAll: Map<string, number>; runs: number; ownCpu?: number; rssKb?: number }

const dir = resolve(process.argv[2] ?? join(import.meta.dirname ?? '.', 'results'));
const SIZES = [5, 20, 50, 100, 200];
const TOOLS = ['etcdplay', 'openssh', 'ansible'] as const;
const KINDS = { adhoc: 'ad-hoc `uname -r`', playbook: '10 command tasks (bench/playbook-10.yml)' } as const;
type Kind = keyof typeof KINDS;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function load(kind: Kind): Point[] {
  const pts: Point[] = [];
  for (const hosts of SIZES) {
    const file = join(dir, `scale-${kind}-${hosts}.json`);
    if (!existsSync(file)) continue;
    const rs = (JSON.parse(readFileSync(file, 'utf8')) as { results: HfResult[] }).results;
    const p: Point = { hosts, wall: new Map(), cpuAll: new Map(), runs: Math.min(...rs.map((r) => r.times?.length ?? 0)) };
    for (const r of rs) {
      p.wall.set(r.command, r.median);
      if (r.cpu_median != null) p.cpuAll.set(r.command, r.cpu_median);
    }
    // "wall user sys maxrss_kb" per etcdplay run (GNU time).
    const tf = join(dir, `scale-${kind}-${hosts}.time`);
    if (existsSync(tf)) {
      const rows = readFileSync(tf, 'utf8').split('\n').map((l) => l.trim().split(/\s+/).map(Number)).filter((r) => r.length === 4 && r.every(Number.isFinite));
      if (rows.length) {
        p.ownCpu = median(rows.map((r) => r[1]! + r[2]!));
        p.rssKb = median(rows.map((r) => r[3]!));
      }
    }
    pts.push(p);
  }
  return pts;
}

const sec = (x: number | undefined) => (x === undefined ? '' : x < 1 ? `${(x * 1000).toFixed(0)} ms` : `${x.toFixed(2)} s`);
const mb = (kb: number | undefined) => (kb === undefined ? '' : `${(kb / 1024).toFixed(1)} MB`);
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b <= 0 ? '' : `${(a / b).toFixed(2)}x`);
const verdict = (ok: boolean | undefined) => (ok === undefined ? 'n/a' : ok ? 'met' : '**missed**');

const out: string[] = [];
const data = { adhoc: load('adhoc'), playbook: load('playbook') };
for (const kind of Object.keys(KINDS) as Kind[]) {
  const pts = data[kind];
  if (!pts.length) continue;
  out.push(`### Scale: ${KINDS[kind]}, -f = hosts`, '');
  out.push('| hosts | etcdplay | parallel OpenSSH | ansible (warm masters) | etcdplay / OpenSSH | ansible / etcdplay | etcdplay CPU (own) | CPU, all processes: etcdplay / OpenSSH | etcdplay peak RSS | runs |');
  out.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const p of pts) {
    const [e, o, a] = TOOLS.map((t) => p.wall.get(t));
    out.push(`| ${p.hosts} | ${sec(e)} | ${sec(o)} | ${a === undefined ? 'not run' : sec(a)} | ${ratio(e, o)} | ${ratio(a, e)} | ${sec(p.ownCpu)} | ${sec(p.cpuAll.get('etcdplay'))} / ${sec(p.cpuAll.get('openssh'))} | ${mb(p.rssKb)} | ${p.runs} |`);
  }
  out.push('');
  const first = pts[0]!, last = pts[pts.length - 1]!;
  const rows: [string, string, boolean | undefined][] = [];
  if (pts.length > 1) {
    // No worse than linear: from each size to the next, wall grows by at most the factor the hosts grow.
    const steps = pts.slice(1).map((p, i) => {
      const q = pts[i]!;
      const g = p.wall.get('etcdplay')! / q.wall.get('etcdplay')!;
      return { txt: `${q.hosts}->${p.hosts}: x${g.toFixed(2)} (hosts x${(p.hosts / q.hosts).toFixed(1)})`, ok: g <= p.hosts / q.hosts };
    });
    rows.push(['etcdplay wall grows no worse than linearly in hosts', steps.map((s) => s.txt).join('; '), steps.every((s) => s.ok)]);
    if (first.rssKb !== undefined && last.rssKb !== undefined) {
      const per = (last.rssKb - first.rssKb) / (last.hosts - first.hosts) / 1024;
      rows.push([`etcdplay peak RSS < 2 MB per host above the base (${first.hosts} hosts: ${mb(first.rssKb)})`, `${per.toFixed(2)} MB per host (${mb(last.rssKb)} at ${last.hosts})`, per < 2]);
    }
  }
  if (kind === 'adhoc' && last.hosts === 200) {
    const e = last.wall.get('etcdplay'), o = last.wall.get('openssh');
    rows.push(['200 hosts ad-hoc: etcdplay / parallel OpenSSH <= 1.2', ratio(e, o), e !== undefined && o !== undefined ? e / o <= 1.2 : undefined]);
  }
  if (rows.length) {
    out.push('| target | measured | verdict |', '|---|---|---|');
    for (const [t, m, ok] of rows) out.push(`| ${t} | ${m} | ${verdict(ok)} |`);
    out.push('');
  }
}
out.push('Plot: scale.svg (wall medians against hosts, one panel per benchmark).', '');
process.stdout.write(out.join('\n'));
writeFileSync(join(dir, 'scale.svg'), svg());

/** Two line charts side by side, hand-drawn: wall time (s) against hosts, one line per tool. */
function svg(): string {
  const W = 460, H = 320, M = { l: 56, r: 16, t: 36, b: 44 };
  const colors: Record<string, string> = { etcdplay: '#1f77b4', openssh: '#2ca02c', ansible: '#d62728' };
  const panels: string[] = [];
  (Object.keys(KINDS) as Kind[]).forEach((kind, k) => {
    const pts = data[kind];
    const ox = k * W;
    const maxY = Math.max(0.1, ...pts.flatMap((p) => [...p.wall.values()]));
    const x = (h: number) => ox + M.l + (h / 200) * (W - M.l - M.r);
    const y = (v: number) => M.t + (1 - v / maxY) * (H - M.t - M.b);
    const g: string[] = [`<text x="${ox + W / 2}" y="20" text-anchor="middle" font-weight="bold">${kind === 'adhoc' ? 'ad-hoc uname -r' : '10 command tasks'}</text>`];
    g.push(`<line x1="${x(0)}" y1="${y(0)}" x2="${x(200)}" y2="${y(0)}" stroke="#444"/>`, `<line x1="${x(0)}" y1="${y(0)}" x2="${x(0)}" y2="${y(maxY)}" stroke="#444"/>`);
    for (const h of SIZES) g.push(`<text x="${x(h)}" y="${y(0) + 16}" text-anchor="middle">${h}</text>`);
    g.push(`<text x="${ox + W / 2}" y="${H - 6}" text-anchor="middle">hosts (forks = hosts)</text>`);
    for (let i = 0; i <= 4; i++) {
      const v = (maxY * i) / 4;
      g.push(`<line x1="${x(0)}" y1="${y(v)}" x2="${x(200)}" y2="${y(v)}" stroke="#ddd"/>`, `<text x="${x(0) - 6}" y="${y(v) + 4}" text-anchor="end">${v < 10 ? v.toFixed(1) : v.toFixed(0)} s</text>`);
    }
    TOOLS.forEach((t, i) => {
      const line = pts.filter((p) => p.wall.has(t)).map((p) => [x(p.hosts), y(p.wall.get(t)!)] as const);
      if (!line.length) return;
      g.push(`<polyline fill="none" stroke="${colors[t]}" stroke-width="2" points="${line.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ')}"/>`);
      for (const [a, b] of line) g.push(`<circle cx="${a.toFixed(1)}" cy="${b.toFixed(1)}" r="3" fill="${colors[t]}"/>`);
      g.push(`<rect x="${ox + M.l + 10}" y="${M.t + 4 + i * 16}" width="10" height="10" fill="${colors[t]}"/>`, `<text x="${ox + M.l + 24}" y="${M.t + 13 + i * 16}">${t}</text>`);
    });
    panels.push(g.join('\n'));
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H}" font-family="sans-serif" font-size="12">\n<rect width="100%" height="100%" fill="white"/>\n${panels.join('\n')}\n</svg>\n`;
}
