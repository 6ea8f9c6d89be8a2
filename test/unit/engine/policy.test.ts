import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Redactor, REDACTED } from '../../../src/template/secret.js';
import { exitCodeFor, emptyRecap } from '../../../src/engine/exitcode.js';
import { mapLimit } from '../../../src/engine/limit.js';
import { newRunId } from '../../../src/engine/runid.js';

test('redactor replaces secrets deep inside values, longest first', () => {
  const r = new Redactor();
  r.add('hunter2');
  r.add('hunter2-long');
  r.add('ab'); // too short to redact
  const v = r.value({ a: 'pw=hunter2-long x hunter2', b: ['hunter2'], c: 5, d: { e: 'ab' } });
  assert.equal(v, { a: `pw=${REDACTED} x ${REDACTED}`, b: [REDACTED], c: 5, d: { e: 'ab' } });
});

test('exit codes: interrupted > failed > unreachable > ok', () => {
  const ok = { a: emptyRecap() };
  assert.is(exitCodeFor(ok, false), 0);
  assert.is(exitCodeFor({ a: { ...emptyRecap(), unreachable: 1 } }, false), 4);
  assert.is(exitCodeFor({ a: { ...emptyRecap(), unreachable: 1 }, b: { ...emptyRecap(), failed: 1 } }, false), 2);
  assert.is(exitCodeFor({ a: { ...emptyRecap(), failed: 1 } }, true), 130);
  assert.is(exitCodeFor(ok, false, true), 2);
  assert.is(exitCodeFor({ a: { ...emptyRecap(), rescued: 1, ignored: 2 } }, false), 0);
});

test('mapLimit keeps order and never exceeds the limit', async () => {
  let inFlight = 0;
  let peak = 0;
  const out = await mapLimit([1, 2, 3, 4, 5, 6, 7], 3, async (x) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((r) => setImmediate(r));
    inFlight--;
    return x * 2;
  });
  assert.equal(out, [2, 4, 6, 8, 10, 12, 14]);
  assert.is(peak, 3);
});

test('run ids are unique and sortable', () => {
  const a = newRunId(new Date('2026-01-02T03:04:05Z'));
  assert.match(a, /^20260102T030405Z-[0-9a-f]{6}$/);
  assert.is.not(newRunId(), newRunId());
});

test.run();
