/** The closing summary as text lines (the terminal views after the recap, `etcdplay report --text`, the HTML page's summary list). */
import { makeChalk } from './color.js';
import { banner } from './recap.js';
import type { EtcdSummary, RunSummaryView } from './summary.js';

/** 850 ms -> 0.85s, 72_300 -> 1m 12.3s, 3_725_000 -> 1h 02m 05s */
export function duration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h) return `${h}h ${String(m).padStart(2, '0')}m ${String(sec).padStart(2, '0')}s`;
  return `${m}m ${ms < 600_000 ? ((ms % 60_000) / 1000).toFixed(1).padStart(4, '0') : String(sec).padStart(2, '0')}s`;
}

/** ms since the run start as a clock offset: +0:12, +1:02:03 */
export function offset(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h ? `+${h}:${String(m).padStart(2, '0')}:${sec}` : `+${m}:${sec}`;
}

const OUTCOME: Record<RunSummaryView['outcome'], string> = {
  ok: 'succeeded',
  rescued: 'succeeded after a rescue',
  failed: 'failed',
  interrupted: 'interrupted',
  unfinished: 'no end recorded (the run was killed, or is still running)',
};

/** [label, value] pairs: the one list the text and the HTML views both show. */
export function summaryPairs(v: RunSummaryView): [string, string][] {
  const out: [string, string][] = [];
  const exit = v.exitCode !== undefined ? ` (exit ${v.exitCode})` : '';
  let outcome = `${OUTCOME[v.outcome]}${exit}${v.check ? ', check mode' : ''}`;
  if (v.outcome === 'failed' && v.etcd?.rescued) outcome += '; a rescue ran';
  out.push(['outcome', outcome]);
  if (v.etcd) out.push(...etcdPairs(v.etcd));
  out.push(['total', `${duration(v.totalMs)}${v.timeline.starts.length > 1 ? ` over ${v.timeline.starts.length} starts (resumed)` : ''}`]);
  if (v.etcd) {
    const r = v.etcd.rollback;
    out.push(['rollback', r.command ? `${r.command}\n(${r.why})` : r.why]);
  }
  return out;
}

function etcdPairs(s: EtcdSummary): [string, string][] {
  const out: [string, string][] = [];
  if (s.path) out.push(['path', s.path.ok ? `${s.path.method ?? '?'}: ${s.path.why.join('; ') || s.path.summary || ''}` : `refused: ${s.path.reason ?? s.path.summary ?? 'no path'}`]);
  if (s.members.length) {
    out.push(['members', s.members.map((m) => `${m.host} ${m.from ?? '?'}${m.to !== undefined && m.to !== m.from ? ` -> ${m.to}` : m.to === undefined ? ' -> ?' : ' (unchanged)'}`).join(', ')]);
  }
  const kr = (x: { keys?: number; revision?: number }) => `${x.keys ?? '?'} keys, revision ${x.revision ?? '?'}`;
  if (s.before.keys !== undefined || s.before.revision !== undefined || s.after.keys !== undefined || s.after.revision !== undefined) {
    out.push(['data', `before: ${kr(s.before)}; after: ${kr(s.after)}`]);
  }
  if (s.verified) out.push(['verified', s.verified]);
  if (s.fenceTasks) {
    const fmt = (l: { host: string; what: string[]; failed: boolean }) => `${l.host}${l.what.length ? ` (${l.what.join(', ')})` : ''}${l.failed ? ' FAILED' : ''}`;
    if (!s.fenced.length && !s.unfenced.length) out.push(['writers', 'none fenced (no host in group kube_control_plane)']);
    else out.push(['writers', `fenced: ${s.fenced.map(fmt).join(', ') || 'none'}; unfenced: ${s.unfenced.map(fmt).join(', ') || 'NOT UNFENCED'}`]);
  }
  if (s.snapshot) {
    const sn = s.snapshot;
    const facts = [sn.sha256 ? `sha256 ${sn.sha256.slice(0, 16)}…` : '', sn.revision !== undefined ? `revision ${sn.revision}` : '', sn.keys !== undefined ? `${sn.keys} keys` : ''].filter(Boolean).join(', ');
    out.push(['snapshot', `${sn.file} taken on ${sn.host}${facts ? ` (${facts})` : ''}${sn.on.length ? `; copied and verified on ${sn.on.join(', ')}` : ''}`]);
  }
  if (s.asides.length) {
    const paths = new Set(s.asides.map((a) => a.aside));
    const where = paths.size === 1 ? `${[...paths][0]} on ${s.asides.map((a) => a.host).join(', ')}` : s.asides.map((a) => `${a.host}:${a.aside}`).join(', ');
    const back = s.asides.filter((a) => a.movedBack).map((a) => a.host);
    out.push(['data dirs', `moved aside to ${where}${back.length ? `; moved back by the rescue on ${back.join(', ')}` : ''}`]);
  }
  if (s.down) {
    const d = s.down;
    out.push(['etcd down', d.ms !== undefined ? `${duration(d.ms)} (first stop ${offset(d.from)}, healthy ${offset(d.to!)})` : `since ${offset(d.from)}: no passing health gate after the stop in this run`]);
  }
  return out;
}

/** The closing summary for a terminal: a banner, then `label  value` lines. */
export function formatSummary(v: RunSummaryView, opts: { color?: boolean } = {}): string {
  const c = makeChalk(!!opts.color);
  const pairs = summaryPairs(v);
  const w = Math.max(...pairs.map(([k]) => k.length));
  const lines = [banner(v.etcd ? 'CLUSTER SUMMARY' : 'RUN SUMMARY')];
  for (const [k, val] of pairs) {
    const [firstLine, ...rest] = val.split('\n');
    const colour = k === 'outcome' ? (v.outcome === 'ok' ? c.green : v.outcome === 'rescued' ? c.magenta : c.red) : k === 'rollback' && val.startsWith('etcdplay ') ? c.cyan : (s: string) => s;
    lines.push(`${k.padEnd(w)}  ${colour(firstLine!)}`);
    for (const r of rest) lines.push(`${' '.repeat(w)}  ${c.gray(r)}`);
  }
  return lines.join('\n');
}
