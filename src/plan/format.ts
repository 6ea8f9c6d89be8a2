/**
 * The plan for humans: every play, batch, task and host with the exact commands that would run
 * (displayCommand: secrets hidden), run_once / delegate_to and runtime conditions marked.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import type { PlannedHostTask, PlannedTask, Plan } from '../model/plan.js';
import type { Step } from '../model/step.js';
import type { Command } from '../model/command.js';
import { displayCommand } from '../shell/quote.js';
import { isSecretName } from '../template/secret.js';
import { secretLabel } from './secrets.js';

export interface FormatOptions {
  color?: boolean;
  /** Show the full text of the helper scripts modules pass to `sh -c` (default: abbreviated). */
  full?: boolean;
}

/** displayCommand, with long `sh -c SCRIPT` bodies abbreviated unless `full`. */
export function showCommand(cmd: Command, full = false): string {
  if (!full && cmd.kind === 'exec' && cmd.argv[0] === 'sh' && cmd.argv[1] === '-c' && (cmd.argv[2] ?? '').includes('\n')) {
    const lines = cmd.argv[2]!.split('\n').length;
    const shown = displayCommand({ ...cmd, argv: ['sh', '-c', 'SCRIPT', ...cmd.argv.slice(3)] });
    return shown.replace(/sh -c SCRIPT/, `sh -c '<${lines}-line script, see --full>'`);
  }
  return displayCommand(cmd);
}

function stepLines(s: Step, c: ChalkInstance, check: boolean, full: boolean): string[] {
  const forced = s.description.startsWith('[check_mode: ');
  const tag = s.mutates ? (check && !forced ? c.yellow(' (not run in --check)') : '') : c.dim(' (read-only)');
  switch (s.kind) {
    case 'command': {
      const out = [`${c.dim('#')} ${s.description}${tag}`];
      if (s.onlyIf) out.push(`${c.dim('  only if:')} ${showCommand(s.onlyIf, full)}`);
      out.push(`${c.green('$')} ${showCommand(s.command, full)}`);
      // steps decided from this command's output (CommandStep.then) are only known at run time
      if (s.then) out.push(`${c.dim('  then:')} ${s.then.later} ${c.yellow('(decided at run time)')}`);
      return out;
    }
    case 'put': {
      const src = 'path' in s.src ? s.src.path : `<${Buffer.byteLength(s.src.content)} bytes of content>`;
      const attrs = [s.mode && `mode=${s.mode}`, s.owner && `owner=${s.owner}`, s.group && `group=${s.group}`].filter(Boolean).join(' ');
      return [`${c.cyan('put')} ${src} -> ${s.dest}${attrs ? ' ' + attrs : ''}${s.sha256 ? c.dim(` sha256=${s.sha256.slice(0, 12)}…`) : ''}${tag}`];
    }
    case 'get':
      return [`${c.cyan('get')} ${s.src} -> ${s.dest}${tag}`];
    case 'relay':
      return [`${c.cyan('relay')} ${s.fromHost}:${s.src} -> ${s.dest}${tag}`];
    case 'backup':
      return [`${c.cyan(`backup ${s.op}`)} ${s.op === 'download' ? `${s.url} -> ${s.path}/` : s.op === 'upload' ? `${s.path} -> ${s.url}` : `${s.path}: keep the newest ${s.keep ?? 0}`}${tag}`];
    case 'local': {
      const data = s.action === 'set_fact' ? s.data.facts : s.action === 'debug' ? (s.data.var !== undefined ? s.data.value : s.data.msg) : s.data.msg;
      const text = typeof data === 'string' ? data : JSON.stringify(data);
      return [`${c.magenta(s.action)} ${text ?? ''}`.trimEnd()];
    }
  }
}

