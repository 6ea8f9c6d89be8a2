/** The package check script against this machine's real dpkg database (read-only). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { CommandStep } from '../../../src/model/step.js';
import { packageModule, packagePairs } from '../../../src/modules/package.js';
import { ctx, sh } from './support.js';

const plan = (args: Record<string, unknown>) => packageModule.plan(args as never, ctx())[0] as CommandStep;
const hasDpkg = existsSync('/usr/bin/dpkg-query');

test('name=version pairs, version arg, validation', () => {
  assert.equal(packagePairs({ name: ['etcd-server=3.4.23-4+b4', 'etcd-client'], version: '3.5.16-4' }), [['etcd-server', '3.4.23-4+b4'], ['etcd-client', '3.5.16-4']]);
  assert.equal(packagePairs({ name: 'a,b' }), [['a', ''], ['b', '']]);
  assert.throws(() => packagePairs({ name: 'etcd;reboot' }), /invalid package name/);
  assert.throws(() => packagePairs({ name: 'etcd', version: '1 2' }), /invalid package version/);
  assert.throws(() => packagePairs({ name: 'etcd', version: '1', state: 'absent' }), /absent/);
});

test('apt is non-interactive, keeps config files, downgrades only when allowed', () => {
  const s = plan({ name: 'etcd-server', version: '3.4.23-4+b4', allow_downgrade: true });
  const script = s.command.kind === 'exec' ? s.command.argv[2]! : '';
  assert.match(script, /DEBIAN_FRONTEND=noninteractive/);
  assert.match(script, /--force-confold/);
  assert.match(script, /--allow-downgrades/);
  assert.is(s.changed, 'marker');
  assert.ok(s.onlyIf, 'guarded by a read-only check');
  assert.equal(s.command.kind === 'exec' && s.command.argv.slice(4), ['apply', 'auto', 'present', '1', '0', 'etcd-server', '3.4.23-4+b4']);
});

if (hasDpkg) {
  const coreVer = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'coreutils'], { encoding: 'utf8' }).trim();

  test('check: installed package at any version -> nothing to do', () => {
    assert.is(sh(plan({ name: 'coreutils', manager: 'apt' }).onlyIf!).rc, 1);
  });
  test('check: installed at exactly the asked version -> nothing to do', () => {
    assert.is(sh(plan({ name: `coreutils=${coreVer}`, manager: 'apt' }).onlyIf!).rc, 1);
  });
  test('check: another version asked -> change needed, and says which', () => {
    const r = sh(plan({ name: 'coreutils', version: '0.1-1', manager: 'apt', allow_downgrade: true }).onlyIf!);
    assert.is(r.rc, 0);
    assert.match(r.stdout, new RegExp(`coreutils:${coreVer.replace(/[.+]/g, '\\$&')}->0.1-1`));
  });
  test('check: missing package -> change needed; absent of a missing package -> nothing', () => {
    assert.is(sh(plan({ name: 'etcdplay-no-such-package', manager: 'apt' }).onlyIf!).rc, 0);
    assert.is(sh(plan({ name: 'etcdplay-no-such-package', state: 'absent', manager: 'apt' }).onlyIf!).rc, 1);
  });
  test('check: auto picks apt here', () => {
    assert.is(sh(plan({ name: 'coreutils' }).onlyIf!).rc, 1);
  });
}

test.run();
