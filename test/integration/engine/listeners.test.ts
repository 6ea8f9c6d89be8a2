/**
 * Many hosts at once (forks > 10) against a real sshd: every command in flight listens on the
 * run's abort signals, which is by design; Node must not print a MaxListenersExceededWarning
 * (an operator reading "possible memory leak" at 3 a.m. deserves better).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startSshd, type Sshd } from '../../support/sshd.js';
import { varsFor, tempDir as connTempDir } from '../connection/_helpers.js';
import { cleanup, runYaml, tempDir } from '../../unit/engine/harness.js';

let sshd: Sshd;
let tmp: ReturnType<typeof connTempDir>;
test.before(async () => {
  tmp = connTempDir('etcdplay-listeners-');
  sshd = await startSshd({ address: '127.0.0.72', extraConfig: ['MaxStartups 100:30:200'] });
});
test.after(async () => {
  await sshd?.stop();
  tmp?.cleanup();
});

test('16 hosts, -f 16, a run signal: all ok, no MaxListenersExceededWarning', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  const dir = tempDir();
  try {
    const v = varsFor(sshd);
    const hosts = Array.from({ length: 16 }, (_, i) => `        h${i + 1}: {}`).join('\n');
    const inv = `all:\n  vars:\n${Object.entries(v).map(([k, x]) => `    ${k}: ${JSON.stringify(x)}`).join('\n')}\n    etcdplay_lock_dir: ${tmp.dir}/lock\n  children:\n    nodes:\n      hosts:\n${hosts}\n`;
    const ac = new AbortController();
    const hard = new AbortController();
    const r = await runYaml(`- hosts: nodes\n  gather_facts: false\n  tasks:\n    - command: sleep 0.2\n    - command: 'true'\n`, inv, {
      dir, forks: 16, signal: ac.signal, hardSignal: hard.signal,
      connect: { hostKeyChecking: 'strict', sshConfigFile: `${tmp.dir}/no-ssh-config` } as never,
    });
    assert.is(r.exitCode, 0, JSON.stringify(r.events.filter((e) => e.type === 'warning' || (e.type === 'host.end' && e.status !== 'changed'))));
    await new Promise((res) => setImmediate(res)); // process warnings are emitted on the next tick
    assert.equal(warnings, []);
  } finally {
    process.off('warning', onWarning);
    cleanup(dir);
  }
});

test.run();
