/**
 * Which etcd on a host is this member's (etcd_pids in the script prelude): a second cluster on the
 * same hosts (kubespray's etcd-events: own unit, data dir, ports) must never be taken for this one.
 * Real processes named etcd (a copy of sh), one with --data-dir in its argv, one with
 * ETCD_DATA_DIR in its environment, as the Debian unit starts etcd.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instanceEnv, PRELUDE } from '../../../../src/modules/etcd/common.js';
import type { PlanContext } from '../../../../src/modules/module.js';

const dir = mkdtempSync(join(tmpdir(), 'etcdplay-instance-'));
const fake = join(dir, 'etcd');
copyFileSync('/bin/sh', fake);
spawnSync('chmod', ['755', fake]);
const kids: ChildProcess[] = [];
const start = (args: string[], env: Record<string, string> = {}) => {
  const c = spawn(fake, ['-c', 'sleep 60; :', ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'ignore' });
  kids.push(c);
  return c.pid!;
};
const pids = (dataDir: string | undefined) => {
  const r = spawnSync('sh', ['-c', `${PRELUDE}\netcd_pids`], { encoding: 'utf8', env: { ...process.env, ...(dataDir ? { ETCDPLAY_DATA_DIR: dataDir } : {}) } });
  return r.stdout.split('\n').filter(Boolean).map(Number);
};

test.after(() => {
  for (const k of kids) k.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

test('etcd_pids: this data dir only (argv or environment); unknown dir: every etcd', async () => {
  const main = start(['--name', 'm', `--data-dir=${dir}/main`]);
  const split = start(['--data-dir', `${dir}/split/`]);
  const events = start([], { ETCD_DATA_DIR: `${dir}/events` });
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(pids(`${dir}/main`), [main]);
  assert.equal(pids(`${dir}/split`), [split], '--data-dir DIR as two words, trailing slash');
  assert.equal(pids(`${dir}/events`), [events], 'ETCD_DATA_DIR from the environment (the Debian unit)');
  assert.equal(pids(`${dir}/other`), []);
  const all = pids(undefined);
  for (const p of [main, split, events]) assert.ok(all.includes(p), 'no data dir known: every etcd counts');
});

test('instanceEnv: the data dir from args, inventory or facts; nothing when unknown', () => {
  const ctx = (vars: Record<string, unknown>, facts?: Record<string, unknown>) => ({ host: 'h', vars, hostvars: {}, check: false, playHosts: ['h'], ...(facts ? { facts } : {}) }) as PlanContext;
  assert.equal(instanceEnv({}, ctx({})), {});
  assert.equal(instanceEnv({}, ctx({ etcd_data_dir: '/var/lib/etcd-events/' })), { ETCDPLAY_DATA_DIR: '/var/lib/etcd-events' });
  assert.equal(instanceEnv({ data_dir: '/d' }, ctx({ etcd_data_dir: '/x' })), { ETCDPLAY_DATA_DIR: '/d' });
  assert.equal(instanceEnv({}, ctx({}, { etcd: { dataDir: '/from/facts' } })), { ETCDPLAY_DATA_DIR: '/from/facts' });
  assert.throws(() => instanceEnv({}, ctx({ etcd_data_dir: '/a dir' })), /data_dir/);
});

test.run();
