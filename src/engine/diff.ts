/**
 * A small unified diff (like `diff -u`) for --diff on text files. Trims the common prefix and
 * suffix, then runs an LCS over what is left; when that is too large it shows the whole middle
 * as replaced, which is still a correct (if not minimal) diff.
 */
type Op = { kind: ' ' | '-' | '+'; line: string };

const MAX_CELLS = 4_000_000;

export function isProbablyText(buf: Buffer): boolean {
  return !buf.subarray(0, 8192).includes(0);
}

export function unifiedDiff(before: string, after: string, opts: { fromFile?: string; toFile?: string; context?: number } = {}): string {
  if (before === after) return '';
  const ctx = opts.context ?? 3;
  const a = splitLines(before);
  const b = splitLines(after);
  const ops = diffLines(a, b);
  const hunks: string[] = [];
  // Group changes into hunks with `ctx` lines of context.
  let i = 0;
  const n = ops.length;
  // positions in a and b for each op index
  const posA: number[] = [];
  const posB: number[] = [];
  let pa = 0;
  let pb = 0;
  for (const op of ops) {
    posA.push(pa);
    posB.push(pb);
    if (op.kind !== '+') pa++;
    if (op.kind !== '-') pb++;
  }
  while (i < n) {
    while (i < n && ops[i]!.kind === ' ') i++;
    if (i >= n) break;
    let start = Math.max(0, i - ctx);
    let end = i;
    // extend while changes are within 2*ctx of each other
    for (;;) {
      while (end < n && ops[end]!.kind !== ' ') end++;
      let j = end;
      while (j < n && ops[j]!.kind === ' ' && j - end < 2 * ctx) j++;
      if (j < n && ops[j]!.kind !== ' ') {
        end = j;
        continue;
      }
      end = Math.min(n, end + ctx);
      break;
    }
    const slice = ops.slice(start, end);
    const aCount = slice.filter((o) => o.kind !== '+').length;
    const bCount = slice.filter((o) => o.kind !== '-').length;
    const aStart = aCount ? posA[start]! + 1 : posA[start]!;
    const bStart = bCount ? posB[start]! + 1 : posB[start]!;
    hunks.push(`@@ -${aStart},${aCount} +${bStart},${bCount} @@`);
    for (const o of slice) hunks.push(o.kind + o.line);
    i = end;
  }
  const head = [`--- ${opts.fromFile ?? 'before'}`, `+++ ${opts.toFile ?? 'after'}`];
  const noEolA = before.length > 0 && !before.endsWith('\n');
  const noEolB = after.length > 0 && !after.endsWith('\n');
  const tail: string[] = [];
  if (noEolA || noEolB) tail.push('\\ No newline at end of file');
  return [...head, ...hunks, ...tail].join('\n') + '\n';
}

function splitLines(s: string): string[] {
  if (s === '') return [];
  const lines = s.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function diffLines(a: string[], b: string[]): Op[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const am = a.slice(pre, a.length - suf);
  const bm = b.slice(pre, b.length - suf);
  const out: Op[] = a.slice(0, pre).map((line) => ({ kind: ' ', line }) as Op);
  const n = am.length;
  const m = bm.length;
  if ((n + 1) * (m + 1) > MAX_CELLS) {
    for (const line of am) out.push({ kind: '-', line });
    for (const line of bm) out.push({ kind: '+', line });
  } else {
    // lcs[i][j] = LCS length of am[i..] and bm[j..]
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * w + j] = am[i] === bm[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && am[i] === bm[j]) {
        out.push({ kind: ' ', line: am[i]! });
        i++;
        j++;
      } else if (i < n && (j >= m || lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!)) {
        out.push({ kind: '-', line: am[i]! });
        i++;
      } else {
        out.push({ kind: '+', line: bm[j]! });
        j++;
      }
    }
  }
  for (const line of a.slice(a.length - suf)) out.push({ kind: ' ', line });
  return out;
}
