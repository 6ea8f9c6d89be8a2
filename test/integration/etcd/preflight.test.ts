/**
 * etcd_preflight and etcd_revision_guard through the real CLI against a real 3-member lab
 * (root only): the tasks exactly as etcd-downgrade.yml writes them (templated args, booleans
 * as template strings), a clean cluster passes, a write after the "snapshot" revision is refused
 * unless etcd_allow_lost_writes=true, a learner stops the preflight.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { etcdplay, labDown, labExec, labUpWhenFree } from './lab-helpers.js';
import type { Lab } from '../../../src/lab/index.js';

const PLAYBOOK = `
- name: gates
  hosts: etcd
  gather_facts: false
  tasks:
    - name: Cluster preflight gate (health, one leader, no alarms, membership)
      etcd_preflight:
        max_applied_lag: "{{ etcd_max_applied_lag | default(1000) }}"
      run_once: true
      register: preflight
      when: gate == 'preflight'

    - name: No write since the snapshot (just before the stop)
      etcd_revision_guard:
        revision: "{{ snap.data.revision }}"
        allow_lost_writes: "{{ etcd_allow_lost_writes | default(false) }}"
      run_once: true
      when: gate == 'unchanged'

    - name: Restored cluster is not behind the snapshot
      etcd_revision_guard:
        revision: "{{ snap.data.revision }}"
        mode: not_behind
      run_once: true
      when: gate == 'not_behind'
`;

test('preflight and revision guard on a real 3.5.16 cluster', async () => {
  if (process.getuid?.() !== 0) return console.log('skipped: needs root (the lab)');
  const dir = mkdtempSync(join(tmpdir(), 'etcdplay-pf-'));
  let lab: Lab | undefined;
  try {
    lab = await labUpWhenFree({ name: 't-pf-int', nodes: 3, etcd: '3.5.16' });
    const book = join(dir, 'gates.yml');
    writeFileSync(book, PLAYBOOK);
    const ep = `http://${lab.hosts[0]!.address}:2379`;
    const ctl = (args: string) => labExec(lab!.name, 'etcd1', `ETCDCTL_API=3 etcdctl --endpoints=${ep} ${args}`);
    const revision = async () => Number(/"revision":(\d+)/.exec((await ctl('endpoint status -w json')).stdout)![1]);
    const run = (gate: string, ...extra: string[]) => etcdplay(['run', book, '-i', lab!.inventoryPath, '-e', `gate=${gate}`, ...extra]);
    const snap = (rev: number) => ['-e', JSON.stringify({ snap: { data: { revision: rev } } })];

    const ok = await run('preflight');
    assert.is(ok.code, 0, ok.out);

    const r0 = await revision();
    assert.is((await run('unchanged', ...snap(r0))).code, 0);
    assert.is((await ctl('put /written-after x')).rc, 0);
    const lost = await run('unchanged', ...snap(r0));
    assert.is(lost.code, 2, lost.out);
    assert.match(lost.out, `1 revision was written after the snapshot (snapshot at ${r0}, cluster now at ${r0 + 1}): a writer is still running`);
    const allowed = await run('unchanged', ...snap(r0), '-e', 'etcd_allow_lost_writes=true');
    assert.is(allowed.code, 0, allowed.out);
    assert.match(allowed.out, /\[WARNING\]: \S+: No write since the snapshot \(just before the stop\): WARNING: .*LOST/, 'the accepted loss is shown as a warning');
    assert.is((await run('not_behind', ...snap(r0))).code, 0);
    const behind = await run('not_behind', ...snap(r0 + 5));
    assert.is(behind.code, 2);
    assert.match(behind.out, `behind the snapshot (revision ${r0 + 5})`);

    // etcd refuses a member change ("unhealthy cluster") until every member has been connected
    // for 5 s (strict reconfig check): right after the lab is up that may not hold yet
    let add = await ctl(`member add etcd9 --learner --peer-urls=http://${lab.hosts[0]!.address.replace(/\d+$/, '19')}:2380`);
    for (let i = 0; i < 20 && add.rc !== 0 && /unhealthy cluster/.test(add.stderr); i++) {
      await new Promise((r) => setTimeout(r, 1000));
      add = await ctl(`member add etcd9 --learner --peer-urls=http://${lab.hosts[0]!.address.replace(/\d+$/, '19')}:2380`);
    }
    assert.is(add.rc, 0, add.stderr);
    const refused = await run('preflight');
    assert.is(refused.code, 2, refused.out);
    assert.match(refused.out, /preflight refused: 2 problems: unstarted member [0-9a-f]+: is a learner/);
    assert.match(refused.out, /is not in inventory group etcd/);
  } finally {
    if (lab) await labDown(lab.name);
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
