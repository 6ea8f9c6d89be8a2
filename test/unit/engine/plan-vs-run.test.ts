/**
 * plan and run agree: the same playbook is planned (src/plan, `etcdplay plan`) and run (the
 * engine, local hosts), and the tasks each host goes through, in order, are compared.
 *
 * What the plan says for a host is read the way the linear strategy runs it: the play's
 * sections in order, a block's tasks then (where a task of the block failed on the host, as the
 * run reports it) its rescue, then its always; the handlers a section's changed tasks notified,
 * in the handlers' order, after the section; a failure outside a rescued block ends the host's
 * play. A task the plan decided to skip (when: false) must be reported skipped by the run, and
 * one it decided to run must not be; a task it could not decide (a registered result, a fact) is
 * compared by name only. run_once tasks are planned on the first host of a batch and reported on
 * every host of it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROLE_PLAYBOOK, writeRoleProject } from '../load/roles-fixture.js';
import { formatDiagnostics } from '../../../src/load/diagnostics.js';
import { loadInventory } from '../../../src/load/inventory.js';
import { loadPlaybook } from '../../../src/load/playbook.js';
import type { EngineEvent } from '../../../src/model/event.js';
import type { PlannedHostTask, PlannedTask, Plan } from '../../../src/model/plan.js';
import type { Playbook, Task } from '../../../src/model/playbook.js';
import type { HostStatus } from '../../../src/model/result.js';
import type { Diagnostic } from '../../../src/model/source.js';
import { buildPlan } from '../../../src/plan/index.js';
import { cleanup, localInventory, runYaml, tempDir, type RunResult } from './harness.js';

const dirs: string[] = [];
const dir = () => {
  const d = tempDir('etcdplay-plan-vs-run-');
  dirs.push(d);
  return d;
};

interface Ran { taskId: string; name: string; status: HostStatus }

/** What the engine did, per host, in order (from its events). */
function ranPerHost(events: EngineEvent[]): Map<string, Ran[]> {
  const names = new Map<string, string>();
  const out = new Map<string, Ran[]>();
  for (const e of events) {
    if (e.type === 'task.start') names.set(e.taskId, e.name);
    if (e.type === 'host.end') {
      const list = out.get(e.host) ?? [];
      list.push({ taskId: e.taskId, name: names.get(e.taskId) ?? '?', status: e.status });
      out.set(e.host, list);
    }
  }
  return out;
}

function tasksById(pb: Playbook): Map<string, Task> {
  const m = new Map<string, Task>();
  const add = (ts: Task[] | undefined) => {
    for (const t of ts ?? []) {
      m.set(t.id, t);
      add(t.block);
      add(t.rescue);
      add(t.always);
    }
  };
  for (const p of pb.plays) for (const ts of [p.preTasks, p.tasks, p.postTasks, p.handlers]) add(ts);
  return m;
}

type Expect = 'run' | 'skip' | '?';

/** What the plan says one host does for one task: run it, skip it (when: false), or not known yet. */
function expectOf(e: PlannedHostTask | undefined, task: Task): Expect {
  if (!e) return '?';
  if (e.deferred || (e.when && !e.when.decided)) return '?';
  if (e.when?.decided && e.when.value === false) return 'skip';
  // a loop whose items are all left out by its when, or with no items at all
  if (task.loop !== undefined && e.steps?.length === 0) return 'skip';
  return 'run';
}

