/**
 * The operator's view, end to end in the lab (root only): 3 members on etcd 3.5.16 ->
 *   1. a downgrade to 3.4.23 that fails after the stop (a 3.5-only flag on etcd2): the rescue puts
 *      3.5.16 back; 2. the downgrade; 3. etcd-rollback.yml interrupted (SIGINT) after its stop.
 * The plain view (1) and the live view (2: listr2 on a pseudo-terminal made by util-linux `script`,
 * as an operator's terminal) show the status tables before and after with the changes and the
 * closing summary; each run dir's report.html is rendered by headless Chromium (Debian's `chromium`):
 * the DOM has the timeline and the tables, the screenshot is a real picture.
 * REPORT_SCREENSHOTS=DIR keeps the three screenshots there (docs/ has the ones shown in docs/running.md).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { etcdplay, labDown, labExec, labUpWhenFree } from '../integration/etcd/lab-helpers.js';
import { assertBuilt, BIN, ROOT } from '../integration/cli/_cli.js';
import { labLoad, type Lab } from '../../src/lab/index.js';
import { shQuote } from '../../src/shell/quote.js';

const NAME = 't-report';

function runDirOf(out: string): string {
  const m = /^run dir: (.+)$/m.exec(out);
  assert.ok(m, `no run dir line in:\n${out.slice(-2000)}`);
  return m![1]!.trim();
}

/** Headless Chromium: the DOM after load, and a full-page screenshot. */
function chromium(html: string, png: string): string {
  const base = ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--allow-file-access-from-files'];
  const dom = spawnSync('chromium', [...base, '--dump-dom', `file://${html}`], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
  assert.is(dom.status, 0, dom.stderr);
  const shot = spawnSync('chromium', [...base, '--window-size=1400,2200', `--screenshot=${png}`, `file://${html}`], { encoding: 'utf8', timeout: 120_000 });
  assert.is(shot.status, 0, shot.stderr);
  return dom.stdout;
}

function checkPage(dir: string, shots: string, label: string, keep: string | undefined): string {
  const html = join(dir, 'report.html');
  assert.ok(existsSync(html), `${html} written at the end of the run`);
  const png = join(shots, `${label}.png`);
  const dom = chromium(html, png);
  assert.match(dom, /<svg[^>]*id="timeline"/, 'the timeline is in the DOM');
  assert.ok((dom.match(/class="bar"/g) ?? []).length > 20, 'bars for the tasks on every host');
  assert.match(dom, /<section id="status-tables">/);
  assert.ok((dom.match(/<table class="status/g) ?? []).length >= 1, 'status tables');
  assert.not.match(dom, /(src|href)="(https?:)?\/\//, 'no network resource');
  const size = statSync(png).size;
  assert.ok(size > 30_000, `screenshot ${png} is a picture (${size} bytes)`);
  // a PNG that is not one flat colour: its compressed data varies (a blank page compresses to a few KiB)
  assert.is(readFileSync(png).subarray(1, 4).toString(), 'PNG');
  if (keep) copyFileSync(png, join(keep, `report-${label}.png`));
  console.log(`${label}: report.html ${statSync(html).size} bytes, screenshot ${size} bytes`);
  return dom;
}

/** ANSI escape sequences (colours, cursor moves, line erases) removed: the text a terminal shows, frames included. */
const ANSI = /\x1b\[[0-?]*[ -\/]*[@-~]|\x1b[()][0-9A-B]|\x1b[=>78]/g;

/**
 * etcdplay ARGS on a pseudo-terminal 160 columns wide (`script -qefc`), outside CI, so it picks the
 * live view as on an operator's terminal; `raw` is what the terminal received.
 */
function ptyRun(args: string[]): Promise<{ code: number; raw: string; out: string }> {
  assertBuilt();
  const cmd = `stty cols 160 rows 50; exec ${[process.execPath, BIN, ...args].map(shQuote).join(' ')}`;
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color' };
  for (const k of ['CI', 'NO_COLOR', 'FORCE_COLOR']) delete env[k];
  return new Promise((resolve) => {
    const p = spawn('script', ['-q', '-e', '-f', '-c', cmd, '/dev/null'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let raw = '';
    p.stdout.on('data', (b: Buffer) => { raw += b.toString(); });
    p.stderr.on('data', (b: Buffer) => { raw += b.toString(); });
    const timer = setTimeout(() => p.kill('SIGKILL'), 900_000);
    p.on('close', (c) => (clearTimeout(timer), resolve({ code: c ?? -1, raw, out: raw.replace(ANSI, '').replace(/\r/g, '') })));
  });
}

/** etcdplay ARGS, interrupted (SIGINT) once `when` appears in its output. */
function interruptedRun(args: string[], when: RegExp): Promise<{ code: number; out: string }> {
  assertBuilt();
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let sent = false;
    const on = (b: Buffer) => {
      out += b.toString();
      if (!sent && when.test(out)) (sent = true), p.kill('SIGINT');
    };
    p.stdout.on('data', on);
    p.stderr.on('data', on);
    const timer = setTimeout(() => p.kill('SIGKILL'), 600_000);
    p.on('close', (c) => (clearTimeout(timer), resolve({ code: c ?? -1, out })));
  });
}

test('report: status tables and closing summary in the plain view; report.html in Chromium for a rescued, a successful and an interrupted run', async () => {
  let lab: Lab | undefined;
  const shots = mkdtempSync(join(tmpdir(), 'etcdplay-report-'));
  const keep = process.env.REPORT_SCREENSHOTS;
  try {
    lab = await labUpWhenFree({ name: NAME, nodes: 3, etcd: '3.5.16' });
    await labLoad(lab.name, { keys: 300, leases: 1 });
    const inv = lab.inventoryPath;
    const run = (pb: string, ...extra: string[]) => etcdplay(['run', `playbooks/${pb}`, '-i', inv, '--yes', '--plain', ...extra]);

    // 1. failed after the stop, rescued
    await labExec(lab.name, 'etcd2', `echo 'DAEMON_ARGS="--experimental-compact-hash-check-enabled"' >> /etc/default/etcd`);
    const bad = await run('etcd-downgrade.yml', '-e', 'etcd_target_version=3.4.23', '-e', 'etcd_wait_timeout=20');
    assert.is(bad.code, 2, bad.out);
    assert.match(bad.out, 'CLUSTER SUMMARY');
    assert.match(bad.out, /rollback\s+nothing to roll back: the rescue moved every data dir back/);
    assert.match(bad.out, /etcd down\s+\d/);
    checkPage(runDirOf(bad.out), shots, 'rescued', keep);
    await labExec(lab.name, 'etcd2', `sed -i '/^DAEMON_ARGS=/d' /etc/default/etcd && service etcd restart >/dev/null`);

    // 2. the downgrade, in the live view on a pseudo-terminal
    const ok = await ptyRun(['run', 'playbooks/etcd-downgrade.yml', '-i', inv, '--yes', '-e', 'etcd_target_version=3.4.23']);
    assert.is(ok.code, 0, ok.out);
    assert.match(ok.raw, /\x1b\[\d*A/, 'the live view redraws (cursor up): listr2 ran on the terminal');
    assert.match(ok.raw, /\x1b\[[\d;]*m/, 'in colour');
    assert.not.match(ok.out, /^TASK \[/m, 'not the plain view');
    const out = ok.out;
    assert.match(out, /etcd status \[Cluster status and preflight gate[^\n]*: 3 member\(s\), leader etcd\d; first table of this run/);
    // (the restored cluster elects whichever member it elects: the leader may or may not move)
    assert.match(out, /etcd status \[Wait until every member is healthy[^\n]*changed since \[Cluster status and preflight gate[^\n]*: version, (leader, )?member ids/);
    assert.match(out, /etcd1 +[0-9a-f]{16} \(new id\) +3\.4\.23 \(was 3\.5\.16\)/, 'the changed cells say what they were');
    assert.match(out, /etcd status \[Cluster status after\]: 3 member\(s\)/);
    const summary = out.slice(out.indexOf('CLUSTER SUMMARY'));
    assert.ok(out.indexOf('PLAY RECAP') < out.indexOf('CLUSTER SUMMARY'), 'the summary comes after the recap');
    assert.match(summary, /outcome\s+succeeded \(exit 0\)/);
    assert.match(summary, /path\s+snapshot-restore: 3\.5\.16 -> 3\.4\.23/);
    assert.match(summary, /members\s+etcd1 3\.5\.16 -> 3\.4\.23, etcd2 3\.5\.16 -> 3\.4\.23, etcd3 3\.5\.16 -> 3\.4\.23/);
    assert.match(summary, /data\s+before: 300 keys, revision \d+; after: 300 keys, revision \d+/);
    assert.match(summary, /snapshot\s+\/var\/backups\/etcd\/etcd-snapshot-\S+\.db taken on etcd1/);
    assert.match(summary, /data dirs\s+moved aside to \/var\/lib\/etcd\/default\.etcdplay-/);
    assert.match(summary, /etcd down\s+\d+(\.\d+)?s \(first stop \+\d:\d\d, healthy \+\d:\d\d\)/);
    assert.match(summary, new RegExp(`rollback\\s+etcdplay run playbooks/etcd-rollback\\.yml -i ${inv.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} -e etcd_rollback_backup=/var/lib/etcd/default\\.etcdplay-\\S+ --yes`));
    const okDir = runDirOf(out);
    const dom = checkPage(okDir, shots, 'success', keep);
    assert.match(dom, /3\.4\.23 \(was 3\.5\.16\)/);
    assert.ok(existsSync(join(okDir, 'plan.txt')), 'the plan is kept in the run dir');
    // etcdplay report renders the same page again from the run dir
    const again = spawnSync(process.execPath, [BIN, 'report', '--run-dir', okDir, '-o', join(shots, 'again.html')], { encoding: 'utf8' });
    assert.is(again.status, 0, again.stderr);
    assert.match(readFileSync(join(shots, 'again.html'), 'utf8'), /Cluster summary/);

    // 3. the rollback, interrupted once etcd is stopped
    const intr = await interruptedRun(['run', 'playbooks/etcd-rollback.yml', '-i', inv, '--yes', '--plain'], /TASK \[[^\]]*[Ii]nstall/);
    assert.is(intr.code, 130, intr.out);
    assert.match(intr.out, /outcome\s+interrupted \(exit 130\)/);
    checkPage(runDirOf(intr.out), shots, 'interrupted', keep);
  } finally {
    if (lab) await labDown(lab.name);
    rmSync(shots, { recursive: true, force: true });
  }
});

test.run();
