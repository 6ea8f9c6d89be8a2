import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderReport } from '../../../src/report/page.js';
import { esc } from '../../../src/report/html-escape.js';
import { parseEvents, writeReport } from '../../../src/report/rundir-read.js';
import { downgradeEvents } from './fixture-run.js';

const HOSTILE = `<script>alert(1)</script>"'><img src=x onerror=alert(2)></pre></svg><!-- &amp; \x1b[31m`;

const ALLOWED = new Set(['html', 'head', 'body', 'meta', 'title', 'style', 'section', 'h1', 'h2', 'h3', 'p', 'dl', 'dt', 'dd', 'table', 'caption', 'tr', 'th', 'td', 'pre', 'ul', 'li', 'svg', 'line', 'text', 'rect', 'g', 'span', 'i', 'b', 'br', 'div']);
const VOID = new Set(['meta', 'br']);

/**
 * A strict well-formedness check of the page (what etcdplay writes is XHTML-like): every tag known,
 * closed in order, no event-handler attribute, no script, no URL but the SVG namespace. Returns the problems.
 */
function check(html: string): string[] {
  const problems: string[] = [];
  const body = html.replace(/^<!DOCTYPE html>\n/, '').replace(/<style>[^<]*<\/style>/, '<style></style>');
  const stack: string[] = [];
  const re = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z][a-zA-Z0-9:-]*="[^"<>]*")*)\s*(\/?)>|<|>/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(body))) {
    if (m[0] === '<') { problems.push(`stray < at ${m.index}: ${body.slice(m.index, m.index + 40)}`); continue; }
    if (m[0] === '>') { problems.push(`stray > at ${m.index}: ${body.slice(Math.max(0, m.index - 40), m.index + 1)}`); continue; }
    const [, close, tag, attrs, self] = m;
    const name = tag!.toLowerCase();
    if (!ALLOWED.has(name)) problems.push(`unexpected tag <${name}>`);
    for (const a of attrs!.matchAll(/([a-zA-Z][a-zA-Z0-9:-]*)="([^"]*)"/g)) {
      if (/^on/i.test(a[1]!)) problems.push(`event handler ${a[1]}`);
      if (/^(src|href)$/i.test(a[1]!) || (/:\/\//.test(a[2]!) && a[2] !== 'http://www.w3.org/2000/svg')) problems.push(`resource ${a[0]}`);
    }
    if (close) {
      const top = stack.pop();
      if (top !== name) problems.push(`</${name}> closes <${top}>`);
    } else if (!self && !VOID.has(name)) stack.push(name);
  }
  if (stack.length) problems.push(`unclosed: ${stack.join(' ')}`);
  for (const ent of body.matchAll(/&([^;\s]{0,10});?/g)) if (!/^&(amp|lt|gt|quot|#39|middot);$/.test(ent[0])) problems.push(`entity ${ent[0]}`);
  return problems;
}

test('esc: markup, quotes, entities and control characters', () => {
  assert.is(esc(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  assert.is(esc('a\x1b[31mb\x00'), 'a\\x1b[31mb\\x00');
  assert.is(esc(undefined), '');
  assert.is(esc(42), '42');
});

test('report.html: a successful run parses, has the sections, the timeline and the tables', async () => {
  const html = await renderReport({ events: downgradeEvents(), plan: 'PLAY [Downgrade]\n  TASK <x>' });
  assert.equal(check(html), []);
  for (const id of ['summary', 'timeline-section', 'status-tables', 'failures', 'plan']) assert.match(html, `<section id="${id}">`);
  assert.match(html, /<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" id="timeline"/);
  assert.is((html.match(/class="bar"/g) ?? []).length, 20, 'a bar for each of 10 tasks on 2 hosts');
  assert.is((html.match(/<table class="status/g) ?? []).length, 3);
  assert.match(html, /<td class="chg">3\.4\.23 \(was 3\.5\.16\)<\/td>/);
  assert.match(html, 'class="down"');
  assert.match(html, 'TASK &lt;x&gt;');
  assert.not.match(html, /<script|<link|<img|@import|url\(/);
});

test('report.html: hostile host names, task names and output stay text', async () => {
  const html = await renderReport({ events: downgradeEvents({ hostile: HOSTILE, failWait: true }) });
  assert.equal(check(html), []);
  assert.not.match(html, '<script>');
  assert.not.match(html, '<img');
  assert.not.match(html, '\x1b');
  assert.match(html, esc(HOSTILE), 'shown, escaped');
  assert.match(html, '&lt;script&gt;alert(1)&lt;/script&gt;');
  assert.match(html, /<section id="failures">[\s\S]*etcd exited after start/);
});

test('report.html from a run dir: a killed run (last line cut, no run.end), no journal', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'etcdplay-report-'));
  try {
    const lines = downgradeEvents().slice(0, 30).map((e) => JSON.stringify(e));
    writeFileSync(join(dir, 'events.jsonl'), lines.join('\n') + '\n{"type":"host.en');
    assert.is(parseEvents(readFileSync(join(dir, 'events.jsonl'), 'utf8')).badLines, 1);
    const out = await writeReport(dir);
    const html = readFileSync(out, 'utf8');
    assert.equal(check(html), []);
    assert.match(html, 'no end recorded');
    assert.match(html, '1 line(s) of events.jsonl could not be read');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
