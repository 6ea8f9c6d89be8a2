import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { flagsToEnv, memberConfig, parseEnvFile, parseUnit, splitWords } from '../../../../src/modules/etcd/config.js';

const SEED003 = `ETCD_NAME=ose-test-etcd-01.example.com
ETCD_LISTEN_PEER_URLS=https://192.0.2.241:2380
ETCD_DATA_DIR=/var/lib/etcd/
ETCD_LISTEN_CLIENT_URLS=https://192.0.2.241:2379
ETCD_INITIAL_ADVERTISE_PEER_URLS=https://192.0.2.241:2380
ETCD_INITIAL_CLUSTER=ose-test-etcd-01.example.com=https://192.0.2.241:2380,ose-test-etcd-02.example.com=https://192.0.2.242:2380
ETCD_INITIAL_CLUSTER_STATE=new
ETCD_INITIAL_CLUSTER_TOKEN=etcd-cluster-1
ETCD_ADVERTISE_CLIENT_URLS=https://192.0.2.241:2379
ETCD_CA_FILE=/etc/etcd/ca.crt
ETCD_CERT_FILE=/etc/etcd/server.crt
ETCD_KEY_FILE=/etc/etcd/server.key
ETCD_PEER_CA_FILE=/etc/etcd/ca.crt
ETCD_PEER_CERT_FILE=/etc/etcd/peer.crt
ETCD_PEER_KEY_FILE=/etc/etcd/peer.key
`;

test('env file: quotes, export, comments', () => {
  assert.equal(parseEnvFile(`# c\nexport A="x y"\nB='z'\nC=plain # trailing\n\nnot a line\n`), { A: 'x y', B: 'z', C: 'plain' });
});

test('the seed 003 etcd.conf', () => {
  const c = memberConfig({ file: SEED003 });
  assert.is(c.name, 'ose-test-etcd-01.example.com');
  assert.is(c.dataDir, '/var/lib/etcd/');
  assert.equal(c.clientUrls, ['https://192.0.2.241:2379']);
  assert.equal(c.peerUrls, ['https://192.0.2.241:2380']);
  assert.is(c.scheme, 'https');
  assert.is(c.tls.trustedCaFile, '/etc/etcd/ca.crt');
  assert.is(c.tls.peerCertFile, '/etc/etcd/peer.crt');
  assert.is(c.initialClusterToken, 'etcd-cluster-1');
});

test('precedence: file < DAEMON_ARGS < process environment < command line', () => {
  const c = memberConfig({
    file: 'ETCD_DATA_DIR=/a\nDAEMON_ARGS="--data-dir=/b --name n1"\n',
    environ: { ETCD_DATA_DIR: '/c' },
    cmdline: ['/usr/bin/etcd', '--data-dir', '/d', '--client-cert-auth'],
  });
  assert.is(c.dataDir, '/d');
  assert.is(c.name, 'n1');
  assert.is(c.tls.clientCertAuth, true);
  assert.is(memberConfig({}).dataDir, '/var/lib/etcd/default');
});

test('words and flags', () => {
  assert.equal(splitWords(`--a=1 --b "two words" '--c=x y'`), ['--a=1', '--b', 'two words', '--c=x y']);
  assert.equal(flagsToEnv(['--data-dir', '/x', '--auto-tls', '--wal-dir=/w']), { ETCD_DATA_DIR: '/x', ETCD_AUTO_TLS: 'true', ETCD_WAL_DIR: '/w' });
});

test('systemd unit (the Debian one) and a drop-in: Environment, EnvironmentFile, ExecStart flags', () => {
  const unit = `# /lib/systemd/system/etcd.service
[Service]
Environment=DAEMON_ARGS=
Environment=ETCD_NAME=%H
Environment=ETCD_DATA_DIR=/var/lib/etcd/default
EnvironmentFile=-/etc/default/%p
Type=notify
ExecStart=/usr/bin/etcd $DAEMON_ARGS

# /etc/systemd/system/etcd.service.d/override.conf
[Service]
Environment="ETCD_DATA_DIR=/srv/etcd" ETCD_WAL_DIR=/srv/wal
ExecStart=
ExecStart=/usr/bin/etcd --heartbeat-interval=200 $DAEMON_ARGS
`;
  const u = parseUnit(unit);
  assert.equal(u.environmentFiles, ['/etc/default/%p']);
  assert.is(u.environment.ETCD_DATA_DIR, '/srv/etcd');
  assert.equal(u.execStart, ['/usr/bin/etcd', '--heartbeat-interval=200', '$DAEMON_ARGS']);
  const c = memberConfig({ unit, file: 'ETCD_WAL_DIR=/from/file\n' });
  assert.is(c.dataDir, '/srv/etcd');
  assert.is(c.walDir, '/from/file');
  assert.is(c.settings.ETCD_HEARTBEAT_INTERVAL, '200');
});

test.run();
