import type { Recap } from '../model/result.js';
import { makeChalk } from './color.js';

const FIELDS: (keyof Recap)[] = ['ok', 'changed', 'unreachable', 'failed', 'skipped', 'rescued', 'ignored'];

/** A line of stars after a title, 80 columns wide like Ansible's headers. */
export function banner(title: string, width = 80): string {
  return `${title} ${'*'.repeat(Math.max(3, width - title.length - 1))}`;
}

/** The PLAY RECAP table: one line per host, counts coloured when non-zero. */
export function formatRecap(recap: Record<string, Recap>, opts: { color?: boolean } = {}): string {
  const c = makeChalk(!!opts.color);
  const hosts = Object.keys(recap);
  const width = Math.max(26, ...hosts.map((h) => h.length));
  const lines = [banner('PLAY RECAP')];
  for (const h of hosts) {
    const r = recap[h]!;
    const hostColor = r.failed || r.unreachable ? c.red : r.changed ? c.yellow : c.green;
    const cells = FIELDS.map((f) => {
      const text = `${f}=${String(r[f]).padEnd(4)}`;
      if (!r[f]) return text;
      const col = f === 'ok' ? c.green : f === 'changed' ? c.yellow : f === 'failed' || f === 'unreachable' ? c.red : f === 'skipped' ? c.cyan : f === 'rescued' ? c.magenta : c.gray;
      return col(text);
    });
    lines.push(`${hostColor(h.padEnd(width))} : ${cells.join(' ').trimEnd()}`);
  }
  return lines.join('\n');
}

/** Totals over all hosts (for summaries). */
export function totals(recap: Record<string, Recap>): Recap {
  const t: Recap = { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };
  for (const r of Object.values(recap)) for (const f of FIELDS) t[f] += r[f];
  return t;
}