function hostBlock(h: PlannedHostTask, c: ChalkInstance, check: boolean, full: boolean, indent: string): string[] {
  const head = `${indent}${c.bold(h.host)}${h.reach ? c.dim(` (${h.reach})`) : ''}${h.runsOn ? c.cyan(` -> ${h.runsOn} (delegate_to)`) : ''}`;
  const out: string[] = [];
  let note = '';
  if (h.when) {
    if (!h.when.decided) note = c.yellow(` when ${h.when.expr.join(' and ')} (decided at run time)`);
    else if (h.when.value === false) note = c.dim(` skipped: when ${h.when.expr.join(' and ')} is false`);
  }
  out.push(head + note);
  if (h.deferred) out.push(`${indent}  ${c.yellow('deferred:')} ${h.deferred}`);
  if (h.steps) {
    if (h.steps.length === 0 && !(h.when && h.when.value === false)) out.push(`${indent}  ${c.dim('(nothing to do)')}`);
    for (const s of h.steps) for (const l of stepLines(s, c, check, full)) out.push(`${indent}  ${l}`);
  }
  return out;
}

function taskBlock(t: PlannedTask, c: ChalkInstance, check: boolean, full: boolean, indent: string): string[] {
  const flags = [
    t.module && c.dim(`[${t.module}]`),
    t.runOnce && c.cyan('run_once'),
    t.delegateTo !== undefined && c.cyan(`delegate_to: ${t.delegateTo}`),
    t.tags.length && c.dim(`tags: ${t.tags.join(',')}`),
    c.dim(`${t.pos.file}:${t.pos.line}`),
  ].filter(Boolean).join(' ');
  const kind = t.section === 'handlers' ? 'HANDLER' : t.block ? 'BLOCK' : 'TASK';
  const out = [`${indent}${c.bold(`${kind} [${t.name}]`)} ${flags}`];
  if (t.block) {
    for (const x of t.block) out.push(...taskBlock(x, c, check, full, indent + '  '));
    if (t.rescue?.length) { out.push(`${indent}  ${c.bold('rescue:')}`); for (const x of t.rescue) out.push(...taskBlock(x, c, check, full, indent + '    ')); }
    if (t.always?.length) { out.push(`${indent}  ${c.bold('always:')}`); for (const x of t.always) out.push(...taskBlock(x, c, check, full, indent + '    ')); }
    return out;
  }
  for (const h of t.perHost) out.push(...hostBlock(h, c, check, full, indent + '  '));
  return out;
}

/** A task restricted to some hosts (undefined when none of them has an entry). */
function onlyHosts(t: PlannedTask, hosts: Set<string>): PlannedTask | undefined {
  if (t.block) {
    const f = (xs?: PlannedTask[]) => (xs ?? []).map((x) => onlyHosts(x, hosts)).filter((x): x is PlannedTask => !!x);
    const block = f(t.block);
    const rescue = f(t.rescue);
    const always = f(t.always);
    if (!block.length && !rescue.length && !always.length) return undefined;
    return { ...t, block, rescue, always };
  }
  const perHost = t.perHost.filter((h) => hosts.has(h.host));
  return perHost.length ? { ...t, perHost } : undefined;
}

