/**
 * The Prometheus text exposition format, version 0.0.4: `# HELP` and `# TYPE` per family, then one
 * line per series, label values escaped (\\, \", \n), HELP escaped (\\, \n), numbers as Go prints
 * them (NaN, +Inf, -Inf). Pure.
 */
import type { MetricFamily } from './collect.js';

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** The text of every family (a family without series still gets its HELP and TYPE lines). */
export function renderExposition(fams: MetricFamily[]): string {
  const out: string[] = [];
  for (const f of fams) {
    if (!NAME_RE.test(f.name)) throw new Error(`not a metric name: ${f.name}`);
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.series) {
      const labels = Object.entries(s.labels).map(([k, v]) => {
        if (!LABEL_RE.test(k) || k.startsWith('__')) throw new Error(`not a label name: ${k}`);
        return `${k}="${escapeLabelValue(v)}"`;
      });
      out.push(`${f.name}${labels.length ? `{${labels.join(',')}}` : ''} ${formatValue(s.value)}`);
    }
  }
  return out.join('\n') + '\n';
}
