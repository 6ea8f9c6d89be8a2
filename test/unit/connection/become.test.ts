import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { BecomeGate, wrapBecome } from '../../../src/connection/become.js';

test('wrapBecome: sudo -S with a random prompt, the user quoted, no password anywhere', () => {
  const a = wrapBecome("echo 'hi'", { user: 'etcd', password: 'SECRET' });
  const b = wrapBecome("echo 'hi'", { user: 'etcd' });
  assert.match(a.text, /^sudo -H -S -p '\[etcdplay-sudo-[0-9a-f]{16}\] password:' -u etcd -- sh -c /);
  assert.not.ok(a.text.includes('SECRET'));
  assert.is.not(a.marker.prompt, b.marker.prompt);
  // The inner script is one shell word that prints the ready marker, then runs the command.
  const inner = a.text.slice(a.text.indexOf(' -- sh -c ') + ' -- sh -c '.length);
  const out = execFileSync('sh', ['-c', `printf %s ${inner}`]).toString();
  assert.is(out, `printf '%s\\n' ${a.marker.ready} >&2; echo 'hi'`);
});

test('gate: answers the first prompt once, passes output after the ready marker', () => {
  const { marker } = wrapBecome('x', { user: 'root' });
  const gate = new BecomeGate(marker, 'pw');
  const written: string[] = [];
  let out = gate.feed(marker.prompt.slice(0, 5), (l) => written.push(l));
  out += gate.feed(marker.prompt.slice(5), (l) => written.push(l));
  assert.equal(written, ['pw\n']);
  out += gate.feed(`${marker.ready}\nreal stderr`, (l) => written.push(l));
  assert.is(out, 'real stderr');
  assert.is(gate.feed(' more', () => undefined), ' more');
});

test('gate: a second prompt means a wrong password -> rejects, never writes it twice', async () => {
  const { marker } = wrapBecome('x', { user: 'root' });
  const gate = new BecomeGate(marker, 'pw');
  const written: string[] = [];
  gate.feed(marker.prompt, (l) => written.push(l));
  gate.feed(`Sorry, try again.\n${marker.prompt}`, (l) => written.push(l));
  assert.equal(written, ['pw\n']);
  try { await gate.ready; assert.unreachable(); } catch (e) { assert.match((e as Error).message, /incorrect become password/); }
});

test('gate: no password -> rejects at the prompt; sudo error without prompt -> flush reports it', async () => {
  const { marker } = wrapBecome('x', { user: 'root' });
  const g1 = new BecomeGate(marker, undefined);
  g1.feed(marker.prompt, () => assert.unreachable('must not write'));
  try { await g1.ready; assert.unreachable(); } catch (e) { assert.match((e as Error).message, /no become password/); }
  const g2 = new BecomeGate(marker, 'pw');
  g2.feed('sudo: unknown user nosuch\n', () => undefined);
  assert.is(g2.flush(), 'sudo: unknown user nosuch\n');
  try { await g2.ready; assert.unreachable(); } catch (e) { assert.match((e as Error).message, /unknown user/); }
});

test.run();
