/** `etcdplay modules` in-process (stdout captured). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../../src/cli/commands/modules.js';

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const w1 = process.stdout.write.bind(process.stdout);
  const w2 = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => { out += s; return true; }) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => { err += s; return true; }) as typeof process.stderr.write;
  try {
    const code = await run(argv);
    return { code, out, err };
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
  }
}

test('list: every module with its summary', async () => {
  const r = await capture([]);
  assert.is(r.code, 0);
  assert.match(r.out, /^command +Run a program with arguments on the host, without a shell$/m);
  assert.match(r.out, /^wait_for +Wait/m);
});

test('one module, by name or FQCN alias', async () => {
  const r = await capture(['ansible.builtin.service']);
  assert.is(r.code, 0);
  assert.match(r.out, /^service - Start, stop/);
  assert.match(r.out, /ARGUMENTS\n {2}name +string/);
  assert.match(r.out, /EXAMPLES\n/);
  const md = await capture(['copy', '--markdown']);
  assert.match(md.out, /^## copy\n/);
  assert.match(md.out, /\| `dest` \| string \| yes \|/);
});

test('unknown module: exit 2 with suggestions', async () => {
  const r = await capture(['servce']);
  assert.is(r.code, 2);
  assert.match(r.err, /no module 'servce' \(did you mean 'service'/);
});

test.run();
