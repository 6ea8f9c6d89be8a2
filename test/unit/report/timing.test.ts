import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Timing, taskTimeText, timingSummary } from '../../../src/report/timing.js';
import { PlainReporter } from '../../../src/report/plain.js';

test('Timing: task wall time, slowest host, slowest tasks', () => {
  let now = 0;
  const t = new Timing(() => now);
  t.taskStart('a', 'stop etcd');
  t.hostEnd('a', 'etcd1', 900);
  t.hostEnd('a', 'etcd2', 2100);
  now = 2200;
  const a = t.taskEnd('a')!;
  assert.equal(a, { name: 'stop etcd', ms: 2200, hosts: 2, slowest: { host: 'etcd2', ms: 2100 } });
  assert.is(taskTimeText(a), '2.20s (slowest etcd2 2.10s)');
  t.taskStart('b', 'debug');
  t.hostEnd('b', 'etcd1', 5);
  now = 2230;
  assert.is(taskTimeText(t.taskEnd('b')!), '0.03s', 'one host: no slowest');
  assert.is(t.taskEnd('never'), undefined);
  assert.equal(timingSummary(65_000, t), ['total 65.0s; slowest tasks:', '  2.20s  stop etcd (slowest etcd2 2.10s)', '  0.03s  debug']);
});

test('plain view: a time line per task and the total after the recap', () => {
  let out = '';
  const r = new PlainReporter({ write: (s) => (out += s) });
  r.handle({ type: 'play.start', play: 0, name: 'p', hosts: ['h'] } as never);
  r.handle({ type: 'task.start', play: 0, taskId: 't', name: 'x', module: 'command', hosts: ['h'] });
  r.handle({ type: 'host.end', taskId: 't', host: 'h', status: 'ok', result: { changed: false, failed: false }, durationMs: 12 });
  r.handle({ type: 'task.end', play: 0, taskId: 't' });
  r.handle({ type: 'run.end', runId: 'r', recap: { h: { ok: 1, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 } }, exitCode: 0, interrupted: false, durationMs: 1234 });
  assert.match(out, /ok: \[h\]\n {2}\d+\.\d\ds\n/);
  assert.match(out, /\ntotal 1\.23s\n/, "tasks under 10 ms are not listed as slow");
});

test.run();
