import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { expandHostRange, hasRange } from '../../../src/load/ranges.js';

const names = (p: string) => expandHostRange(p).names;

test('numeric ranges, zero padding from the start', () => {
  assert.equal(names('etcd[01:03].example.com'), ['etcd01.example.com', 'etcd02.example.com', 'etcd03.example.com']);
  assert.equal(names('etcd[1:3]'), ['etcd1', 'etcd2', 'etcd3']);
  assert.equal(names('n[8:11]'), ['n8', 'n9', 'n10', 'n11']);
  assert.equal(names('n[001:003]'), ['n001', 'n002', 'n003']);
  assert.equal(names('[1:2].example.com'), ['1.example.com', '2.example.com']);
  assert.equal(names('n[:2]'), ['n0', 'n1', 'n2']);
});

test('letters and strides', () => {
  assert.equal(names('node[a:c]'), ['nodea', 'nodeb', 'nodec']);
  assert.equal(names('h[1:10:2]'), ['h1', 'h3', 'h5', 'h7', 'h9']);
  assert.equal(names('x[a:e:2]'), ['xa', 'xc', 'xe']);
  assert.equal(names('h[0:0]'), ['h0']);
});

test('several ranges multiply, in order', () => {
  assert.equal(names('r[1:2]-[a:b]'), ['r1-a', 'r1-b', 'r2-a', 'r2-b']);
});

test('no range: the name itself', () => {
  assert.equal(names('plain.example.com'), ['plain.example.com']);
  assert.ok(!hasRange('plain'));
  assert.ok(hasRange('a[1:2]'));
});

test('errors carry the offset of the bracket', () => {
  assert.equal(expandHostRange('x[3:1]'), { names: [], error: "host range '[3:1]' must have begin <= end", at: 1 });
  assert.match(expandHostRange('x[01:100]').error!, /same number of digits/);
  assert.match(expandHostRange('x[1]').error!, /must be \[begin:end\]/);
  assert.match(expandHostRange('x[1:').error!, /unclosed/);
  assert.match(expandHostRange('x]').error!, /unbalanced/);
  assert.match(expandHostRange('x[1:]').error!, /has no end/);
  assert.match(expandHostRange('x[1:5:0]').error!, /invalid step/);
  assert.match(expandHostRange('x[a:3]').error!, /numbers .* or single letters/);
  assert.is(expandHostRange('ab[1:2]-[3:1]').at, 8);
  assert.match(expandHostRange('x[1:1000000]').error!, /too large/);
});

test.run();
