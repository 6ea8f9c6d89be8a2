/** replace: Ansible's semantics (Python regex, MULTILINE, after/before sections), computed in TypeScript. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pyRegExp, replaceIn, replaceModule } from '../../../src/modules/replace.js';
import type { CommandStep, PutStep } from '../../../src/model/step.js';
import { ctx } from './support.js';

const text = 'ETCD_NAME=a\nETCD_X=x1\n# begin\nx2 x3\n# end\nx4\n';

test('Python forms: named groups, \\1, \\g<name>, MULTILINE anchors, \\A/\\Z', () => {
  assert.equal(replaceIn(text, { regexp: '^ETCD_NAME=(?P<n>.*)$', replace: 'ETCD_NAME=new-\\g<n>' }), { text: text.replace('ETCD_NAME=a', 'ETCD_NAME=new-a'), count: 1 });
  assert.is(replaceIn(text, { regexp: 'x(\\d)', replace: 'y\\1' }).text, text.replace(/x(\d)/g, 'y$1'));
  assert.is(replaceIn(text, { regexp: 'x(\\d)', replace: 'y\\g<1>' }).count, 4);
  assert.is(replaceIn('a$b', { regexp: 'a', replace: '$1$&' }).text, '$1$&$b', 'no JavaScript $ patterns in the replacement');
  assert.is(replaceIn(text, { regexp: '^x\\d' }).text, text.replace(/^x\d/gm, ''), 'no replace: matches removed');
  assert.is(replaceIn('a\na\n', { regexp: '\\Aa', replace: 'b' }).text, 'b\na\n');
  assert.is(replaceIn('(?P=q)', { regexp: '(?P<q>z)(?P=q)', replace: '' }).count, 0);
  assert.throws(() => pyRegExp('(', 'g'), /invalid regular expression/);
});

test('after / before select the section as Ansible does', () => {
  assert.equal(replaceIn(text, { regexp: 'x(\\d)', replace: 'y\\1', after: '# begin', before: '# end' }), { text: text.replace('x2 x3', 'y2 y3'), count: 2 });
  assert.is(replaceIn(text, { regexp: 'x', replace: 'y', after: '# begin' }).count, 3);
  assert.is(replaceIn(text, { regexp: 'x', replace: 'y', before: '# end' }).count, 3);
  assert.equal(replaceIn(text, { regexp: 'x', replace: 'y', after: 'nowhere' }), { text, count: 0 });
});

test('plan: one read; the write only when the content changes, mode and owner kept', () => {
  const [read] = replaceModule.plan({ path: '/etc/default/etcd', regexp: '^A=.*$', replace: 'A=2' }, ctx()) as CommandStep[];
  assert.is(read!.mutates, false);
  const out = (content: string) => ({ step: read!, status: 'ran' as const, rc: 0, changed: false, stdout: `640 etcd etcd\n${Buffer.from(content).toString('base64')}` });
  assert.equal(read!.then!.next(out('B=1\n')), { value: { count: 0 } });
  const n = read!.then!.next(out('A=1\nB=1\n'));
  const put = n.steps![0] as PutStep;
  assert.equal([put.kind, put.dest, put.mode, put.owner, put.group, (put.src as { content: string }).content], ['put', '/etc/default/etcd', '0640', 'etcd', 'etcd', 'A=2\nB=1\n']);
  assert.throws(() => replaceModule.plan({ path: 'relative', regexp: 'x' }, ctx()), /absolute/);
});

test.run();
