import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConnectionPool, poolKey } from '../../../src/connection/factory.js';

test('the pool keys connections per host and login user (remote_user), and local apart', () => {
  const a = poolKey('db1', { ansible_host: '10.0.0.1', ansible_user: 'deploy' });
  assert.is.not(a, poolKey('db1', { ansible_host: '10.0.0.1', ansible_user: 'backup' }));
  assert.is(a, poolKey('db1', { ansible_host: '10.0.0.1', ansible_user: 'deploy', other: 1 }));
  assert.is(poolKey('db1', { ansible_ssh_user: 'deploy' }), poolKey('db1', { ansible_user: 'deploy' }));
  assert.is.not(poolKey('db1', { ansible_connection: 'local' }), poolKey('db1', {}));
  assert.is.not(poolKey('db1', {}), poolKey('db2', {}));
  assert.throws(() => poolKey('db1', { ansible_connection: 'winrm' }), /not supported/);
});

test('one connection per key: the same host as another user (or locally) gets its own', async () => {
  const pool = new ConnectionPool({ hostKeyChecking: 'strict' });
  try {
    const c1 = await pool.get('h', { ansible_connection: 'local' });
    const c2 = await pool.get('h', { ansible_connection: 'local', ansible_user: 'ignored-locally' });
    assert.is(c1, c2);
    const other = await pool.get('h2', { ansible_connection: 'local' });
    assert.is.not(other, c1);
    await pool.get('h', { ansible_connection: 'winrm' }).then(() => assert.unreachable('winrm'), (e: Error) => assert.match(e.message, /not supported/));
  } finally {
    await pool.closeAll();
  }
});

test.run();
