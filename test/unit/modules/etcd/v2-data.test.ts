/** etcd_v2_data against the output of the real script on etcd 3.4.23 / 3.3.25 binaries (fixtures/v2). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CommandStep } from '../../../../src/model/step.js';
import { getModule } from '../../../../src/modules/registry.js';
import { interpretV2, judgeV2 } from '../../../../src/modules/etcd/v2-data.js';
import { parseV2List, parseV2SnapPaths, parseV2WalOps, replayV2, splitSections } from '../../../../src/modules/etcd/parse.js';

const fx = (n: string) => readFileSync(resolve(import.meta.dirname, `fixtures/v2/${n}.txt`), 'utf8');
const ran = (stdout: string) => [{ status: 'ran', rc: 0, stdout, stderr: '', changed: false, step: { kind: 'command' } }] as never;
const EP = 'https://192.0.2.11:2379';

test('parsers: v2 ls lines, v2 paths embedded in a .snap file (user keys under /1)', () => {
  assert.equal(parseV2List('/a\n/a/b\n\nError: x\n'), ['/a', '/a/b']);
  assert.equal(parseV2SnapPaths('"Path":"/0/members"…"Path":"/1/dir"…"Path":"/1/dir/k"'), ['/dir', '/dir/k']);
});

test('3.4.23 --enable-v2 with v2 keys: refused from the v2 API, naming member, count, keys and the fix', () => {
  const r = interpretV2(ran(fx('v34-api-keys')), EP, '/var/lib/etcd/default', 'etcd1');
  assert.ok(r.failed);
  assert.is(r.changed, false);
  assert.match(r.msg!, /^etcd1: the etcd v2 store holds 8 node\(s\) \(\/v2dir, \/v2dir\/k1, \/v2dir\/k2, \/v2dir\/k3, \/v2dir\/k4, … \(3 more\)\)/);
  assert.match(r.msg!, /seen in the v2 API of https:\/\/192\.0\.2\.11:2379/);
  assert.match(r.msg!, /they would be lost, so nothing was changed/);
  assert.match(r.msg!, /ETCDCTL_API=3 etcdctl put/);
  assert.match(r.msg!, /ETCDCTL_API=2 etcdctl rm --recursive/);
  assert.is((r.data as { source: string }).source, 'api');
});

test('v2 API disabled (3.4.23 default), snapshot-file fixture without a WAL section: the newest .snap decides', () => {
  const v = judgeV2(splitSections(fx('v34-disabled-snap-keys')));
  assert.is(v.source, 'data-dir');
  assert.is(v.snapFile, '/var/lib/etcd/default/member/snap/0000000000000002-000000000000000c.snap');
  assert.match(v.apiError!, /response is invalid json/);
  assert.equal(v.nodes.slice(0, 2), ['/v2dir', '/v2dir/k1']);
  const r = interpretV2(ran(fx('v34-disabled-snap-keys')), EP, '/var/lib/etcd/default', 'etcd2');
  assert.ok(r.failed);
  assert.match(r.msg!, /seen in \/var\/lib\/etcd\/default\/member \(newest \.snap 0000000000000002-000000000000000c\.snap \+ 0 v2 write\(s\) in the WAL\); the v2 API did not answer: Error: {2}client: response is invalid json/);
});

test('WAL replay: writes in WAL order, a delete takes its subtree; hidden keys counted', () => {
  const ops = parseV2WalOps('A 20:/1/a/k\nD 30:/1/a\nA 10:/1/x\nA 40:/1/_h\nnoise\n');
  assert.equal(ops.map((o) => `${o.op}${o.offset}${o.path}`), ['A10/x', 'A20/a/k', 'D30/a', 'A40/_h']);
  assert.equal(replayV2(['/a', '/a/old', '/b'], ops), ['/_h', '/b', '/x']);
});

test('real 3.4.23 data dir, keys set then deleted (incl. a hidden one and an empty dir): passes with or without the API', () => {
  const api = interpretV2(ran(fx('v34-api-empty-wal-deleted')), EP, '/var/lib/etcd/default', 'etcd1');
  assert.not.ok(api.failed, api.msg);
  assert.is((api.data as { walWrites: number }).walWrites, 12);
  const disk = interpretV2(ran(fx('v34-noapi-snap-wal-deleted')), EP, '/var/lib/etcd/default', 'etcd1');
  assert.not.ok(disk.failed, disk.msg);
  assert.match(disk.msg!, /^no v2 data in \/var\/lib\/etcd\/default\/member \(newest \.snap 0000000000000003-0000000000000024\.snap \+ 12 v2 write\(s\) in the WAL\) \(the v2 API did not answer: /);
});

test('real 3.4.23 data dir with live v2 keys: the API lists /app, /app/k; the hidden /_secret comes from the data dir; without the API the WAL finds them', () => {
  const api = interpretV2(ran(fx('v34-api-keys-hidden')), EP, '/var/lib/etcd/default', 'etcd1');
  assert.ok(api.failed);
  assert.equal((api.data as { nodes: string[] }).nodes, ['/app', '/app/k', '/_secret']);
  const disk = judgeV2(splitSections(fx('v34-noapi-wal-keys')));
  assert.is(disk.source, 'data-dir');
  assert.equal(disk.nodes, ['/_secret', '/app/k']);
});

test('no v2 data: 3.3.25 (v2 API on by default) lists nothing -> passes; nothing readable -> passes, saying it could not check', () => {
  const ok = interpretV2(ran(fx('v33-api-empty')), EP, '/var/lib/etcd/default', 'etcd1');
  assert.not.ok(ok.failed);
  assert.is(ok.msg, `no v2 data (the v2 API of ${EP} lists nothing)`);
  const none = interpretV2(ran(fx('v34-disabled-nosnap')), EP, '/var/lib/etcd/default', 'etcd1');
  assert.not.ok(none.failed);
  assert.match(none.msg!, /^v2 data not checked: the v2 API did not answer .* \/var\/lib\/etcd\/default\/member has neither a \.snap file nor a readable WAL/);
});

test('plan: read-only, this member\'s endpoint and data dir as positional args, v2 TLS mapped from the v3 environment', () => {
  const ctx = { host: 'etcd1', check: false, vars: { etcd_address: '192.0.2.11', etcd_scheme: 'https', etcd_ca_file: '/pki/ca.crt', etcd_client_cert_file: '/pki/c.crt', etcd_client_key_file: '/pki/c.key', etcd_data_dir: '/data/etcd' } };
  const [s] = getModule('etcd_v2_data')!.plan({}, ctx as never) as CommandStep[];
  assert.is(s!.mutates, false);
  const c = s!.command.kind === 'exec' ? s!.command : undefined;
  assert.equal(c!.argv.slice(3), ['etcdplay', EP, '/data/etcd']);
  assert.equal(c!.env, { ETCDCTL_API: '3', ETCDCTL_CACERT: '/pki/ca.crt', ETCDCTL_CERT: '/pki/c.crt', ETCDCTL_KEY: '/pki/c.key' });
  assert.match(c!.argv[2]!, /ETCDCTL_API=2 ETCDCTL_CA_FILE="\$ETCDCTL_CACERT"/);
});

test.run();
