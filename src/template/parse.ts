/**
 * A small parser for the template shapes almost every task uses — text with `{{ path }}` and
 * `{{helper arg (sub arg) 'str' 12}}` — producing the same AST nodes handlebars' parser does.
 * Anything else (blocks, partials, comments, `{{{ }}}`, `~`, escapes, hashes, @data, ../)
 * returns undefined and the caller falls back to handlebars' own parser. Keeps `etcdplay plan`
 * from loading the handlebars compiler (and its dependencies) for ordinary playbooks.
 */
type Node = any; // handlebars AST shapes

const loc = { start: { line: 1, column: 0 }, end: { line: 1, column: 0 } };

function pathNode(text: string): Node | undefined {
  if (!/^[A-Za-z_][\w-]*((\.|\/)([\w-]+|\[[^\]]*\]))*$/.test(text)) return undefined;
  const parts: string[] = [];
  const re = /([\w-]+)|\[([^\]]*)\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) parts.push(m[1] ?? m[2]!);
  if (parts[0] === 'this') return undefined;
  return { type: 'PathExpression', data: false, depth: 0, parts, original: text, loc };
}

/** Parse `helper a (b c) 'd'` or `path` into [path, params]; undefined when outside the subset. */
function parseExpr(src: string): { path: Node; params: Node[] } | undefined {
  const toks: string[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '(' || c === ')') { toks.push(c); i++; continue; }
    if (c === "'" || c === '"') {
      const end = src.indexOf(c, i + 1);
      if (end < 0) return undefined;
      const body = src.slice(i + 1, end);
      if (body.includes('\\')) return undefined;
      toks.push(src.slice(i, end + 1));
      i = end + 1;
      continue;
    }
    let j = i;
    while (j < src.length && !/[\s()'"]/.test(src[j]!)) {
      if (src[j] === '[') { const e = src.indexOf(']', j); if (e < 0) return undefined; j = e + 1; } else j++;
    }
    toks.push(src.slice(i, j));
    i = j;
  }
  let k = 0;
  const operand = (): Node | undefined => {
    const t = toks[k++];
    if (t === undefined || t === ')') return undefined;
    if (t === '(') {
      const inner = call();
      if (!inner || toks[k++] !== ')') return undefined;
      return { type: 'SubExpression', path: inner.path, params: inner.params, hash: undefined, loc };
    }
    if (t[0] === "'" || t[0] === '"') return { type: 'StringLiteral', value: t.slice(1, -1), original: t.slice(1, -1), loc };
    if (/^-?\d+(\.\d+)?$/.test(t)) return { type: 'NumberLiteral', value: Number(t), original: Number(t), loc };
    if (t === 'true' || t === 'false') return { type: 'BooleanLiteral', value: t === 'true', original: t === 'true', loc };
    if (t === 'null') return { type: 'NullLiteral', value: null, original: null, loc };
    if (t === 'undefined') return { type: 'UndefinedLiteral', value: undefined, original: undefined, loc };
    if (t.includes('=')) return undefined; // hash arguments: leave to handlebars
    return pathNode(t);
  };
  const call = (): { path: Node; params: Node[] } | undefined => {
    const head = toks[k++];
    if (head === undefined) return undefined;
    const path = pathNode(head);
    if (!path) return undefined;
    const params: Node[] = [];
    while (k < toks.length && toks[k] !== ')') {
      const p = operand();
      if (!p) return undefined;
      params.push(p);
    }
    return { path, params };
  };
  const r = call();
  return r && k === toks.length ? r : undefined;
}

export function parseSimple(tpl: string): Node | undefined {
  if (tpl.includes('{{{') || tpl.includes('\\{{')) return undefined;
  const body: Node[] = [];
  let i = 0;
  while (i < tpl.length) {
    const open = tpl.indexOf('{{', i);
    if (open < 0) {
      body.push({ type: 'ContentStatement', value: tpl.slice(i), original: tpl.slice(i), loc });
      break;
    }
    if (open > i) body.push({ type: 'ContentStatement', value: tpl.slice(i, open), original: tpl.slice(i, open), loc });
    const close = tpl.indexOf('}}', open + 2);
    if (close < 0) return undefined;
    const inner = tpl.slice(open + 2, close);
    if (/[{}~]/.test(inner) || /^\s*([#/^>!&*]|else\b)/.test(inner)) return undefined;
    const e = parseExpr(inner);
    if (!e) return undefined;
    body.push({ type: 'MustacheStatement', path: e.path, params: e.params, hash: undefined, escaped: true, strip: { open: false, close: false }, loc });
    i = close + 2;
  }
  return { type: 'Program', body, blockParams: undefined, strip: {}, loc };
}