/** The plan read as the linear strategy runs it, for each host (see the file's comment). */
function plannedPerHost(plan: Plan, pb: Playbook, ran: Map<string, Ran[]>): Map<string, { taskId: string; name: string; expect: Expect }[]> {
  const byId = tasksById(pb);
  const out = new Map<string, { taskId: string; name: string; expect: Expect }[]>();
  for (const pp of plan.plays) {
    for (const h of pp.hosts) {
      const list = out.get(h) ?? [];
      out.set(h, list);
      const did = new Map((ran.get(h) ?? []).map((r) => [r.taskId, r.status]));
      const batch = pp.batches.find((b) => b.includes(h)) ?? [h];
      const notified = new Set<string>();
      /** Walk a planned task on h; false when h failed it (and leaves the list). */
      const walk = (t: PlannedTask): boolean => {
        // tasks an include brings are not in the playbook: their plan entry is all there is
        const task = byId.get(t.taskId) ?? ({ notify: [] } as unknown as Task);
        if (t.block && t.perHost.length) {
          // an include: the include itself on the host, then the tasks it brought
          const entry = t.perHost.find((p) => p.host === h);
          if (!entry) return true;
          list.push({ taskId: t.taskId, name: t.name, expect: expectOf(entry, task) });
          const status = did.get(t.taskId);
          if (status === 'failed' || status === 'unreachable') return false;
          return walkList(t.block);
        }
        if (t.block || t.rescue || t.always) {
          let ok = walkList(t.block ?? []);
          if (!ok && t.rescue) ok = walkList(t.rescue);
          if (t.always && !walkList(t.always)) ok = false;
          return ok;
        }
        const entry = t.perHost.find((p) => p.host === h) ?? (t.runOnce ? t.perHost.find((p) => batch.includes(p.host)) : undefined);
        if (!entry) return true; // not selected for this host
        list.push({ taskId: t.taskId, name: t.name, expect: expectOf(entry, task) });
        const status = did.get(t.taskId);
        if (status === 'changed') for (const n of task.notify ?? []) notified.add(n);
        return status !== 'failed' && status !== 'unreachable';
      };
      const walkList = (ts: PlannedTask[]): boolean => {
        for (const t of ts) if (!walk(t)) return false;
        return true;
      };
      for (const section of ['pre_tasks', 'tasks', 'post_tasks'] as const) {
        notified.clear();
        const ok = walkList(pp.tasks.filter((t) => t.section === section));
        if (!ok) break;
        for (const hd of pp.handlers) {
          const task = byId.get(hd.taskId)!;
          if ([task.name ?? '', ...(task.listen ?? [])].some((n) => notified.has(n))) walk(hd);
        }
      }
    }
  }
  return out;
}

interface Compared { plan: Plan; diagnostics: Diagnostic[]; run: RunResult }

/** Plan and run the same playbook (same files, same options) and assert they agree for every host. */
async function planAndRun(playbookYaml: string, inventoryYaml: string, opts: { tags?: string[]; skipTags?: string[]; startAtTask?: string; limit?: string; dir?: string } = {}): Promise<Compared> {
  const d = opts.dir ?? dir();
  const run = await runYaml(playbookYaml, inventoryYaml, { dir: d, ...opts });
  const inv = loadInventory([join(d, 'inventory.yml')]);
  const pb = loadPlaybook(join(d, 'playbook.yml'));
  const { plan, diagnostics } = buildPlan(pb.playbook!, inv.inventory, { extraVars: {}, check: false, ...opts });
  const ran = ranPerHost(run.events);
  const planned = plannedPerHost(plan, pb.playbook!, ran);
  const hosts = [...new Set([...planned.keys(), ...ran.keys()])].sort();
  for (const h of hosts) {
    const p = planned.get(h) ?? [];
    const r = ran.get(h) ?? [];
    const show = (x: { taskId: string; name: string }, st: string) => `${x.taskId} ${x.name} [${st}]`;
    const got = r.map((x) => show(x, x.status === 'skipped' ? 'skip' : 'run'));
    const want = p.map((x, i) => show(x, x.expect === '?' ? (r[i]?.status === 'skipped' ? 'skip' : 'run') : x.expect));
    assert.equal(got, want, `host ${h}: the run (first) differs from the plan (second)`);
  }
  return { plan, diagnostics, run };
}

const errors = (ds: Diagnostic[]) => ds.filter((d) => d.severity === 'error');

