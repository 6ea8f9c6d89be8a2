import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderDeep, renderString, renderValue } from '../../../src/template/render.js';
import { TemplateError, UndefinedVariableError } from '../../../src/template/errors.js';

const vars = {
  x: 'a b',
  q: "it's",
  n: 5,
  flag: true,
  list: ['p', "q'r"],
  obj: { a: { b: { c: 'deep' } } },
  empty: '',
  nul: null,
  groups: { etcd: ['e1', 'e2', 'e3'] },
  hostvars: {
    e1: { etcd_name: 'one', etcd_address: '127.0.1.11', etcd_scheme: 'https' },
    e2: { etcd_address: '127.0.1.12', etcd_scheme: 'https', etcd_peer_port: 12380 },
    e3: { etcd_peer_url: 'https://127.0.1.13:2380', etcd_client_url: 'https://127.0.1.13:2379' },
  },
};

test('plain text is not escaped (no HTML entities)', () => {
  assert.is(renderString("{{ q }} & <b> \"{{ x }}\"", vars), "it's & <b> \"a b\"");
});

test('dotted paths, as Ansible users type them, with spaces', () => {
  assert.is(renderString('{{ obj.a.b.c }}/{{obj.a.b.c}}', vars), 'deep/deep');
});

test('undefined variable is an error naming the full path', () => {
  const e = (() => { try { renderString('x {{ obj.a.nope.z }}', vars); } catch (err) { return err; } })();
  assert.instance(e, UndefinedVariableError);
  assert.is((e as UndefinedVariableError).variable, 'obj.a.nope');
  assert.is((e as UndefinedVariableError).root, 'obj');
  assert.match((e as Error).message, /undefined variable 'obj.a.nope'/);
  assert.throws(() => renderString('{{ missing }}', vars), (err: unknown) => err instanceof UndefinedVariableError && err.variable === 'missing');
  assert.throws(() => renderString('{{join missing ","}}', vars), (err: unknown) => err instanceof UndefinedVariableError);
});

test('prototype properties are not variables', () => {
  assert.throws(() => renderString('{{ constructor }}', {}), (e: unknown) => e instanceof UndefinedVariableError);
  assert.throws(() => renderString('{{ obj.toString }}', vars), (e: unknown) => e instanceof UndefinedVariableError);
  // Jinja semantics (issue 13): a list has no 'length' attribute; the length is `| length`.
  assert.throws(() => renderString('{{ list.length }}', vars), (e: unknown) => e instanceof UndefinedVariableError && e.variable === 'list.length');
  assert.is(renderString('{{ list | length }}', vars), '2');
});

test('a value that exists but is null renders empty, not an error', () => {
  assert.is(renderString('[{{ nul }}]', vars), '[]');
});

test('single {{ var }} keeps the type; anything around it makes a string', () => {
  assert.equal(renderValue('{{ list }}', vars), ['p', "q'r"]);
  assert.is(renderValue('{{ n }}', vars), 5);
  assert.is(renderValue('{{ flag }}', vars), true);
  assert.equal(renderValue('{{ groups.etcd }}', vars), ['e1', 'e2', 'e3']);
  assert.is(renderValue(' {{ n }}', vars), ' 5');
  assert.is(renderValue('{{ n }}{{ n }}', vars), '55');
  assert.is(renderValue('{{ default missing 7 }}', vars), 7);
  assert.equal(renderValue('{{ missing | default([]) }}', vars), []);
  assert.equal(renderValue("{{ missing | default(['a', 2]) }}", vars), ['a', 2]);
});

test('lists and objects inserted into text are written as Python does (Ansible 2.14)', () => {
  // ansible localhost -m debug -a "msg='l={{ [\"p\", \"q'r\"] }}'"  ->  l=['p', "q'r"]
  assert.is(renderString('l={{ list }}', vars), `l=['p', "q'r"]`);
});

test('shell mode quotes every inserted value; lists become one word per item', () => {
  assert.is(renderString('ls {{ x }} {{ n }} {{ list }}', vars, { shell: true }), `ls 'a b' 5 p 'q'\\''r'`);
  assert.is(renderString('echo {{ q }}', vars, { shell: true }), `echo 'it'\\''s'`);
  assert.is(renderString('echo {{ empty }}', vars, { shell: true }), `echo ''`);
});

test('shell mode: raw opts out, quote does not double-quote', () => {
  assert.is(renderString('echo {{raw x}}', vars, { shell: true }), 'echo a b');
  assert.is(renderString('echo {{quote x}}', vars, { shell: true }), `echo 'a b'`);
  assert.is(renderString('echo {{ x | quote }}', vars, { shell: true }), `echo 'a b'`);
});

test('helpers inside shell text are quoted once as a whole', () => {
  assert.is(renderString("echo {{join list ' '}}", vars, { shell: true }), `echo 'p q'\\''r'`);
  assert.is(renderString('echo {{basename "/a b/c d.db"}}', vars, { shell: true }), `echo 'c d.db'`);
});

