import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { batchSize, playHosts, splitBatches } from '../../../src/plan/hosts.js';
import type { Play } from '../../../src/model/playbook.js';
import { inventory } from './support.js';

const h = (n: number) => Array.from({ length: n }, (_, i) => `h${i + 1}`);

test('no serial: one batch', () => {
  assert.equal(splitBatches(h(3), []), [['h1', 'h2', 'h3']]);
  assert.equal(splitBatches([], [1]), []);
});

test('numbers, the last repeats', () => {
  assert.equal(splitBatches(h(5), [1]), [['h1'], ['h2'], ['h3'], ['h4'], ['h5']]);
  assert.equal(splitBatches(h(6), [1, 2]), [['h1'], ['h2', 'h3'], ['h4', 'h5'], ['h6']]);
  assert.equal(splitBatches(h(3), [10]), [['h1', 'h2', 'h3']]);
});

test('percentages round down, at least one host', () => {
  assert.is(batchSize('30%', 5), 1);
  assert.is(batchSize('50%', 5), 2);
  assert.is(batchSize('10%', 3), 1);
  assert.is(batchSize('100%', 5), 5);
  assert.equal(splitBatches(h(5), [1, '50%']), [['h1'], ['h2', 'h3'], ['h4', 'h5']]);
  assert.equal(splitBatches(h(4), ['2']), [['h1', 'h2'], ['h3', 'h4']]);
  assert.throws(() => batchSize('abc', 3), /neither a number nor a percentage/);
});

test('playHosts: pattern in inventory order, narrowed by --limit', () => {
  const inv = inventory();
  const play = { hosts: 'etcd:masters' } as Play;
  assert.equal(playHosts(play, inv), ['e1', 'e2', 'e3', 'm1']);
  assert.equal(playHosts(play, inv, 'e2,m1'), ['e2', 'm1']);
  assert.equal(playHosts({ hosts: 'etcd:!e2' } as Play, inv), ['e1', 'e3']);
  assert.equal(playHosts(play, inv, 'nothing'), []);
});

test.run();
