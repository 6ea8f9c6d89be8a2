import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRequire } from 'node:module';
import { parseSimple } from '../../../src/template/parse.js';

const Handlebars = createRequire(import.meta.url)('handlebars');

/** Strip locations and the fields only handlebars sets, to compare shapes. */
function shape(n: unknown): unknown {
  if (Array.isArray(n)) return n.map(shape);
  if (n && typeof n === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(n)) {
      if (['loc', 'strip', 'blockParams', 'original', 'escaped'].includes(k) || v === undefined) continue;
      o[k] = shape(v);
    }
    return o;
  }
  return n;
}

test('same AST as handlebars for the simple subset', () => {
  for (const t of [
    'plain text', 'a {{ x }} b', '{{x}}{{ y.z }}', '{{ hostvars.[etcd-1].etcd_address }}', '{{ a/b }}',
    "{{default x 'y'}}", '{{join (default l (__list)) ","}}', '{{timestamp}}', '{{ f 12 -3 1.5 true false null }}',
    "{{initial_cluster groups.etcd}} --x {{ y }}",
  ]) {
    const mine = parseSimple(t);
    assert.ok(mine, t);
    assert.equal(shape(mine), shape(Handlebars.parse(t)), t);
  }
});

test('outside the subset: undefined (handlebars parses it)', () => {
  for (const t of ['{{#each l}}x{{/each}}', '{{{ x }}}', '\\{{ x }}', '{{~ x ~}}', '{{! c }}', '{{> p}}', '{{ x k=v }}', '{{ ../x }}', '{{ @index }}', '{{ this }}', "{{ f 'a\\'b' }}", '{{ x', '{{ (x }}']) {
    assert.is(parseSimple(t), undefined, t);
  }
});

test.run();
