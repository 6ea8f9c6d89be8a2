import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, readJournal, type JournalEntry } from '../../../src/engine/journal.js';

const dirs: string[] = [];
test.after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
function fresh(): string {
  const d = mkdtempSync(join(tmpdir(), 'etcdplay-journal-'));
  dirs.push(d);
  return d;
}
const meta = { runId: 'r1', playbook: { file: 'p.yml', sha256: 'x' }, inventory: [], extraVars: {}, secretVars: [], options: {}, check: false };

const entry = (host: string, task: string, extra: Partial<JournalEntry> = {}): JournalEntry => ({ host, task, status: 'ok', pending: [], ...extra });

test('record() appends off the event loop, coalesced; settle() sees every outcome; readJournal folds the log into the snapshot', async () => {
  const d = fresh();
  const j = new Journal(d, meta);
  await j.flush();
  for (let i = 0; i < 50; i++) j.record(entry(`h${i % 5}`, `t${i}`, { registered: { [`r${i}`]: { rc: 0 } } }));
  await j.settle();
  const back = readJournal(d)!;
  assert.is(Object.keys(back.hosts).length, 5);
  assert.is(Object.values(back.hosts).reduce((n, h) => n + Object.keys(h.tasks).length, 0), 50);
  assert.equal(back.hosts.h3!.registered.r48, { rc: 0 });
  assert.equal(readdirSync(d).sort(), ['journal.json', 'journal.log']);
  await j.sync();
  await j.sync(); // nothing left to sync: a no-op
  await j.flush();
  await j.close();
  assert.equal(readdirSync(d), ['journal.json'], 'after the last snapshot the empty log goes');
  assert.is(readJournal(d)!.hosts.h3!.registered.r48 !== undefined, true);
});

test('an outcome costs O(1): the snapshot is not rewritten, and each line holds only what the outcome changed', async () => {
  const d = fresh();
  const j = new Journal(d, meta);
  await j.flush();
  const snap = statSync(join(d, 'journal.json'));
  const sizes: number[] = [];
  for (let i = 0; i < 400; i++) {
    j.record(entry(`h${i % 20}`, `t${i}`, { registered: { [`r${i}`]: { stdout: 'x'.repeat(200) } } }));
    if ((i + 1) % 100 === 0) {
      await j.settle();
      sizes.push(statSync(join(d, 'journal.log')).size);
    }
  }
  const after = statSync(join(d, 'journal.json'));
  assert.is(after.ino, snap.ino, 'journal.json not replaced per outcome');
  assert.is(after.mtimeMs, snap.mtimeMs);
  // (the first hundred have shorter names: t0..t99)
  const steps = sizes.map((n, i) => n - (sizes[i - 1] ?? 0)).slice(1);
  assert.ok(Math.max(...steps) === Math.min(...steps), `each 100 outcomes add the same bytes: ${steps.join(', ')}`);
  assert.ok(steps[0]! < 100 * 400, `about one result per line: ${steps[0]} bytes per 100 outcomes`);
});

test('a torn last line (killed mid-append) is ignored; replaying lines the snapshot holds changes nothing', async () => {
  const d = fresh();
  const j = new Journal(d, meta);
  await j.flush();
  j.record(entry('a', 't1', { status: 'changed', facts: { v: '3.5.16' } }));
  await j.settle();
  const line = readFileSync(join(d, 'journal.log'), 'utf8');
  appendFileSync(join(d, 'journal.log'), '{"host":"a","task":"t2","sta');
  let back = readJournal(d)!;
  assert.equal(back.hosts.a!.tasks, { t1: 'changed' });
  // the snapshot already holds t1; its line again, then t2 failed
  writeFileSync(join(d, 'journal.json'), JSON.stringify(back));
  writeFileSync(join(d, 'journal.log'), line + JSON.stringify(entry('a', 't2', { status: 'failed' })) + '\n');
  back = readJournal(d)!;
  assert.equal(back.hosts.a!.tasks, { t1: 'changed', t2: 'failed' });
  assert.equal(back.hosts.a!.facts, { v: '3.5.16' });
  await j.close();
});

test('a resumed run: its first snapshot holds the old log\'s outcomes, and the old log is emptied', async () => {
  const d = fresh();
  const j = new Journal(d, meta);
  await j.flush();
  j.record(entry('a', 't1'));
  await j.sync(); // killed here: the log holds t1, the snapshot does not
  const old = readJournal(d)!;
  const again = new Journal(d, old);
  await again.flush();
  assert.is(readFileSync(join(d, 'journal.log'), 'utf8'), '');
  again.record(entry('a', 't2'));
  await again.flush();
  await again.close();
  const back = readJournal(d)!;
  assert.equal(back.hosts.a!.tasks, { t1: 'ok', t2: 'ok' });
  assert.is(back.attempts, 2);
  await j.close();
});

test('an append that fails is reported through onError, and flush() throws', async () => {
  const d = fresh();
  const j = new Journal(join(d, 'gone'), meta);
  const errors: string[] = [];
  j.onError = (e) => errors.push(e.message);
  j.record(entry('a', 't1')); // the run directory does not exist
  await j.settle();
  assert.is(errors.length, 1);
  assert.match(errors[0]!, /ENOENT/);
  rmSync(d, { recursive: true, force: true });
  await j.flush().then(() => undefined, () => undefined);
});

test('flush() waits for appends in flight and leaves the newest state on disk', async () => {
  const d = fresh();
  const j = new Journal(d, meta);
  await j.flush();
  j.record(entry('a', 't1', { status: 'changed' }));
  j.data.status = 'ok';
  await j.flush();
  const text = readFileSync(join(d, 'journal.json'), 'utf8');
  assert.is(JSON.parse(text).status, 'ok');
  assert.is(JSON.parse(text).hosts.a.tasks.t1, 'changed');
  await j.close();
});

test.run();