export function formatPlan(plan: Plan, opts: FormatOptions = {}): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const full = opts.full ?? false;
  const out: string[] = [];
  out.push(`${c.bold('PLAN')} ${plan.playbook} ${c.dim(`inventory: ${plan.inventory.join(', ')}`)}${plan.check ? c.yellow(' --check') : ''}`);
  for (const p of plan.plays) {
    out.push('');
    out.push(c.bold(`PLAY ${p.index + 1} [${p.name}]`) + ` hosts: ${p.pattern} ${c.dim(`(${p.hosts.length} host${p.hosts.length === 1 ? '' : 's'})`)}`);
    if (p.confirm) out.push(`  ${c.red('asks for confirmation:')} ${p.confirm}`);
    for (const n of p.notes) out.push(`  ${c.dim('note:')} ${n}`);
    if (p.batches.length <= 1) {
      p.batches.forEach((b, i) => out.push(`  ${c.dim(`batch ${i + 1}/${p.batches.length}:`)} ${b.join(' ')}`));
      for (const t of p.tasks) { out.push(''); out.push(...taskBlock(t, c, plan.check, full, '  ')); }
    } else {
      // serial: every task runs on batch 1, then every task on batch 2, ...: show it in that order.
      p.batches.forEach((b, i) => {
        out.push('');
        out.push(`  ${c.bold(`BATCH ${i + 1}/${p.batches.length}:`)} ${b.join(' ')}`);
        const only = new Set(b);
        for (const t of p.tasks) {
          const sub = onlyHosts(t, only);
          if (!sub) continue;
          out.push('');
          out.push(...taskBlock(sub, c, plan.check, full, '    '));
        }
      });
    }
    if (p.handlers.length) {
      out.push('');
      out.push(`  ${c.bold('handlers')} ${c.dim('(run only when notified)')}`);
      for (const t of p.handlers) out.push(...taskBlock(t, c, plan.check, full, '  '));
    }
  }
  const n = summarize(plan);
  out.push('');
  out.push(c.dim(`${n.plays} play${n.plays === 1 ? '' : 's'}, ${n.tasks} task${n.tasks === 1 ? '' : 's'}, ${n.steps} step${n.steps === 1 ? '' : 's'} (${n.mutating} changing), ${n.deferred} deferred to run time, ${n.runtimeWhen} condition${n.runtimeWhen === 1 ? '' : 's'} decided at run time; nothing was contacted`));
  return out.join('\n') + '\n';
}

/** Counts over a plan (tasks include handlers and block children; steps are per host). */
export function summarize(plan: Plan): { plays: number; tasks: number; steps: number; mutating: number; deferred: number; runtimeWhen: number } {
  const n = { plays: plan.plays.length, tasks: 0, steps: 0, mutating: 0, deferred: 0, runtimeWhen: 0 };
  const walk = (t: PlannedTask): void => {
    if (t.block) { [...t.block, ...(t.rescue ?? []), ...(t.always ?? [])].forEach(walk); return; }
    n.tasks++;
    for (const h of t.perHost) {
      if (h.deferred) n.deferred++;
      if (h.when && !h.when.decided) n.runtimeWhen++;
      for (const s of h.steps ?? []) { n.steps++; if (s.mutates) n.mutating++; }
    }
  };
  for (const p of plan.plays) [...p.tasks, ...p.handlers].forEach(walk);
  return n;
}

function redactStep(s: Step): Step {
  if (s.kind !== 'command') return s;
  const red = (c: Command): Command => {
    if (!c.secret) return c;
    const out: Command = { ...c };
    if (c.env) out.env = Object.fromEntries(Object.keys(c.env).map((k) => [k, '********']));
    if (c.stdin !== undefined) out.stdin = '********';
    return out;
  };
  return { ...s, command: red(s.command), ...(s.onlyIf ? { onlyIf: red(s.onlyIf) } : {}) };
}

function redactTask(t: PlannedTask): PlannedTask {
  const out: PlannedTask = { ...t, perHost: t.perHost.map((h) => (h.steps ? { ...h, steps: h.steps.map(redactStep) } : h)) };
  if (t.block) out.block = t.block.map(redactTask);
  if (t.rescue) out.rescue = t.rescue.map(redactTask);
  if (t.always) out.always = t.always.map(redactTask);
  return out;
}

/** The plan as it may be shown or saved: secret command env/stdin and password-like -e values hidden. */
export function redactPlan(plan: Plan): Plan {
  return {
    ...plan,
    extraVars: Object.fromEntries(Object.entries(plan.extraVars).map(([k, v]) => [k, isSecretName(k) ? secretLabel(k) : v])),
    plays: plan.plays.map((p) => ({ ...p, tasks: p.tasks.map(redactTask), handlers: p.handlers.map(redactTask) })),
  };
}
