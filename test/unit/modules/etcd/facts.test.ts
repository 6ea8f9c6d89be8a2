/** etcd_facts interpretation: sections (as the facts script prints them) -> facts.etcd. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeSections, factsFromSections, type Sections } from '../../../../src/modules/etcd/facts.js';
import { getModule } from '../../../../src/modules/registry.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
function output(sec: Record<string, [number, string]>): string {
  const parts = Object.entries(sec).map(([k, [rc, out]]) => `"${k}":{"rc":${rc},"out":"${b64(out)}"}`);
  return `{"v":1,"sections":{${parts.join(',')}}}\n`;
}

const RUNNING = output({
  hostname: [0, 'etcd2'],
  config_path: [0, '/etc/default/etcd'],
  config: [0, 'ETCD_NAME="etcd2"\nETCD_DATA_DIR="/var/lib/etcd/default"\nETCD_ADVERTISE_CLIENT_URLS="https://127.0.1.12:2379"\nETCD_TRUSTED_CA_FILE="/etc/etcd/pki/ca.crt"\nETCD_CERT_FILE="/etc/etcd/pki/server.crt"\nETCD_KEY_FILE="/etc/etcd/pki/server.key"\nETCD_CLIENT_CERT_AUTH="true"\n'],
  etcd_version: [0, 'etcd Version: 3.5.16\nGit SHA: Not provided (use ./build instead of go build)\nGo Version: go1.24.0\nGo OS/Arch: linux/amd64'],
  etcdctl_version: [0, 'etcdctl version: 3.5.16\nAPI version: 3.5'],
  etcdutl_version: [0, 'etcdutl version: 3.5.16\nAPI version: 3.5'],
  packages: [0, 'etcd-server 3.5.16-4 ii \netcd-client 3.5.16-4 ii '],
  package_manager: [0, 'apt-get'],
  service_manager: [0, 'sysv'],
  pid: [0, '96'],
  cmdline: [0, '/usr/bin/etcd'],
  environ: [0, 'ETCD_NAME=etcd2\nETCD_DATA_DIR=/var/lib/etcd/default'],
  etcd_user: [0, 'uid=100(etcd) gid=101(etcd) groups=101(etcd)'],
  data_dir: [0, '/var/lib/etcd/default\nmember\n1240'],
  df: [0, 'overlay 81224712 4000000 77224712 5% /'],
  endpoint: [0, 'https://127.0.1.12:2379'],
  status: [0, '[{"Endpoint":"https://127.0.1.12:2379","Status":{"header":{"cluster_id":14660230618899659055,"member_id":13983964263709613677,"revision":501,"raft_term":2},"version":"3.5.16","dbSize":77824,"leader":13983964263709613677,"raftIndex":520,"raftTerm":2}}]'],
  members: [0, '{"header":{},"members":[{"ID":13983964263709613677,"name":"etcd2","peerURLs":["https://127.0.1.12:2380"],"clientURLs":["https://127.0.1.12:2379"]}]}'],
  health: [0, '[{"endpoint":"https://127.0.1.12:2379","health":true,"took":"2ms"}]'],
});

test('a running TLS member', () => {
  const f = factsFromSections(decodeSections(RUNNING), 'etcd2');
  assert.is(f.name, 'etcd2');
  assert.is(f.version, '3.5.16');
  assert.is(f.binaryVersion, '3.5.16');
  assert.is(f.etcdutlVersion, '3.5.16');
  assert.is(f.packageVersion, '3.5.16-4');
  assert.is(f.packageManager, 'apt');
  assert.is(f.serviceManager, 'sysv');
  assert.is(f.running, true);
  assert.is(f.dataDir, '/var/lib/etcd/default');
  assert.is(f.dataDirHasMember, true);
  assert.is(f.dataDirKb, 1240);
  assert.is(f.diskFreeKb, 77224712);
  assert.is(f.scheme, 'https');
  assert.is((f.tls as { certFile: string }).certFile, '/etc/etcd/pki/server.crt');
  assert.is(f.isLeader, true);
  assert.is(f.memberId, 'c21105685a2b1e6d');
  assert.is(f.raftIndex, 520);
  assert.is(f.revision, 501);
  assert.is(f.healthy, true);
  assert.is(f.etcdUser, true);
  assert.equal(f.errors, []);
  assert.is((f.members as unknown[]).length, 1);
});

test('a stopped member with no config: defaults, not running, no status', () => {
  const f = factsFromSections(decodeSections(output({ hostname: [0, 'h'], config_path: [0, ''], etcd_version: [127, 'sh: etcd: not found'], etcdctl_version: [127, ''], service_manager: [0, 'none'], data_dir: [0, '/var/lib/etcd/default'], endpoint: [0, 'http://127.0.0.1:2379'] })), 'h');
  assert.is(f.running, false);
  assert.is(f.version, undefined);
  assert.is(f.dataDir, '/var/lib/etcd/default');
  assert.is(f.dataDirHasMember, false);
  assert.is(f.healthy, false);
  assert.is(f.packageManager, 'none');
});

test('the module sets facts.etcd and fails clearly on a broken run', () => {
  const m = getModule('etcd_facts')!;
  const ctx = { host: 'etcd2', vars: {}, check: false };
  const [step] = m.plan({}, ctx);
  const ok = m.interpret!({}, [{ step: step!, status: 'ran', rc: 0, stdout: RUNNING, stderr: '', changed: false }], ctx);
  assert.not.ok(ok.failed);
  assert.is((ok.facts as { etcd: { version: string } }).etcd.version, '3.5.16');
  assert.match(String(ok.msg), 'etcd2: etcd 3.5.16 (leader)');
  const bad = m.interpret!({}, [{ step: step!, status: 'ran', rc: 0, stdout: 'not json', stderr: '', changed: false }], ctx);
  assert.ok(bad.failed);
  const sec: Sections = decodeSections(RUNNING);
  assert.is(sec.hostname!.out, 'etcd2');
});

test.run();
