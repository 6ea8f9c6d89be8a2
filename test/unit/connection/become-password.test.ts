import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { becomePasswordFor } from '../../../src/connection/become-password.js';

test('the host variable wins over -K; ansible_become_pass is the older name', () => {
  assert.is(becomePasswordFor({ ansible_become_password: 'host' }, 'cli'), 'host');
  assert.is(becomePasswordFor({ ansible_become_pass: 'old' }, 'cli'), 'old');
  assert.is(becomePasswordFor({ ansible_become_password: 'new', ansible_become_pass: 'old' }, 'cli'), 'new');
  assert.is(becomePasswordFor({}, 'cli'), 'cli');
  assert.is(becomePasswordFor({}), undefined);
});

test('a number is its text; an empty or non-text value counts as not set', () => {
  assert.is(becomePasswordFor({ ansible_become_password: 1234 }, 'cli'), '1234');
  assert.is(becomePasswordFor({ ansible_become_password: '' }, 'cli'), 'cli');
  assert.is(becomePasswordFor({ ansible_become_password: '', ansible_become_pass: 'old' }, 'cli'), 'old');
  assert.is(becomePasswordFor({ ansible_become_password: { a: 1 } }, 'cli'), 'cli');
});

test.run();