test('each blocks still quote in shell mode', () => {
  assert.is(renderString('{{#each list}}[{{this}}]{{/each}}', vars, { shell: true }), `[p]['q'\\''r']`);
});

test('Jinja filter spelling is translated', () => {
  assert.is(renderString("{{ missing | default('fallback') }}", vars), 'fallback');
  assert.is(renderString("{{ list | join(',') }}", vars), "p,q'r");
  assert.is(renderString("{{ missing | default('a') | upper }}", vars), 'A');
  assert.is(renderString("{{ hostvars['e1'].etcd_address }}", vars), '127.0.1.11');
  assert.is(renderString("{{ groups['etcd'][1] }}", vars), 'e2');
  assert.is(renderString('{{ list | length }}', vars), '2');
  assert.is(renderString("{{ empty | default('x', true) }}", vars), 'x');
});

test('initial_cluster and endpoints from hostvars', () => {
  assert.is(renderString('{{initial_cluster groups.etcd}}', vars), 'one=https://127.0.1.11:2380,e2=https://127.0.1.12:12380,e3=https://127.0.1.13:2380');
  assert.is(renderString("{{initial_cluster 'etcd'}}", vars), 'one=https://127.0.1.11:2380,e2=https://127.0.1.12:12380,e3=https://127.0.1.13:2380');
  assert.is(renderString('{{ endpoints groups.etcd }}', vars), 'https://127.0.1.11:2379,https://127.0.1.12:2379,https://127.0.1.13:2379');
});

test('json, basename, dirname, timestamp', () => {
  assert.is(renderString('{{json obj.a}}', vars), '{"b": {"c": "deep"}}', "Python's json.dumps separators, as to_json");
  assert.is(renderString("{{basename '/var/backup/db'}} {{dirname '/var/backup/db'}}", vars), 'db /var/backup');
  const t = renderString('{{ timestamp }}', vars);
  assert.match(t, /^\d{14}$/);
  assert.is(renderString('{{ timestamp }}', vars), t, 'one clock per process');
  assert.match(renderString("{{timestamp '%Y-%m-%d'}}", vars), /^\d{4}-\d{2}-\d{2}$/);
});

test('unknown helpers and filters are errors, not silent output', () => {
  assert.throws(() => renderString('{{ nohelper x }}', vars), (e: unknown) => e instanceof TemplateError && /unknown helper 'nohelper'/.test((e as Error).message));
  assert.throws(() => renderString('{{ x | nofilter }}', vars), (e: unknown) => e instanceof TemplateError && /unknown filter 'nofilter'.*column 8/.test((e as Error).message));
});

test('Jinja expressions work inside {{ }} (issue 13: were errors before)', () => {
  assert.is(renderString("{{ 'a' if n else 'b' }}", vars), 'a');
  assert.is(renderValue('{{ n | int + 1 }}', vars), 6);
  assert.is(renderValue('{{ n > 3 and flag }}', vars), true);
});

test('syntax errors are TemplateErrors with a message', () => {
  assert.throws(() => renderString('{{ x ', vars), (e: unknown) => e instanceof TemplateError && /does not parse/.test((e as Error).message));
});

test('renderDeep renders nested strings, keeps types and keys', () => {
  assert.equal(renderDeep({ a: ['{{ n }}', 'x{{ n }}'], '{{ k }}': { b: '{{ flag }}' } }, vars), { a: [5, 'x5'], '{{ k }}': { b: true } });
});


test('values typed as Ansible types them: literals, to_json text, the last newline', () => {
  const vars = { s: '{"a": 1}' };
  // [template, etcdplay, ansible-playbook 2.14 where it differs (set_fact + type_debug)]
  const cases: [string, unknown, unknown?][] = [
    ['{{ \'{"a": 1}\' }}\n', '{"a": 1}\n', { a: 1 }],
    ['{{ s }}\n', '{"a": 1}\n', { a: 1 }],
    ["{{ {'a':1} | to_nice_json }}\n", '{\n    "a": 1\n}\n'],
    ["{{ {'a':1} | to_json }}", '{"a": 1}'],
    ['{{ [1,2] | to_json }}\n', '[1, 2]\n'],
    ["{{ {'a':1} }}\n", { a: 1 }],
    ['{{ s }}', '{"a": 1}', { a: 1 }],
    ["{{ {'a':1} | to_json }}\n\n", { a: 1 }],
    ['x {{ s }}\n', 'x {"a": 1}\n'],
  ];
  // Text of a single {{ }} stays text (ansible-core 2.19 keeps it; 2.14 read it as a literal).
  for (const [tpl, want] of cases) assert.equal(renderValue(tpl, vars), want, JSON.stringify(tpl));
});

test.run();
