/**
 * Fault injection, refusal half (lab t-faults-f: 3 x etcd 3.5.16, 300 keys): every scenario must
 * leave the cluster healthy on 3.5.16 with every key, and no host changed.
 *   1. one host unreachable at start (its sshd frozen): refused before any step, no lock left.
 *   8. one host's host key changed: refused, the fix explained.
 *   9. shell injection through extra vars and inventory vars: never executed.
 *  10. secrets: not in the output, the run dir, nor any process's argv (workstation and hosts,
 *      listed mid-run).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultRunDir } from '../../src/engine/runid.js';
import type { Lab } from '../../src/lab/index.js';
import { labDown, labExec } from '../integration/etcd/lab-helpers.js';
import { assertCluster, faultLab, dgArgs, liveRun, runIdOf, sshdPid } from './faults-lib.js';

const NAME = 't-faults-f';

function allFiles(dir: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) out.push(...allFiles(p));
    else out.push(p);
  }
  return out;
}

test('faults: unreachable host, changed host key, shell injection, secrets', async () => {
  let lab: Lab | undefined;
  const t0 = Date.now();
  const tmp = mkdtempSync(join(tmpdir(), 'faults-f-'));
  let frozen: number | undefined;
  try {
    const start = await faultLab(NAME);
    lab = start.lab;
    const before = start.before;
    const l = lab;
    const e2 = l.hosts[1]!;
    const noLock = async (what: string) => {
      for (const h of l.hosts) {
        const r = await labExec(l.name, h.name, "test -e /var/lib/etcdplay/lock && echo LOCKED; dpkg-query -W -f '${Version}' etcd-server");
        assert.not.match(r.stdout, 'LOCKED', `${what}: no lock left on ${h.name}`);
        assert.match(r.stdout, '3.5.16-4', `${what}: package unchanged on ${h.name}`);
      }
    };

    // 1. etcd2 unreachable: its sshd listener frozen (sshdPid); etcd keeps running
    let t = Date.now();
    frozen = sshdPid(l, e2);
    process.kill(frozen, 'SIGSTOP');
    const r1 = await liveRun(dgArgs(l), undefined, undefined).done;
    process.kill(frozen!, 'SIGCONT');
    frozen = undefined;
    assert.is(r1.code, 4, r1.out.slice(-2000) + r1.err);
    assert.match(r1.err, 'could not be taken on every host, so no host was changed');
    assert.match(r1.err, 'etcd2');
    assert.not.match(r1.out, '"Stop etcd everywhere"');
    await noLock('1');
    await assertCluster(l, '3.5.16', before, '1. unreachable host');
    console.log(`1. unreachable host refused: ${r1.ms} ms (${Date.now() - t} ms with checks)`);

    // 8. etcd2's host key regenerated
    t = Date.now();
    await labExec(l.name, e2.name, 'cp -p /etc/ssh/ssh_host_ed25519_key /run/hk.bak && cp -p /etc/ssh/ssh_host_ed25519_key.pub /run/hk.pub.bak && rm -f /etc/ssh/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key.pub && ssh-keygen -q -t ed25519 -N "" -f /etc/ssh/ssh_host_ed25519_key');
    try {
      const r8 = await liveRun(dgArgs(l)).done;
      assert.is(r8.code, 4, r8.out.slice(-2000) + r8.err);
      assert.match(r8.err, /etcd2: .*host key/i);
      assert.match(r8.err, /known_hosts|ssh-keygen -R|accept/i, 'the fix is explained');
      await noLock('8');
      console.log(`8. changed host key refused: ${r8.ms} ms; message: ${(r8.err.split('\n').find((x) => /etcd2: /.test(x)) ?? '').trim().slice(0, 300)}`);
    } finally {
      await labExec(l.name, e2.name, 'mv -f /run/hk.bak /etc/ssh/ssh_host_ed25519_key && mv -f /run/hk.pub.bak /etc/ssh/ssh_host_ed25519_key.pub');
    }
    await assertCluster(l, '3.5.16', before, '8. host key');
    console.log(`8. total ${Date.now() - t} ms`);

    // 9. shell injection through extra vars (a --check downgrade and a playbook of generic modules) and inventory vars
    t = Date.now();
    const inj = '$(touch /tmp/pwned)`touch /tmp/pwned`;touch /tmp/pwned';
    const inv = join(tmp, 'inventory.yml');
    writeFileSync(inv, readFileSync(l.inventoryPath, 'utf8').replace('  children:\n', `    inj_inventory: '${inj.replace(/'/g, "''")}'\n  children:\n`));
    const pb = join(tmp, 'inject.yml');
    writeFileSync(pb, `- hosts: etcd
  gather_facts: false
  tasks:
    - command: echo {{ inj_extra }} {{ inj_inventory }}
    - command: printf '%s\\n' "{{ inj_extra }}"
    - copy:
        content: "{{ inj_inventory }}"
        dest: /tmp/copied-inventory
    - copy: content="{{ inj_extra }}" dest=/tmp/copied
    - etcd_facts:
    - etcd_status:
      run_once: true
`);
    const r9a = await liveRun(['run', pb, '-i', inv, '-e', JSON.stringify({ inj_extra: inj })]).done;
    assert.is(r9a.code, 0, r9a.out.slice(-2000) + r9a.err);
    const r9b = await liveRun(['run', 'playbooks/etcd-downgrade.yml', '-i', inv, '--check', '--yes', '-e', JSON.stringify({ etcd_target_version: '3.4.23', etcd_backup_dir: `/var/backups/etcd${inj}` })]).done;
    const r9c = await liveRun(['run', 'playbooks/etcd-downgrade.yml', '-i', inv, '--check', '--yes', '-e', JSON.stringify({ etcd_target_version: `3.4.23${inj}` })]).done;
    assert.is.not(r9c.code, 0, 'an injected version is refused');
    for (const h of l.hosts) {
      const r = await labExec(l.name, h.name, 'test -e /tmp/pwned && echo PWNED; cat /tmp/copied');
      assert.not.match(r.stdout, 'PWNED', `no injection on ${h.name}`);
      assert.match(r.stdout, inj, `the value arrived literally on ${h.name}`);
    }
    assert.not.ok(existsSync('/tmp/pwned'), 'no injection on the workstation');
    await assertCluster(l, '3.5.16', before, '9. injection');
    console.log(`9. injection not executed (check-mode downgrade exit ${r9b.code}): ${Date.now() - t} ms`);

    // 10. secrets: a --secret-var read from stdin, used by a task through environment:, listed mid-run
    t = Date.now();
    const secret = 'Zq9-secret-etcd-pw-7731';
    const spb = join(tmp, 'secret.yml');
    writeFileSync(spb, `- hosts: etcd
  gather_facts: false
  tasks:
    - name: uses the secret
      shell: sleep 4; test "$(printf %s "$ETCD_PW" | wc -c)" -eq ${secret.length} && echo length ok
      environment:
        ETCD_PW: "{{ etcd_password }}"
    - name: shows the secret
      debug: msg="the password is {{ etcd_password }}"
    - name: secret on a command line is refused
      command: echo {{ etcd_password }}
      ignore_errors: true
`);
    const listings: string[] = [];
    const run10 = liveRun(['run', spb, '-i', l.inventoryPath, '--secret-var', 'etcd_password', '-v'], async (e) => {
      if (e.type === 'host.start' && listings.length === 0) {
        listings.push('placeholder');
        await new Promise((r) => setTimeout(r, 1500));
        listings.push(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }));
        for (const h of l.hosts) listings.push((await labExec(l.name, h.name, 'ps -eo args')).stdout);
      }
    }, `${secret}\n`);
    const r10 = await run10.done;
    assert.is(r10.code, 0, r10.out.slice(-2000) + r10.err);
    assert.match(r10.out, 'length ok');
    assert.match(r10.out, 'contains a secret');
    assert.ok(listings.length === 5, `process listings taken: ${listings.length}`);
    assert.ok(listings.slice(2).some((x) => /sleep 4/.test(x)), 'a host listing was taken while the task ran');
    for (const x of listings) assert.not.match(x, secret, 'secret in a process listing');
    assert.not.match(r10.out + r10.err, secret, 'secret in the output');
    const runDir = defaultRunDir(runIdOf(run10));
    for (const f of allFiles(runDir)) assert.not.match(readFileSync(f, 'utf8'), secret, `secret in ${f}`);
    assert.match(readFileSync(join(runDir, 'journal.json'), 'utf8'), '"etcd_password"');
    console.log(`10. secrets kept (ps on workstation + 3 hosts mid-run, output, ${allFiles(runDir).length} run-dir files): ${Date.now() - t} ms`);
  } finally {
    if (frozen) try { process.kill(frozen, 'SIGCONT'); } catch { /* gone */ }
    rmSync(tmp, { recursive: true, force: true });
    try { rmSync('/tmp/pwned', { force: true }); } catch { /* none */ }
    await labDown(NAME).catch(() => undefined);
    console.log(`faults-refuse total: ${Date.now() - t0} ms`);
  }
});

test.run();
