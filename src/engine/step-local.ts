/** Local steps: work done on the workstation without touching a host (debug, set_fact, assert, fail). */
import type { LocalStep } from '../model/step.js';
import type { Vars } from '../model/vars.js';
import { evalCondition } from '../template/expr.js';
import type { StepEnv, StepsRun } from './step-exec.js';

export function localStep(step: LocalStep, env: StepEnv, run: StepsRun): void {
  const d = step.data ?? {};
  switch (step.action) {
    case 'debug': {
      if ('msg' in d) run.local.msg = d.msg as string;
      if (typeof d.var === 'string') run.local[d.var] = 'value' in d ? d.value : lookup(env.vars, d.var);
      run.outcomes.push({ step, status: 'ran', changed: false, data: d });
      return;
    }
    case 'set_fact': {
      const facts = (d.facts && typeof d.facts === 'object' ? d.facts : d) as Record<string, unknown>;
      run.local.facts = { ...(run.local.facts ?? {}), ...facts };
      run.outcomes.push({ step, status: 'ran', changed: false, data: facts });
      return;
    }
    case 'assert': {
      if (typeof d.ok === 'boolean') {
        // already evaluated by the module when it was planned for this host
        run.outcomes.push({ step, status: 'ran', changed: false, data: d });
        if (typeof d.assertion === 'string') run.local.assertion = d.assertion;
        if (d.ok) run.local.msg = String(d.msg ?? 'All assertions passed');
        else run.failure = { msg: String(d.msg ?? `Assertion failed: ${String(d.assertion ?? '')}`) };
        return;
      }
      const that = (Array.isArray(d.that) ? d.that : d.that !== undefined ? [d.that] : []) as unknown[];
      for (const cond of that) {
        const ok = typeof cond === 'boolean' ? cond : evalCondition(String(cond), env.vars);
        if (!ok) {
          run.local.assertion = String(cond);
          run.outcomes.push({ step, status: 'ran', changed: false });
          run.failure = { msg: String(d.fail_msg ?? d.msg ?? `Assertion failed: ${String(cond)}`) };
          return;
        }
      }
      run.local.msg = String(d.success_msg ?? 'All assertions passed');
      run.outcomes.push({ step, status: 'ran', changed: false });
      return;
    }
    case 'fail': {
      run.outcomes.push({ step, status: 'ran', changed: false });
      run.failure = { msg: String(d.msg ?? 'Failed as requested from task') };
      return;
    }
    case 'noop':
    default:
      if (typeof d.msg === 'string') run.local.msg = d.msg;
      run.outcomes.push({ step, status: 'ran', changed: false, data: d });
  }
}

function lookup(vars: Vars, path: string): unknown {
  let cur: unknown = vars;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
