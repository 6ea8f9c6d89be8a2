/**
 * report.html as view and page: the view models (`reportView`, `ganttView`) as plain data, and the
 * handlebars page (`page.ts`): strict templates, our `esc` for every value, values never evaluated.
 * The well-formedness and hostile-input checks of the whole page are in html.test.ts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ganttView, STATUS_COLOURS } from '../../../src/report/gantt.js';
import { esc } from '../../../src/report/html-escape.js';
import { PAGE, PARTIALS } from '../../../src/report/page.hbs.js';
import Handlebars from 'handlebars';
import {
  Escaped,
  escapedView,
  pageTemplate,
  renderPage,
  renderReport,
  TEMPLATE_OPTIONS,
  type TemplateSpecification,
} from '../../../src/report/page.js';
import { reportView } from '../../../src/report/report-view.js';
import { buildTimeline } from '../../../src/report/timeline.js';
import { downgradeEvents } from './fixture-run.js';

async function rejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.match(String((e as Error).message), re);
    return;
  }
  assert.unreachable(`no error (expected ${re})`);
}

test('reportView: the page as plain data, nothing escaped yet', () => {
  const v = reportView({ events: downgradeEvents(), plan: 'PLAY [Downgrade]\n  TASK <x>' });
  assert.is(v.title, 'etcdplay run 20261205T000000Z-abcdef');
  assert.is(v.playbook, 'playbooks/etcd-downgrade.yml');
  assert.is(v.hosts, 'etcd1, etcd2');
  assert.is(v.summary.heading, 'Cluster summary');
  assert.equal(v.summary.pairs[0], { key: 'outcome', value: 'succeeded (exit 0)', cls: 'outcome-ok' });
  assert.ok(v.summary.pairs.some((p) => p.key === 'rollback' && p.cls === 'mono'));
  assert.equal(v.summary.recap?.columns, ['ok', 'changed', 'unreachable', 'failed', 'skipped', 'rescued', 'ignored']);
  assert.equal(v.summary.recap?.rows[0], { host: 'etcd1', cells: ['10', '5', '0', '0', '0', '0', '0'] });
  assert.is(v.tables.length, 3);
  assert.is(v.tables[0]!.cls, 'status');
  assert.ok(v.tables.some((t) => t.rows.some((r) => r.cells.some((c) => c.changed && c.text === '3.4.23 (was 3.5.16)'))));
  assert.equal(v.failures, []);
  assert.equal(v.warnings, []);
  assert.is(v.plan.tasks.length, 10);
  assert.equal(v.plan.tasks[0], { play: 'Downgrade', task: 'Gather etcd facts', module: 'etcd_facts', hosts: 'ok=2', start: '+0:00', took: '0.50s' });
  assert.is(v.plan.text, 'PLAY [Downgrade]\n  TASK <x>', 'raw: the page escapes');
  assert.equal(v.plan.meta, []);
  assert.is(v.badLines, 0);
  assert.ok(v.timeline);
});

test('reportView: failures (output cut to its end), journal, warnings, an empty run', () => {
  const v = reportView({
    events: [...downgradeEvents({ failWait: true }), { type: 'warning', host: 'etcd1', message: 'old etcdctl' }],
    journal: { playbook: { file: 'p.yml', sha256: 'ab' }, inventory: ['a.ini', 'b.ini'], secretVars: ['pw'], status: 'failed' },
  });
  assert.is(v.failures.length, 2);
  assert.is(v.failures[0]!.title, 'failed: [etcd1] Wait until every member is healthy');
  assert.match(v.failures[0]!.output, /^etcd exited after start/);
  assert.equal(v.warnings, ['etcd1: old etcdctl']);
  assert.equal(v.plan.meta.map((p) => [p.key, p.value]), [['playbook', 'p.yml (sha256 ab)'], ['inventory', 'a.ini, b.ini'], ['secret vars', 'pw (values not recorded)'], ['journal status', 'failed, 1 start(s)']]);
  const events = downgradeEvents({ failWait: true });
  const end = events.findIndex((e) => e.type === 'host.end' && e.status === 'failed');
  (events[end] as any).result.stdout = 'x'.repeat(30_000) + 'THE END';
  const cut = reportView({ events }).failures[0]!.output;
  assert.match(cut, /^… \(\d+ characters cut\)\n/);
  assert.ok(cut.endsWith('THE END\nboom'), 'the end kept (stdout, then stderr)');
  const empty = reportView({ events: [] });
  assert.is(empty.title, 'etcdplay run (unknown)');
  assert.is(empty.timeline, null);
  assert.is(empty.summary.recap, null);
  assert.is(empty.startedAt, '');
});

test('ganttView: a row per task, a bar per host, the down span, ticks and legend', () => {
  const tl = buildTimeline(downgradeEvents());
  const g = ganttView(tl, { down: { from: 1900, to: 8000 } });
  assert.is(g.rows.length, 10);
  assert.is(g.rows.flatMap((r) => r.bars).length, 20);
  assert.equal(g.rows.map((r) => r.stripe !== null), [true, false, true, false, true, false, true, false, true, false]);
  const first = g.rows[0]!;
  assert.is(first.taskId, 'p0.tasks.0');
  assert.is(first.bars[0]!.x, '330.0', 'the plot starts after the labels');
  assert.is(first.bars[0]!.fill, STATUS_COLOURS.ok);
  assert.is(first.bars[0]!.title, 'etcd1: Gather etcd facts: ok, 0.50s (+0:00 - +0:01)');
  assert.ok(Number(first.bars[1]!.y) > Number(first.bars[0]!.y), 'one lane per host');
  assert.is(g.rows[3]!.bars[0]!.fill, STATUS_COLOURS.changed);
  assert.is(g.down?.title, 'etcd down 6.10s');
  assert.is(g.ticks[0]!.label, '+0:00');
  assert.ok(g.ticks.length >= 4 && g.ticks.length <= 11);
  assert.equal(g.restarts, []);
  assert.equal(g.legend.keys.map((k) => k.status), Object.keys(STATUS_COLOURS));
  assert.is(g.legend.estimated, false);
  assert.is(ganttView(tl).down, null);
  assert.is(ganttView(buildTimeline(downgradeEvents({ noAt: true }))).legend.estimated, true);
  assert.is(ganttView(tl, { down: { from: 1900 } }).down?.title, 'etcd down 6.31s (no healthy gate after the stop)');
});

test('escapedView: strings and numbers wrapped, \'\' and 0 kept (false for #if), undefined dropped, nothing else', () => {
  const w = escapedView({ a: 'x<', b: '', c: 0, d: 2, e: true, f: null, g: undefined, h: ['y'] }) as Record<string, unknown>;
  assert.instance(w.a, Escaped);
  assert.is(String(w.a), 'x&lt;');
  assert.is((w.a as Escaped).toHTML(), esc('x<'));
  assert.is(w.b, '');
  assert.is(w.c, 0);
  assert.instance(w.d, Escaped);
  assert.is(w.e, true);
  assert.is(w.f, null);
  assert.not.ok('g' in w);
  assert.instance((w.h as unknown[])[0], Escaped);
  assert.throws(() => escapedView({ a: { b: [() => 1] } }), /view\.a\.b\[0\] is not plain data/);
  assert.throws(() => escapedView({ a: new Date(0) }), /view\.a is not plain data/);
});

test('page: strict templates, a field missing from the view is an error', async () => {
  const v = reportView({ events: downgradeEvents() });
  const { hosts: _, ...noHosts } = v;
  await rejects(renderPage(noHosts as typeof v), /"hosts" not defined/);
  const noCaption = { ...v, tables: v.tables.map(({ caption: _c, ...t }) => t) };
  await rejects(renderPage(noCaption as typeof v), /"caption" not defined/);
  assert.is(await renderPage(v), await renderReport({ events: downgradeEvents() }), 'renderReport is the page of the view');
});

test('page: every value through our esc (not handlebars\' own escaping)', async () => {
  const events = downgradeEvents({ hostile: `a=b \`q\` 'c' \x1b[31m` });
  const html = await renderReport({ events });
  // handlebars would have written &#x3D; &#x60; &#x27; and kept the escape character
  assert.match(html, 'a=b `q` &#39;c&#39; \\x1b[31m');
  assert.not.match(html, /&#x3D;|&#x60;|&#x27;|\x1b/);
});

test('page: a value holding {{...}} is printed as it is, never evaluated', async () => {
  const hostile = '{{title}} {{#each hosts}}x{{/each}} {{> gantt}} {{{playbook}}} {{lookup . "title"}}';
  const html = await renderReport({ events: downgradeEvents({ hostile, failWait: true }), plan: 'PLAY {{title}}' });
  assert.match(html, `<td>Snapshot ${esc(hostile)}</td>`, 'a task name in the tasks table');
  assert.match(html, `<h3>failed: [${esc(hostile)}] Wait until every member is healthy</h3>`, 'a host name');
  assert.match(html, '<pre>PLAY {{title}}</pre>');
  assert.ok(html.split('{{title}}').length > 5, 'printed wherever the host name and the output appear');
  assert.is(html.split('<title>etcdplay run').length, 2, 'the page title once: the value was not evaluated');
});

test('page: the templates precompiled (as scripts/build-templates.mjs writes them) render the same page as compiled now', async () => {
  // the build writes `module.exports = <precompile output>`: the same text, evaluated here
  const specOf = (src: string) =>
    new Function(`return ${Handlebars.precompile(src, { ...TEMPLATE_OPTIONS })}`)() as TemplateSpecification;
  const pre = await pageTemplate(specOf);
  const now = await pageTemplate();
  for (const events of [downgradeEvents(), downgradeEvents({ hostile: '{{x}} <b>', failWait: true })]) {
    const view = escapedView(reportView({ events, plan: 'PLAY x' }));
    assert.is(pre(view), now(view));
  }
  const { hosts: _, ...noHosts } = reportView({ events: downgradeEvents() });
  assert.throws(() => pre(escapedView(noHosts)), /"hosts" not defined/, 'strict mode is in the precompiled form too');
});

test('page: a run without tasks, with bad lines and warnings', async () => {
  const html = await renderReport({ events: [{ type: 'warning', message: 'w <1>' }], badLines: 2 });
  assert.match(html, '<p>No task ran.</p>');
  assert.not.match(html, 'id="status-tables"');
  assert.match(html, '<p>None.</p>');
  assert.match(html, '<ul><li>w &lt;1&gt;</li></ul>');
  assert.match(html, '2 line(s) of events.jsonl could not be read');
  assert.match(html, 'holds no plan.txt');
});

test('templates: only {{name}}, #if, #unless, #each, else and known partials; no {{{ }}}', () => {
  const all = { PAGE, ...PARTIALS };
  for (const [name, src] of Object.entries(all)) {
    assert.not.match(src, '{{{', `${name}: triple-stash would skip escaping`);
    assert.not.match(src, '{{&', `${name}: unescaped form`);
    for (const m of src.matchAll(/\{\{~?(.*?)~?\}\}/gs)) {
      const tag = m[1]!.trim();
      const ok = /^(#(if|unless|each) [\w.]+|\/(if|unless|each)|else|[\w.]+)$/.test(tag) || (/^> (\w+)( [\w.]+)?$/.test(tag) && tag.split(' ')[1]! in PARTIALS);
      assert.ok(ok, `${name}: {{${tag}}}`);
    }
  }
});

test.run();
