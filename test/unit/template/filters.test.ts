/**
 * One filter table for `{{ }}` and conditions (issue 13): these pin Jinja/Ansible semantics, and
 * that a template and a condition give the same answer for the same expression.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { evalCondition, evalExpression } from '../../../src/template/expr.js';
import { renderString, renderValue } from '../../../src/template/render.js';
import { TemplateError, UndefinedVariableError } from '../../../src/template/errors.js';

const vars = {
  l: ['a', 'b', 'c'],
  nums: [3, 1, 2],
  n: 5,
  s: '  Etcd Node ',
  yes: 'yes',
  off: 'off',
  nul: null,
  empty: '',
  zero: 0,
  m: { x: 1, y: 2 },
  ver: '3.4.23-4+b4',
};

/** The same expression through {{ }} (type kept) and through the condition evaluator. */
function both(expr: string): unknown {
  const a = renderValue(`{{ ${expr} }}`, vars);
  const b = evalExpression(expr, vars);
  assert.equal(a, b, `{{ ${expr} }} and the condition agree`);
  return a;
}

test('join: separator defaults to the empty string (Jinja), in {{ }} and conditions alike', () => {
  assert.is(both('l | join'), 'abc');
  assert.is(both("l | join(',')"), 'a,b,c');
  assert.is(both("l | join(', ')"), 'a, b, c');
  assert.is(renderString('{{join l}}', vars), 'abc', 'handlebars spelling, same filter');
  assert.is(renderString("{{join l '-'}}", vars), 'a-b-c');
  assert.is(both("'abc' | join('.')"), 'a.b.c', 'a string is a sequence of characters');
  assert.is(both('nums | join'), '312');
});

test('comparisons, and/or/not, in and tests work inside {{ }}', () => {
  assert.is(both('n > 3'), true);
  assert.is(both('n == 5 and not (n < 0)'), true);
  assert.is(both("'b' in l"), true);
  assert.is(both("'z' not in l"), true);
  assert.is(both('missing is defined'), false);
  assert.is(both('n is number'), true);
  assert.is(both("ver is version('3.5.0', '<')"), true);
  assert.is(renderString('n>3: {{ n > 3 }}', vars), 'n>3: True', 'Python str() of a boolean, as Ansible prints it');
});

test('arithmetic, ~ concatenation and inline if', () => {
  assert.is(both('n + 1'), 6);
  assert.is(both('n // 2'), 2);
  assert.is(both('n % 2'), 1);
  assert.is(both("'v' ~ n ~ '.db'"), 'v5.db');
  assert.is(both("'big' if n > 3 else 'small'"), 'big');
  assert.is(both("'big' if n > 9 else 'small'"), 'small');
  assert.equal(both('l + [n]'), ['a', 'b', 'c', 5]);
});

test('default: only undefined is replaced, unless the second argument is true', () => {
  assert.is(both("missing | default('x')"), 'x');
  assert.is(both("missing.deeper | default('x')"), 'x');
  assert.is(both('missing | default'), '');
  assert.is(both("empty | default('x')"), '');
  assert.is(evalExpression("nul | default('x')", vars), null, 'none is a value (Jinja)');
  assert.is(renderValue("{{ nul | default('x') }}", vars), '', 'a lone {{ none }} gives an empty string (Ansible 2.14)');
  assert.is(both("empty | default('x', true)"), 'x');
  assert.is(both("zero | d('x', true)"), 'x');
  assert.equal(both('missing | default([])'), []);
  assert.equal(both("missing | default({'a': 1})"), { a: 1 });
  assert.is(renderString("{{default missing 'y'}}", vars), 'y', 'handlebars spelling');
});

test('bool: Ansible truth words', () => {
  assert.is(both('yes | bool'), true);
  assert.is(both('off | bool'), false);
  assert.is(both("'True' | bool"), true);
  assert.is(both('1 | bool'), true);
  assert.is(both('0 | bool'), false);
  assert.is(both('nul | bool'), false);
});

test('int and float: numbers from text, 0 (or the given default) otherwise', () => {
  assert.is(both("'42' | int"), 42);
  assert.is(both("' 42\\n' | int"), 42);
  assert.is(both("'3.9' | int"), 3);
  assert.is(both("'abc' | int"), 0);
  assert.is(both("'abc' | int(7)"), 7);
  assert.is(both("'ff' | int(0, 16)"), 255);
  assert.is(both('true | int'), 1);
  assert.is(both("'2.5' | float"), 2.5);
  assert.is(both("'x' | float"), 0);
  assert.is(both("'7' | int + 1"), 8, 'filters bind tighter than +');
});

test('length/count, first/last, upper/lower/trim/string', () => {
  assert.is(both('l | length'), 3);
  assert.is(both('m | count'), 2);
  assert.is(both("'abcd' | length"), 4);
  assert.is(both('l | first'), 'a');
  assert.is(both('l | last'), 'c');
  assert.is(both('s | upper'), '  ETCD NODE ');
  assert.is(both('s | lower | trim'), 'etcd node');
  assert.is(both('n | string'), '5');
  assert.is(both('m | to_json'), '{"x": 1, "y": 2}');
  assert.is(both("'/a/b/c.db' | basename"), 'c.db');
  assert.is(both("'/a/b/c.db' | dirname"), '/a/b');
  assert.throws(() => renderString('{{ n | length }}', vars), (e: unknown) => e instanceof TemplateError && /'length' needs a string, list or mapping/.test((e as Error).message));
});

test('undefined variables are errors everywhere, naming the first missing part', () => {
  assert.throws(() => renderString('{{ missing | upper }}', vars), (e: unknown) => e instanceof UndefinedVariableError && e.variable === 'missing');
  assert.throws(() => evalCondition('m.z.w == 1', vars), (e: unknown) => e instanceof UndefinedVariableError && e.variable === 'm.z');
  assert.throws(() => renderString('{{ m.z.w }}', vars), (e: unknown) => e instanceof UndefinedVariableError && e.variable === 'm.z');
});

test('errors inside {{ }} name the column and the template', () => {
  assert.throws(() => renderString('x {{ n + }}', vars), (e: unknown) => e instanceof TemplateError && /does not parse: expected a value .* at column 10 in "x \{\{ n \+ \}\}"/.test((e as Error).message));
  assert.throws(() => renderString("{{ n < 'a' }}", vars), (e: unknown) => e instanceof TemplateError && /cannot compare number 5 with string "a"/.test((e as Error).message));
});

test('file-template blocks are evaluated by the same expressions', () => {
  assert.is(renderString('{{#if n > 3}}big{{else}}small{{/if}}', vars), 'big');
  assert.is(renderString('{{#if missing}}x{{else}}none{{/if}}', vars), 'none', 'if: undefined counts as false');
  assert.is(renderString("{{#each l}}{{@index}}={{ this | upper }}{{#if @last}}.{{else}},{{/if}}{{/each}}", vars), '0=A,1=B,2=C.');
  assert.is(renderString('{{#each m}}{{@key}}:{{ this + n }} {{/each}}', vars), 'x:6 y:7 ');
  assert.is(renderString('a\n{{#if n}}\nyes\n{{/if}}\nb', vars), 'a\nyes\nb', 'standalone block lines vanish (handlebars)');
  assert.is(renderString('{{!-- note --}}\\{{ literal }} {{ n }}', vars), '{{ literal }} 5');
  assert.is(renderString('x {{~ n ~}} y', vars), 'x5y');
});

test.run();
