/**
 * Conditions (`when`, `failed_when`, `changed_when`, `until`, `assert: that`, `debug: var`):
 * the one expression language (parser.ts, evaluate.ts) with Ansible's reading of the result.
 * A condition may be wrapped in one `{{ }}` (Ansible tolerates it).
 */
import type { Vars } from '../model/vars.js';
import { Evaluator, varsScope } from './evaluate.js';
import { parseExpression, rootNames } from './parser.js';
import { toBool, truthy } from './values.js';

/** Strip one pair of `{{ }}` around a whole condition. */
function unwrap(expr: string): string {
  const m = /^\s*\{\{(.*)\}\}\s*$/s.exec(expr);
  return m && !m[1]!.includes('}}') ? m[1]! : expr;
}

/** Parse a condition (for checking it when the playbook is loaded). Throws ExpressionError. */
export function parseCondition(expr: string): void {
  parseExpression(unwrap(String(expr)), 'condition');
}

/** Root variable names a condition reads (for deciding whether it can be evaluated now). */
export function expressionVars(expr: string): string[] {
  return [...rootNames(parseExpression(unwrap(String(expr)), 'condition'))];
}

/** Evaluate an expression to a value. */
export function evalExpression(expr: string, vars: Vars): unknown {
  const src = unwrap(String(expr));
  return new Evaluator(src, varsScope(vars)).value(parseExpression(src, 'condition'));
}

const FALSE_WORDS = ['false', 'no', 'off', '0', 'n', 'f'];

/** Evaluate a condition. A bare string result counts as Ansible's `| bool` would ('no' is false). */
export function evalCondition(expr: string | boolean, vars: Vars): boolean {
  if (typeof expr === 'boolean') return expr;
  const v = evalExpression(expr, vars);
  if (typeof v === 'string') return toBool(v) || (v.trim() !== '' && !FALSE_WORDS.includes(v.trim().toLowerCase()));
  return truthy(v);
}

/** Evaluate several conditions (when: list) with AND. */
export function evalConditions(exprs: (string | boolean)[], vars: Vars): boolean {
  return exprs.every((e) => evalCondition(e, vars));
}
