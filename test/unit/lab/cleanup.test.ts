import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { creatorRunning } from '../../../src/lab/cleanup.js';

test('a lab\'s creator counts as running only when it is a live node process other than this one', async () => {
  assert.not.ok(creatorRunning(undefined));
  assert.not.ok(creatorRunning(process.pid), 'this process (the runner) is not a concurrent run');
  const node = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
  const sleep = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(creatorRunning(node.pid), 'a live node process');
    assert.not.ok(creatorRunning(sleep.pid), 'a reused pid of another program');
  } finally {
    node.kill('SIGKILL');
    sleep.kill('SIGKILL');
  }
  await new Promise((r) => node.once('exit', r));
  assert.not.ok(creatorRunning(node.pid), 'gone');
});

test.run();
