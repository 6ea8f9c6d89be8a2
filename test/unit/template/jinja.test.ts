import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { translateJinja, translateTemplate } from '../../../src/template/jinja.js';

test('filters become nested helper calls', () => {
  assert.is(translateJinja(" x | default('y') "), "default x 'y'");
  assert.is(translateJinja("x | default('y') | join(',')"), "join (default x 'y') ','");
  assert.is(translateJinja('x | d(1, true)'), 'default x 1 true');
  assert.is(translateJinja('x | to_json'), 'json x');
  assert.is(translateJinja('x | length'), 'length x');
  assert.is(translateJinja("x | default([]) | join(' ')"), "join (default x (__list)) ' '");
  assert.is(translateJinja("x | default(['a', 1])"), "default x (__list 'a' 1)");
});

test('brackets become handlebars segments', () => {
  assert.is(translateJinja("hostvars['etcd-1'].etcd_address"), 'hostvars.[etcd-1].etcd_address');
  assert.is(translateJinja('groups["etcd"][0]'), 'groups.[etcd].[0]');
});

test('handlebars syntax and unknown shapes are left alone', () => {
  for (const s of ['#each list', '/each', 'else', 'x', "default x 'a|b'", 'a + b | int', "x | default(y + 1)"]) {
    assert.is(translateJinja(s), s);
  }
  assert.is(translateTemplate('a {{ x }} b'), 'a {{ x }} b');
  assert.is(translateTemplate("{{ x | upper }}-{{y}}"), '{{ upper x }}-{{y}}');
  assert.is(translateTemplate('{{{ x | upper }}}'), '{{{ upper x }}}', 'triple-stash works the same (nothing is escaped anyway)');
});

test.run();
