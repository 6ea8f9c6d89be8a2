/**
 * etcd_data_move_aside in a run: the aside is named after the run id, and a resumed run that
 * repeats the task after the move (a crash between the `mv` and the journal) reports the same
 * aside again, so the rescue can still move it back. The step's real shell script runs here on a
 * temp dir (a stub `pgrep` says no etcd runs, whatever runs on this machine).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlanContext } from '../../../../src/modules/module.js';
import type { CommandStep } from '../../../../src/model/step.js';
import { getModule } from '../../../../src/modules/registry.js';
import { MARK } from '../../../../src/modules/etcd/common.js';
import { renderCommand } from '../../../../src/shell/quote.js';

const tmp = mkdtempSync(join(tmpdir(), 'etcdplay-aside-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));
const bin = join(tmp, 'bin');
mkdirSync(bin);
writeFileSync(join(bin, 'pgrep'), '#!/bin/sh\nexit 1\n');
chmodSync(join(bin, 'pgrep'), 0o755);

const RUN = '20261121T093535Z-207a9f';
const mod = getModule('etcd_data_move_aside')!;
const ctx = (runId?: string): PlanContext => ({ host: 'etcd1', vars: {}, check: false, ...(runId ? { runId } : {}) });

/** Run the task's steps as the engine does: a command's `then` hands its output to the next steps. */
function runStep(args: Record<string, unknown>, runId?: string): { rc: number; out: string; err: string; step: CommandStep } {
  const queue = mod.plan(args, ctx(runId)) as CommandStep[];
  let last = { rc: -1, out: '', err: '', step: queue[0]! };
  while (queue.length) {
    const step = queue.shift()!;
    const r = spawnSync('sh', ['-c', renderCommand(step.command)], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    last = { rc: r.status ?? -1, out: r.stdout, err: r.stderr, step };
    if (last.rc !== 0) break;
    if (step.then) queue.unshift(...((step.then.next({ step, status: 'ran', rc: 0, stdout: r.stdout, stderr: r.stderr, changed: false }).steps ?? []) as CommandStep[]));
  }
  return last;
}
const json = (out: string) => JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;

test('in a run the aside is <dir>.etcdplay-<run id>; repeating the task reports that move again', () => {
  const d = join(tmp, 'data1');
  mkdirSync(d);
  writeFileSync(join(d, 'member'), 'x');
  const first = runStep({ data_dir: d }, RUN);
  assert.match(first.step.description, `${d}.etcdplay-${RUN}`);
  assert.equal((first.step.onlyIf as { argv: string[] }).argv.slice(-2), [d, `${d}.etcdplay-${RUN}`]);
  assert.is(first.rc, 0, first.err);
  assert.ok(first.out.includes(MARK), 'the change marker');
  assert.equal({ moved: json(first.out).moved, aside: json(first.out).aside }, { moved: true, aside: `${d}.etcdplay-${RUN}` });
  assert.not.ok(existsSync(d));
  assert.is(readFileSync(join(`${d}.etcdplay-${RUN}`, 'member'), 'utf8'), 'x');

  // the same task again in the same run (resumed after a crash right after the mv)
  const again = runStep({ data_dir: d }, RUN);
  assert.is(again.rc, 0, again.err);
  const j = json(again.out);
  assert.equal({ moved: j.moved, again: j.again, aside: j.aside }, { moved: true, again: true, aside: `${d}.etcdplay-${RUN}` });
  assert.is((j.record as { aside: string }).aside, `${d}.etcdplay-${RUN}`, 'the record comes along');
  assert.not.ok(again.out.includes(MARK), 'no change marker the second time');
  const res = mod.interpret!({ data_dir: d }, [{ step: again.step, status: 'ran', changed: false, rc: 0, stdout: again.out, stderr: '' }], ctx(RUN));
  assert.is(res.changed, false);
  assert.match(String(res.msg), '(earlier in this run)');

  // and the rescue can move it back by that name
  const back = runStep({ data_dir: d, action: 'back', backup: `${d}.etcdplay-${RUN}` }, RUN);
  assert.is(back.rc, 0, back.err);
  assert.is(readFileSync(join(d, 'member'), 'utf8'), 'x');
});

test('a second move of the same dir in one run gets its own name; a suffix the user gave is never reused', () => {
  const d = join(tmp, 'data2');
  mkdirSync(d);
  assert.is(runStep({ data_dir: d }, RUN).rc, 0);
  mkdirSync(d);
  const second = runStep({ data_dir: d }, RUN);
  assert.is(second.rc, 0, second.err);
  assert.match(String(json(second.out).aside), new RegExp(`^${d}\\.etcdplay-${RUN}-\\d{8}T\\d{6}Z$`));
  mkdirSync(d);
  assert.is(runStep({ data_dir: d, suffix: 'mine' }).rc, 0);
  mkdirSync(d);
  const clash = runStep({ data_dir: d, suffix: 'mine' });
  assert.is.not(clash.rc, 0);
  assert.match(clash.err, 'already exists; refusing to overwrite a backup');
  assert.ok(existsSync(d), 'nothing moved');
});

test('back: the wal dir the record names comes back with the data dir (the record is read in TypeScript)', () => {
  const d = join(tmp, 'data3');
  const w = join(tmp, 'wal3');
  mkdirSync(d);
  mkdirSync(w);
  writeFileSync(join(w, '0.wal'), 'w');
  const aside = runStep({ data_dir: d, wal_dir: w }, RUN);
  assert.is(aside.rc, 0, aside.err);
  assert.not.ok(existsSync(w), 'the wal dir moved too');
  const plan = mod.plan({ data_dir: d, action: 'back' }, ctx(RUN)) as CommandStep[];
  assert.is(plan.length, 1);
  assert.is(plan[0]!.mutates, false, 'the first step only reads');
  assert.match(plan[0]!.then!.later, 'move it back');
  const back = runStep({ data_dir: d, action: 'back' }, RUN);
  assert.is(back.rc, 0, back.err);
  assert.is(json(back.out).movedBack, true);
  assert.is(readFileSync(join(w, '0.wal'), 'utf8'), 'w');
  assert.ok(existsSync(d));
});

test('back: a record naming an unsafe wal path is refused before anything moves', () => {
  const step = mod.plan({ data_dir: '/var/lib/etcd/x', action: 'back' }, ctx(RUN))[0] as CommandStep;
  const out = JSON.stringify({ backup: '/var/lib/etcd/x.etcdplay-1', record: { walAside: '/var/lib/etcd/w; rm -rf /', walDir: '/w' } });
  assert.throws(() => step.then!.next({ step, status: 'ran', rc: 0, stdout: out, changed: false }));
});

test('outside a run (the offline plan) nothing changes: a timestamp suffix, test -e as the guard', () => {
  const step = mod.plan({ data_dir: '/var/lib/etcd/default' }, ctx())[0] as CommandStep;
  assert.match(step.description, '/var/lib/etcd/default.etcdplay-<run id>');
  assert.equal((step.onlyIf as { argv: string[] }).argv, ['test', '-e', '/var/lib/etcd/default']);
});

test.run();