test('loops, when per item, nested blocks with inherited vars and when, run_once, never, with_items, handlers', async () => {
  const { diagnostics, run } = await planAndRun(
    `- hosts: nodes
  gather_facts: false
  vars:
    words: [a, b, c]
  tasks:
    - name: echo each but b
      command: echo {{ item }}
      loop: "{{ words }}"
      when: item != 'b'
    - name: only on h1
      debug: msg=one
      when: inventory_hostname == 'h1'
    - name: no item matches
      debug: msg={{ item }}
      loop: "{{ words }}"
      when: item == 'z'
    - name: outer
      when: inventory_hostname != 'h3'
      vars:
        level: outer
      block:
        - name: inner sees the block vars
          debug: msg="{{ level }}"
        - name: nested
          when: level == 'outer'
          block:
            - name: deep change
              command: echo deep
              notify: restart
      always:
        - name: always after outer
          debug: msg=always
    - name: once
      debug: msg=once
      run_once: true
    - name: tagged never
      debug: msg=never
      tags: [never]
    - name: with items
      debug: msg={{ item }}
      with_items: [1, 2]
    - name: loop var and index
      debug: msg="{{ w }} {{ ansible_loop.index }}"
      loop: "{{ words }}"
      loop_control:
        loop_var: w
      when: ansible_loop.first
  handlers:
    - name: restart
      command: echo restart
    - name: never notified
      command: echo nope
`,
    localInventory(3),
  );
  assert.equal(errors(diagnostics), [], formatDiagnostics(diagnostics));
  assert.is(run.exitCode, 0);
  assert.ok(run.taskNames().includes('restart'));
  assert.not.ok(run.taskNames().includes('never notified'));
});

test('serial batches, pre/post tasks with their own handlers, rescue, ignore_errors, run_once and delegate_to per batch, registered results', async () => {
  const { diagnostics, run } = await planAndRun(
    `- hosts: nodes
  gather_facts: false
  serial: 2
  pre_tasks:
    - name: pre
      command: echo pre
      notify: after pre
  tasks:
    - name: guarded
      block:
        - name: fails on h2
          command: "false"
          when: inventory_hostname == 'h2'
        - name: after the failure
          debug: msg=after
      rescue:
        - name: rescued
          debug: msg="{{ ansible_failed_task.name }}"
      always:
        - name: cleanup
          debug: msg=cleanup
    - name: failure ignored
      command: "false"
      ignore_errors: true
    - name: once per batch
      debug: msg=once
      run_once: true
    - name: distribute
      command: echo {{ item }}
      delegate_to: "{{ item }}"
      loop: "{{ ansible_play_batch }}"
      run_once: true
    - name: register
      command: echo hi
      register: out
    - name: uses the registered result
      debug: msg="{{ out.stdout }}"
      when: out.stdout == 'hi'
    - name: set a fact
      set_fact:
        seen: "{{ inventory_hostname }}"
    - name: uses the fact
      debug: msg="{{ seen }}"
      when: seen == 'h3'
  post_tasks:
    - name: post
      command: echo post
      notify: post handlers
  handlers:
    - name: after pre
      debug: msg=pre-handler
    - name: listens
      debug: msg=post-handler
      listen: post handlers
`,
    localInventory(3),
  );
  assert.equal(errors(diagnostics), [], formatDiagnostics(diagnostics));
  assert.is(run.exitCode, 0);
  assert.is(run.status('rescued').h2, 'ok');
  assert.is(run.recap.h2!.rescued, 1);
});

const SELECT = `- hosts: nodes
  gather_facts: false
  tags: [play]
  tasks:
    - name: first
      debug: msg=first
      tags: [a]
    - name: tagged block
      tags: [b]
      block:
        - name: in b
          debug: msg=b
        - name: in b and c
          debug: msg=bc
          tags: [c]
    - name: always tagged
      debug: msg=always
      tags: [always]
    - name: last
      debug: msg=last
- hosts: h1
  gather_facts: false
  tasks:
    - name: second play
      debug: msg=second
      tags: [c]
`;

test('--tags, --skip-tags, --start-at-task and --limit select the same tasks in plan and run', async () => {
  for (const opts of [{}, { tags: ['b'] }, { tags: ['c'] }, { skipTags: ['b'] }, { tags: ['play'] }, { startAtTask: 'in b and c' }, { startAtTask: 'in b*' }, { limit: 'h2' }]) {
    const { diagnostics } = await planAndRun(SELECT, localInventory(2), opts);
    assert.equal(errors(diagnostics), [], `${JSON.stringify(opts)}: ${formatDiagnostics(diagnostics)}`);
  }
});

