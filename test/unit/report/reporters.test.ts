import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineEvent } from '../../../src/model/event.js';
import type { Recap } from '../../../src/model/result.js';
import { adhocLine, AdhocReporter } from '../../../src/report/adhoc.js';
import { JsonReporter } from '../../../src/report/json.js';
import { LiveReporter } from '../../../src/report/live.js';
import { PlainReporter } from '../../../src/report/plain.js';
import { formatRecap } from '../../../src/report/recap.js';
import { RunDirReporter } from '../../../src/report/rundir.js';
import { colorEnabled } from '../../../src/report/color.js';

const R = (o: Partial<Recap> = {}): Recap => ({ ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0, ...o });

const EVENTS: EngineEvent[] = [
  { type: 'run.start', runId: 'r1', runDir: '/tmp/x', playbook: 'pb.yml', check: false, hosts: ['etcd1', 'etcd2'], time: '2026-01-01T00:00:00Z' },
  { type: 'play.start', play: 0, name: 'downgrade', hosts: ['etcd1', 'etcd2'] },
  { type: 'batch.start', play: 0, batch: 0, hosts: ['etcd1', 'etcd2'] },
  { type: 'task.start', play: 0, taskId: 'p0.tasks.0', name: 'stop etcd', module: 'service', hosts: ['etcd1', 'etcd2'] },
  { type: 'host.start', taskId: 'p0.tasks.0', host: 'etcd1' },
  { type: 'host.output', taskId: 'p0.tasks.0', host: 'etcd1', stream: 'stdout', line: 'Stopping etcd' },
  { type: 'host.progress', taskId: 'p0.tasks.0', host: 'etcd1', bytes: 50, total: 100 },
  { type: 'host.end', taskId: 'p0.tasks.0', host: 'etcd1', status: 'changed', result: { changed: true, failed: false, rc: 0, stdout: 'Stopping etcd', cmd: 'service etcd stop' }, durationMs: 20 },
  { type: 'host.start', taskId: 'p0.tasks.0', host: 'etcd2', runsOn: 'etcd1' },
  { type: 'host.output', taskId: 'p0.tasks.0', host: 'etcd2', stream: 'stderr', line: 'boom' },
  { type: 'host.end', taskId: 'p0.tasks.0', host: 'etcd2', status: 'failed', result: { changed: false, failed: true, rc: 1, stderr: 'boom', msg: 'stop failed' }, durationMs: 30 },
  { type: 'task.end', play: 0, taskId: 'p0.tasks.0' },
  { type: 'warning', message: 'something odd', host: 'etcd2' },
  { type: 'note', message: 'run lock taken on etcd1, etcd2' },
  { type: 'task.start', play: 0, taskId: 'p0.handlers.0', name: 'restart', module: 'debug', hosts: ['etcd1'] },
  { type: 'host.end', taskId: 'p0.handlers.0', host: 'etcd1', status: 'ok', result: { changed: false, failed: false, msg: 'hello' }, durationMs: 1 },
  { type: 'task.end', play: 0, taskId: 'p0.handlers.0' },
  { type: 'play.end', play: 0 },
  { type: 'run.end', runId: 'r1', recap: { etcd1: R({ ok: 2, changed: 1 }), etcd2: R({ failed: 1 }) }, exitCode: 2, interrupted: false, durationMs: 100 },
];

function collect(make: (write: (s: string) => void) => { handle(e: EngineEvent): void; close(): Promise<void> }): Promise<string> {
  let out = '';
  const r = make((s) => (out += s));
  for (const e of EVENTS) r.handle(e);
  return r.close().then(() => out);
}

