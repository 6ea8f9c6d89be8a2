/**
 * Jinja statements in strings and file templates, the whitespace rules Ansible uses, the older
 * handlebars blocks (same nodes), Ansible's reading of a rendered value, and the errors for what
 * etcdplay does not have. Expected values checked with ansible-playbook 2.14 where noted:
 *   ansible-playbook -i 'localhost,' -c local p.yml   (debug: msg=TEMPLATE, or template: src=FILE)
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderString, renderValue } from '../../../src/template/render.js';
import { TemplateError, UndefinedVariableError } from '../../../src/template/errors.js';
import { Redactor } from '../../../src/template/secret.js';

const vars = { x: 1, l: [1, 'a'], d: { a: 1, b: [1, 2] }, n: 5, m: { p: 'q' }, empty: [], word: "it's" };

test('file template: trim_blocks on, lstrip_blocks off, trailing newlines kept (ansible template module)', () => {
  // ansible: template: src=t2.j2 with vars {x: 1, l: [1, 'a']}; the file it wrote:
  const tpl = "a\n  {% if x %}\nyes {{ x }}\n  {% endif %}\n{% for i in [1,2] -%}\n  i={{ i }}\n{% endfor %}\n{#- c -#}\nend {{ none }} {{ l }}\n{% for h in l %}\n{{ loop.index }} {{ h }}\n{% endfor %}\n\n";
  assert.is(renderString(tpl, vars), "a\n  yes 1\n  i=1\ni=2\nend  [1, 'a']\n1 1\n2 a\n\n");
});

test('statements in task strings (debug msg, ansible 2.14)', () => {
  assert.is(renderValue('a\n{% if true %}\nyes\n{% endif %}\nb {%- if 1 %} c {% endif -%} d', vars), 'a\nyes\nb c d');
  assert.is(renderValue('{% for x in l %}{{ loop.index }}{{ x }}{% if loop.last %}.{% else %},{% endif %}{% endfor %}', vars), '11,2a.');
  assert.is(renderValue('{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}', vars), 'a=1;b=[1, 2];');
  assert.is(renderValue('{% for x in empty %}a{% else %}none{% endfor %}', vars), 'none');
  assert.is(renderValue('{% for x in l if x is string %}{{ x }}{% endfor %}', vars), 'a');
  assert.is(renderValue('{% set y = n * 2 %}{{ y }}', vars), '10');
  assert.is(renderValue('{% set a, b = [1, 2] %}{{ b }}', vars), '2');
  assert.is(renderString('{% set t %}[{{ n }}]{% endset %}{{ t }}', vars), '[5]');
  assert.is(renderValue('{% raw %}{{ x }} {% if %}{% endraw %} {# gone #}z', vars), '{{ x }} {% if %} z');
  assert.is(renderValue('{% if n > 9 %}a{% elif n > 3 %}b{% else %}c{% endif %}', vars), 'b');
  assert.is(renderValue('{{ loop_v | default("-") }}{% for i in l %}{% set inner = i %}{% endfor %}{{ inner is defined }}', vars), '-False', 'set inside a loop stays inside it');
  assert.is(renderValue('{% for i in [1, 2, 3] %}{{ loop.first }}{{ loop.revindex }}{{ loop.length }} {% endfor %}', vars), 'True33 False23 False13 ');
});

test("a rendered Python literal is read back, as Ansible 2.14 does (set_fact + type_debug)", () => {
  assert.equal(renderValue("[{% for h in l %}'{{ h }}',{% endfor %}]", vars), ['1', 'a']);
  assert.is(renderValue('{% if x %}True{% else %}False{% endif %}', vars), true);
  assert.equal(renderValue("{{ '{' }}'a': {{ x }}{{ '}' }}", vars), { a: 1 });
  assert.is(renderValue('{{ x }}0', vars), '10');
  assert.is(renderValue('[not, a literal {{ x }}]', vars), '[not, a literal 1]');
  assert.is(renderValue('{{ none }}', vars), '', 'a lone none is an empty string (debug msg prints "")');
});

test('handlebars blocks of earlier templates still render, as the same nodes', () => {
  assert.is(renderString('{{#if n > 3}}big{{else}}small{{/if}}', vars), 'big');
  assert.is(renderString('{{#unless missing}}no{{/unless}}', vars), 'no');
  assert.is(renderString('{{#each l}}{{@index}}:{{this}}{{#unless @last}},{{/unless}}{{/each}}', vars), '0:1,1:a');
  assert.is(renderString('{{#each m}}{{@key}}={{this}}{{/each}} {{#with m}}{{p}}{{/with}}', vars), 'p=q q');
  assert.is(renderString('x\n  {{#if n}}\ny\n  {{/if}}\nz', vars), 'x\ny\nz', 'a block tag alone on its line leaves no line');
});

test('shell text: values inside statements are quoted where they land', () => {
  assert.is(renderString("echo {% for w in [word, 'b c'] %}{{ w }} {% endfor %}", vars, { shell: true }), `echo 'it'\\''s' 'b c' `);
  assert.is(renderString('echo "{% if x %}{{ word }}{% endif %}"', vars, { shell: true }), `echo "it's"`);
});

function err(f: () => unknown): Error {
  try { f(); } catch (e) { return e as Error; }
  throw new Error('no error');
}

test('unsupported forms name the feature, the place and the alternative (no handlebars dump)', () => {
  let e = err(() => renderString('a\n{% macro m() %}x{% endmacro %}', vars));
  assert.instance(e, TemplateError);
  assert.match(e.message, /'\{% macro %\}' is not supported: macros are not supported: repeat the text, or build it in a variable with \{% set %\} at line 2, column 1/);
  assert.equal((e as TemplateError).at, { line: 2, col: 1 });
  e = err(() => renderString('{% for x in l %}{% break %}{% endfor %}', vars));
  assert.match(e.message, /loop controls are not supported: filter the loop instead/);
  e = err(() => renderString('{% if x %}a', vars));
  assert.match(e.message, /'\{% if %\}' is not closed \(expected '\{% endif %\}'/);
  e = err(() => renderString('{% endfor %}', vars));
  assert.match(e.message, /without its opening statement/);
  e = err(() => renderString('{{ l | password_hash }}', vars));
  assert.match(e.message, /filter 'password_hash' is not supported: .*use hash\('sha256'\)/);
  e = err(() => renderString('{{ l.append(3) }}', vars));
  assert.match(e.message, /method 'append' of a list is not supported: lists cannot be changed in place; use 'l \+ \[x\]'/);
  e = err(() => renderString("{{ lookup('pipe', 'date') }}", vars));
  assert.match(e.message, /lookup 'pipe' is not supported \(available: env, file/);
  e = err(() => renderString('{{> partial }}', vars));
  assert.match(e.message, /is not supported: use '\{% if %\}', '\{% for %\}'/);
  assert.not.match(e.message, /Expecting|Parse error/);
  e = err(() => renderString('a\n\n {% for x in missing %}{% endfor %}', vars));
  assert.instance(e, UndefinedVariableError);
  assert.equal((e as UndefinedVariableError).at, { line: 3, col: 13 });
});

test('a loop in a loop cannot spin for hours (limits.ts)', () => {
  const e = err(() => renderString('{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}', vars));
  assert.instance(e, TemplateError);
  assert.match(e.message, /would run more than 1000000 times/);
});

test('a secret written inside a list or mapping (Python repr) is still redacted', () => {
  const secret = `p'a"ss\\w`;
  const r = new Redactor();
  r.add(secret);
  const out = renderString('x {{ l }} {{ d }}', { l: [secret], d: { k: secret } });
  assert.ok(!out.includes(secret) && out.includes('ss'), out);
  assert.is(r.text(out), "x ['********'] {'k': '********'}");
});

test.run();
