import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, readJournal } from '../../../src/engine/journal.js';

const dirs: string[] = [];
test.after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
function fresh(): string {
  const d = mkdtempSync(join(tmpdir(), 'etcdplay-journal-'));
  dirs.push(d);
  return d;
}
const meta = { runId: 'r1', playbook: { file: 'p.yml', sha256: 'x' }, inventory: [], extraVars: {}, secretVars: [], options: {}, check: false };

test('write() is asynchronous and coalesced; settle() sees the last state, whole; no temp file left', async () => {
  const d = fresh();
  const j = new Journal(d, meta);
  await j.flush();
  for (let i = 0; i < 50; i++) {
    j.host(`h${i % 5}`).tasks[`t${i}`] = 'ok';
    j.write();
  }
  await j.settle();
  const back = readJournal(d)!;
  assert.is(Object.keys(back.hosts).length, 5);
  assert.is(Object.values(back.hosts).reduce((n, h) => n + Object.keys(h.tasks).length, 0), 50);
  assert.equal(readdirSync(d), ['journal.json']);
  await j.sync();
  await j.sync(); // nothing left to sync: a no-op
});

test('a write that fails is reported through onError, and flush() throws', async () => {
  const d = fresh();
  const j = new Journal(join(d, 'gone'), meta);
  const errors: string[] = [];
  j.onError = (e) => errors.push(e.message);
  j.write(); // the run directory does not exist: the rename target's directory is missing
  await j.settle();
  assert.is(errors.length, 1);
  assert.match(errors[0]!, /ENOENT/);
  rmSync(d, { recursive: true, force: true });
  await j.flush().then(() => undefined, () => undefined);
});

test('flush() waits for writes in flight and leaves the newest state on disk', async () => {
  const d = fresh();
  const j = new Journal(d, meta);
  await j.flush();
  j.host('a').tasks['t1'] = 'changed';
  j.write();
  j.data.status = 'ok';
  await j.flush();
  const text = readFileSync(join(d, 'journal.json'), 'utf8');
  assert.is(JSON.parse(text).status, 'ok');
  assert.is(JSON.parse(text).hosts.a.tasks.t1, 'changed');
});

test.run();