test('plain view: Ansible-like lines', async () => {
  const out = await collect((write) => new PlainReporter({ write }));
  assert.match(out, /^PLAY \[downgrade\] \*+$/m);
  assert.match(out, /^TASK \[stop etcd\] \*+$/m);
  assert.match(out, /^changed: \[etcd1\]$/m);
  assert.match(out, /^failed: \[etcd2 -> etcd1\] => stop failed$/m);
  assert.match(out, /^  stderr: boom$/m);
  assert.match(out, /^RUNNING HANDLER \[restart\] \*+$/m);
  assert.match(out, /^ok: \[etcd1\] => hello$/m);
  assert.match(out, /^\[WARNING\]: etcd2: something odd$/m);
  assert.match(out, /^run lock taken on etcd1, etcd2$/m, 'a note: a plain line, no [WARNING]');
  assert.match(out, /^PLAY RECAP \*+$/m);
  assert.match(out, /^etcd1 +: ok=2    changed=1    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0$/m);
  assert.not.match(out, /\x1b\[/);
  assert.not.match(out, /Stopping etcd/); // output lines only with verbose
});

test('plain view verbose prints output lines', async () => {
  const out = await collect((write) => new PlainReporter({ write, verbose: true }));
  assert.match(out, /^etcd1 \| Stopping etcd$/m);
  assert.match(out, /^etcd2 \| stderr: boom$/m);
});

test('recap colours only when asked', () => {
  const plain = formatRecap({ h: R({ ok: 1, failed: 1 }) });
  const coloured = formatRecap({ h: R({ ok: 1, failed: 1 }) }, { color: true });
  assert.not.match(plain, /\x1b\[/);
  assert.match(coloured, /\x1b\[31m/);
});

test('NO_COLOR and FORCE_COLOR decide colour', () => {
  assert.not.ok(colorEnabled({ isTTY: true }, { NO_COLOR: '1' }));
  assert.ok(colorEnabled({ isTTY: true }, {}));
  assert.not.ok(colorEnabled({ isTTY: false }, {}));
  assert.ok(colorEnabled({ isTTY: false }, { FORCE_COLOR: '1' }));
  assert.not.ok(colorEnabled({ isTTY: true }, { FORCE_COLOR: '0' }));
});

test('json view: one parseable event per line, in order', async () => {
  const out = await collect((write) => new JsonReporter(write));
  const lines = out.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines, EVENTS);
});

test('adhoc lines', () => {
  assert.is(adhocLine('etcd1', 'changed', { changed: true, failed: false, rc: 0, stdout: 'a\nb', stderr: '' }), 'etcd1 | CHANGED | rc=0 | (stdout) a\\nb');
  assert.is(adhocLine('etcd2', 'unreachable', { changed: false, failed: false, unreachable: true, msg: 'etcd2: connect ECONNREFUSED' }), 'etcd2 | UNREACHABLE! => etcd2: connect ECONNREFUSED');
  assert.is(adhocLine('etcd3', 'failed', { changed: false, failed: true, rc: 2, stdout: '', stderr: 'no such file' }), 'etcd3 | FAILED | rc=2 | (stdout)  (stderr) no such file');
  assert.is(adhocLine('etcd1', 'ok', { changed: false, failed: false, msg: 'hi' }), 'etcd1 | SUCCESS => {"changed":false,"failed":false,"msg":"hi"}');
});

test('adhoc reporter prints host lines then the recap', async () => {
  const out = await collect((write) => new AdhocReporter({ write }));
  assert.match(out, /^etcd1 \| CHANGED \| rc=0 \| \(stdout\) Stopping etcd$/m);
  assert.match(out, /^etcd2 \| FAILED \| rc=1 \| \(stdout\)  \(stderr\) boom$/m);
  assert.match(out, /PLAY RECAP/);
});

test('run dir: events.jsonl, per-host logs with output, summary.json', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'etcdplay-rundir-'));
  try {
    const r = new RunDirReporter(join(dir, 'run'));
    for (const e of EVENTS) r.handle(e);
    await r.close();
    const events = readFileSync(join(dir, 'run', 'events.jsonl'), 'utf8').trim().split('\n');
    assert.is(events.length, EVENTS.length);
    const log1 = readFileSync(join(dir, 'run', 'hosts', 'etcd1.log'), 'utf8');
    assert.match(log1, /TASK \[stop etcd\] \(p0\.tasks\.0\)\nout\| Stopping etcd\n---- changed rc=0 0\.02s cmd: service etcd stop\n/);
    const log2 = readFileSync(join(dir, 'run', 'hosts', 'etcd2.log'), 'utf8');
    assert.match(log2, /on etcd1\nerr\| boom\n---- failed rc=1/);
    assert.match(log2, /msg: stop failed/);
    const summary = JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8'));
    assert.is(summary.exitCode, 2);
    assert.is(summary.hosts.etcd2.tasks[0].status, 'failed');
    assert.equal(summary.recap.etcd2, R({ failed: 1 }));
    assert.not.ok(existsSync(join(dir, 'run', '.summary.json.tmp')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('live view (listr2) renders every task and the recap, then closes', async () => {
  const out = await collect((write) => new LiveReporter({ write }));
  assert.match(out, /PLAY \[downgrade\]/);
  assert.match(out, /PLAY RECAP/);
});

test.run();
