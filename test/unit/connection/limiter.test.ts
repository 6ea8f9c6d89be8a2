import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Limiter } from '../../../src/connection/limiter.js';

test('never more than the limit at once, FIFO, all complete', async () => {
  const l = new Limiter(3);
  let active = 0;
  let peak = 0;
  const order: number[] = [];
  await Promise.all(Array.from({ length: 10 }, (_, i) => l.run(async () => {
    active++;
    peak = Math.max(peak, active);
    order.push(i);
    await new Promise((r) => setTimeout(r, 5));
    active--;
  })));
  assert.is(peak, 3);
  assert.equal(order, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.is(l.inUse, 0);
});

test('release is idempotent; setLimit shrinks; abort removes a waiter', async () => {
  const l = new Limiter(2);
  const r1 = await l.acquire();
  const r2 = await l.acquire();
  const ac = new AbortController();
  const waiting = l.acquire(ac.signal);
  ac.abort();
  try { await waiting; assert.unreachable(); } catch (e) { assert.is((e as Error).name, 'AbortError'); }
  r1(); r1();
  assert.is(l.inUse, 1);
  l.setLimit(1);
  let got = false;
  const p = l.acquire().then((r) => { got = true; return r; });
  await new Promise((r) => setTimeout(r, 5));
  assert.not.ok(got);
  r2();
  (await p)();
  assert.ok(got);
});

test.run();
