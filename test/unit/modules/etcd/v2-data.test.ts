/** etcd_v2_data against the output of the real script on etcd 3.4.23 / 3.3.25 binaries (fixtures/v2). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CommandStep } from '../../../../src/model/step.js';
import { getModule } from '../../../../src/modules/registry.js';
import { interpretV2, judgeV2 } from '../../../../src/modules/etcd/v2-data.js';
import { parseV2List, parseV2SnapPaths, splitSections } from '../../../../src/modules/etcd/parse.js';

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

test('v2 API disabled (3.4.23 default): the newest .snap file is read; keys there refuse', () => {
  const v = judgeV2(splitSections(fx('v34-disabled-snap-keys')));
  assert.is(v.source, 'snapshot-file');
  assert.is(v.snapFile, '/var/lib/etcd/default/member/snap/0000000000000002-000000000000000c.snap');
  assert.match(v.apiError!, /response is invalid json/);
  assert.equal(v.nodes.slice(0, 2), ['/v2dir', '/v2dir/k1']);
  const r = interpretV2(ran(fx('v34-disabled-snap-keys')), EP, '/var/lib/etcd/default', 'etcd2');
  assert.ok(r.failed);
  assert.match(r.msg!, /seen in \/var\/lib\/etcd\/default\/member\/snap\/0000000000000002-000000000000000c\.snap \(the v2 API did not answer: Error: {2}client: response is invalid json/);
});

test('no v2 data: 3.3.25 (v2 API on by default) lists nothing -> passes; v2 off and no .snap -> passes, saying what it could not see', () => {
  const ok = interpretV2(ran(fx('v33-api-empty')), EP, '/var/lib/etcd/default', 'etcd1');
  assert.not.ok(ok.failed);
  assert.is(ok.msg, `no v2 data (the v2 API of ${EP} lists nothing)`);
  const none = interpretV2(ran(fx('v34-disabled-nosnap')), EP, '/var/lib/etcd/default', 'etcd1');
  assert.not.ok(none.failed);
  assert.match(none.msg!, /^v2 data not checked: the v2 API did not answer .* \/var\/lib\/etcd\/default\/member\/snap has no \.snap file/);
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