test('a loop over a string is refused by both, even when the text looks like a list (ansible-core 2.19)', async () => {
  const { diagnostics, run } = await planAndRun(
    `- hosts: nodes
  gather_facts: false
  vars:
    text: "[1, 2]"
  tasks:
    - name: string loop
      debug: msg={{ item }}
      loop: "{{ text }}"
`,
    localInventory(1),
  );
  assert.ok(errors(diagnostics).some((d) => /loop must resolve to a list, not a string/.test(d.message)), formatDiagnostics(diagnostics));
  assert.is(run.status('string loop').h1, 'failed');
  assert.match(String(run.result('string loop', 'h1')!.msg), /^loop must resolve to a list, not a string \("\[1, 2\]"\)/);
});

test('play keywords: environment (play, block, task), remote_user, connection: local, implicit localhost, async/poll and async_status', async () => {
  const { diagnostics, run } = await planAndRun(
    `
- hosts: nodes
  gather_facts: false
  remote_user: "{{ lookup_user | default('nobody') }}"
  environment: { HOME: "@DIR@", PLAY: play, BOTH: play }
  tasks:
    - block:
        - name: env
          shell: echo "$PLAY $BOTH $BLOCK"
          environment: { BOTH: task }
          register: env
          connection: local
      environment: { BLOCK: block }
    - name: env seen
      assert: { that: ["env.stdout == 'play task block'"] }
    - name: time limit kept
      command: sleep 0.1
      async: 5
      poll: 1
    - name: background
      command: sh -c 'sleep 0.3; echo done'
      async: 30
      poll: 0
      register: job
    - name: started
      assert: { that: ["job.started == 1", "job.finished == 0", "job.ansible_job_id is defined"] }
    - name: wait for it
      async_status: jid="{{ job.ansible_job_id }}"
      register: st
      until: st.finished
      retries: 50
      delay: 0.1
    - name: its output
      assert: { that: ["st.stdout == 'done'", "st.rc == 0"] }
- hosts: localhost
  gather_facts: false
  tasks:
    - name: on the workstation
      command: echo here
`,
    localInventory(2),
  );
  assert.equal(errors(diagnostics), [], formatDiagnostics(diagnostics));
  assert.is(run.exitCode, 0, JSON.stringify(run.recap));
  assert.is(run.status('on the workstation').localhost, 'changed');
  assert.is(run.result('wait for it', 'h1')?.finished, 1);
});

test('async with poll: a command running longer than async fails with the timeout message', async () => {
  const run = await runYaml(`
- hosts: nodes
  gather_facts: false
  tasks:
    - name: too long
      command: sleep 5
      async: 1
      poll: 1
`, localInventory(1), { dir: dir() });
  assert.is(run.status('too long').h1, 'failed');
  assert.match(String(run.result('too long', 'h1')?.msg), /async task did not complete within the requested time - 1s/);
});

test('roles (defaults, vars, handlers, a template, a file, a dependency), import_tasks, include_tasks with a loop, include_role, import_playbook', async () => {
  const d = dir();
  writeRoleProject(d, d);
  const { diagnostics, run } = await planAndRun(ROLE_PLAYBOOK, localInventory(2), { dir: d });
  assert.equal(errors(diagnostics), [], formatDiagnostics(diagnostics));
  assert.is(run.exitCode, 0);
  // the counts ansible-playbook 2.14 gives for the same files
  assert.is(run.recap.h1!.ok, 12);
  assert.is(run.recap.h1!.changed, 4);
  assert.is(run.recap.h2!.ok, 10);
  assert.is(run.recap.h2!.skipped, 1);
  // role defaults < play vars < role params; role vars; the role's templates/ and files/
  assert.is(readFileSync(join(d, 'out-h1.txt'), 'utf8'), 'port=8080 name=default-name user=www greet=from-play\n');
  assert.is(readFileSync(join(d, 'static-h2.txt'), 'utf8'), 'static\n');
  assert.ok(run.taskNames().includes('web restarted'));
});

test.after(() => {
  for (const d of dirs) cleanup(d);
});

test.run();
