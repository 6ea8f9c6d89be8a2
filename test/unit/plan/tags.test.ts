import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTagList, tagsSelect } from '../../../src/plan/tags.js';

test('no --tags: everything except never', () => {
  assert.ok(tagsSelect([]));
  assert.ok(tagsSelect(['x']));
  assert.ok(tagsSelect(['always']));
  assert.not.ok(tagsSelect(['never']));
  assert.not.ok(tagsSelect(['never', 'debug']));
});

test('--tags selects; always always runs; never only when asked', () => {
  assert.ok(tagsSelect(['a'], ['a']));
  assert.not.ok(tagsSelect(['b'], ['a']));
  assert.not.ok(tagsSelect([], ['a']));
  assert.ok(tagsSelect(['always'], ['a']));
  assert.ok(tagsSelect(['never', 'debug'], ['debug']));
  assert.ok(tagsSelect(['never'], ['never']));
  assert.ok(tagsSelect(['x'], ['tagged']));
  assert.not.ok(tagsSelect([], ['tagged']));
  assert.ok(tagsSelect([], ['untagged']));
});

test('--skip-tags', () => {
  assert.not.ok(tagsSelect(['a'], undefined, ['a']));
  assert.ok(tagsSelect(['always'], undefined, ['a']));
  assert.not.ok(tagsSelect(['always'], undefined, ['always']));
  assert.ok(tagsSelect(['always'], undefined, ['all']), "'always' survives skip-tags all");
  assert.not.ok(tagsSelect(['a'], ['a'], ['a']));
  assert.not.ok(tagsSelect(['x'], undefined, ['tagged']));
});

test('parseTagList splits commas', () => {
  assert.equal(parseTagList(['a,b', ' c ']), ['a', 'b', 'c']);
  assert.is(parseTagList([]), undefined);
});

test.run();
