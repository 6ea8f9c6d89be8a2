/**
 * Cached install layers (src/lab/layer.ts) without root: what the cache key covers, the build
 * shell, the ids read from a layer's passwd.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAYER_BUILD, layerKey, stackedLower, userIds, type LayerSpec } from '../../../src/lab/layer.js';
import { ROOTFS_MARKER } from '../../../src/lab/rootfs.js';

const dir = mkdtempSync(join(tmpdir(), 'etcdplay-layer-'));
const rootfs = join(dir, 'rootfs');
const repo = join(dir, 'repo');
mkdirSync(join(rootfs, 'etc'), { recursive: true });
mkdirSync(repo);
writeFileSync(join(rootfs, ROOTFS_MARKER), 'built once\n');
writeFileSync(join(repo, 'Packages'), 'Package: etcd-server\nVersion: 3.5.16-4\n');
const spec: LayerSpec = { label: 'systemd-etcd-3.5.16-4', rootfs, repoDir: repo, script: 'apt-get install etcd-server' };

test('layer key: readable label, and it changes with the script, the files, the repository index and the rootfs build', () => {
  const k = layerKey(spec);
  assert.match(k, /^systemd-etcd-3\.5\.16-4-[0-9a-f]{12}$/);
  assert.is(layerKey({ ...spec }), k);
  assert.is.not(layerKey({ ...spec, script: spec.script + ' etcd-client' }), k);
  assert.is.not(layerKey({ ...spec, files: [{ path: '/etc/sysusers.d/etcd.conf', text: 'u etcd' }] }), k);
  writeFileSync(join(repo, 'Packages'), 'Package: etcd-server\nVersion: 3.5.30-2\n');
  const k2 = layerKey(spec);
  assert.is.not(k2, k);
  writeFileSync(join(rootfs, ROOTFS_MARKER), 'built again\n');
  assert.is.not(layerKey(spec), k2);
  assert.match(layerKey({ ...spec, label: 'sysv-etcd-3.3.25+dfsg-6+b6' }), /^sysv-etcd-3\.3\.25\+dfsg-6\+b6-/);
  assert.not.match(layerKey({ ...spec, label: 'a b,c:d' }), /[ ,:]/); // usable in an overlay lowerdir
});

test('layer build shell parses; the layer stacks over its rootfs', () => {
  execFileSync('sh', ['-n', '-c', LAYER_BUILD]);
  assert.match(LAYER_BUILD, /mount -t tmpfs[^\n]*"\$root\/run"/); // package scripts see no running init
  assert.match(LAYER_BUILD, /remount,bind,ro/);
  assert.is(stackedLower('/c/layers/x/layer', '/c/rootfs'), '/c/layers/x/layer:/c/rootfs');
});

test('userIds reads the layer passwd; a missing user is a clear error', () => {
  const layer = join(dir, 'layer');
  mkdirSync(join(layer, 'etc'), { recursive: true });
  writeFileSync(join(layer, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\netcdx:x:5:5::/:/bin/false\netcd:x:997:996::/var/lib/etcd:/usr/sbin/nologin\n');
  assert.equal(userIds(layer, 'etcd'), { uid: 997, gid: 996 });
  assert.throws(() => userIds(layer, 'nobody'), /user 'nobody' is not in .*etc\/passwd/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
