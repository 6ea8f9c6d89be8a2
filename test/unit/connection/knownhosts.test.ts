import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHmac } from 'node:crypto';
import { checkHostKey, fingerprint, hostFieldMatches, keyTypeOf, knownHostName, knownHostsLine, knownKeyTypes, parseKnownHosts } from '../../../src/connection/knownhosts.js';

/** A fake ssh-ed25519 key blob: string type + 32 bytes. */
function blob(type: string, fill: number): Buffer {
  const t = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(t.length);
  const k = Buffer.alloc(36, fill);
  k.writeUInt32BE(32, 0);
  return Buffer.concat([len, t, k]);
}
const K1 = blob('ssh-ed25519', 1);
const K2 = blob('ssh-ed25519', 2);
const R1 = blob('ssh-rsa', 3);
const line = (hosts: string, k: Buffer) => `${hosts} ${keyTypeOf(k)} ${k.toString('base64')}`;

test('knownHostName uses [host]:port except on 22', () => {
  assert.is(knownHostName('10.0.0.1', 22), '10.0.0.1');
  assert.is(knownHostName('10.0.0.1', 2222), '[10.0.0.1]:2222');
});

test('parse: comments, blanks, markers, bad lines skipped, line numbers kept', () => {
  const text = ['# c', '', line('a', K1), '@revoked * ' + `ssh-ed25519 ${K2.toString('base64')}`, '@cert-authority *.x ' + `ssh-ed25519 ${K2.toString('base64')}`, 'bad line', '@weird x ssh-ed25519 AAAA', `b ssh-ed25519 !!notbase64`].join('\n');
  const es = parseKnownHosts(text, 'f');
  assert.equal(es.map((e) => [e.line, e.marker ?? '', e.hosts]), [[3, '', 'a'], [4, 'revoked', '*'], [5, 'cert-authority', '*.x']]);
});

test('host field: lists, wildcards, negation, brackets, case-insensitive', () => {
  assert.ok(hostFieldMatches('a,b,c', 'b'));
  assert.ok(hostFieldMatches('*.example.com', 'etcd1.EXAMPLE.com'));
  assert.ok(hostFieldMatches('etcd?', 'etcd1'));
  assert.not.ok(hostFieldMatches('etcd?', 'etcd10'));
  assert.not.ok(hostFieldMatches('*,!etcd1', 'etcd1'));
  assert.ok(hostFieldMatches('*,!etcd1', 'etcd2'));
  assert.ok(hostFieldMatches('[10.0.0.1]:2222', '[10.0.0.1]:2222'));
  assert.not.ok(hostFieldMatches('10.0.0.1', '[10.0.0.1]:2222'));
  assert.not.ok(hostFieldMatches('!a', 'b'), 'only negations never match');
});

test('hashed |1|salt|hash entries match by HMAC-SHA1', () => {
  const salt = Buffer.from('0123456789abcdefghij');
  const h = createHmac('sha1', salt).update('[127.0.0.5]:2200').digest('base64');
  const field = `|1|${salt.toString('base64')}|${h}`;
  assert.ok(hostFieldMatches(field, '[127.0.0.5]:2200'));
  assert.not.ok(hostFieldMatches(field, '127.0.0.5'));
  const ours = knownHostsLine('etcd1', 22, K1, true).split(' ')[0]!;
  assert.ok(hostFieldMatches(ours, 'etcd1'));
  assert.not.ok(hostFieldMatches(ours, 'etcd2'));
});

test('checkHostKey: match, mismatch (same type), mismatch (only other types), unknown, revoked', () => {
  const es = parseKnownHosts([line('a', K1), line('b', R1), line('c', K1), `@revoked * ssh-ed25519 ${K2.toString('base64')}`].join('\n'), 'kh');
  assert.is(checkHostKey(es, 'a', 22, K1).status, 'match');
  const mm = checkHostKey(es, 'c', 22, blob('ssh-ed25519', 9));
  assert.is(mm.status, 'mismatch');
  assert.is(mm.status === 'mismatch' && mm.entry.line, 3);
  assert.is(checkHostKey(es, 'b', 22, K1).status, 'mismatch');
  assert.is(checkHostKey(es, 'z', 22, K1).status, 'unknown');
  assert.is(checkHostKey(es, 'a', 22, K2).status, 'revoked');
  assert.is(checkHostKey(es, 'a', 2222, K1).status, 'unknown', 'port matters');
});

test('knownKeyTypes lists the recorded types for ordering host key algorithms', () => {
  const es = parseKnownHosts([line('a', R1), line('a', K1), line('b', K2)].join('\n'), 'kh');
  assert.equal(knownKeyTypes(es, 'a', 22), ['ssh-rsa', 'ssh-ed25519']);
});

test('fingerprint is SHA256:base64 without padding', () => {
  assert.match(fingerprint(K1), /^SHA256:[A-Za-z0-9+/]{43}$/);
});

test.run();
