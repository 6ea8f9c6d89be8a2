import { ValidationError } from '../errors.js';
import type { SourcePos } from '../model/source.js';

/**
 * A template or condition used a variable that has no value. `variable` is the dotted path as
 * written (e.g. 'snap.stdout'); `root` its first segment, which the planner uses to tell values
 * only known at run time (registered results, facts) from real mistakes.
 */
export class UndefinedVariableError extends ValidationError {
  readonly root: string;
  /** Where in a multi-line template (a file) the expression is, when known. */
  at?: { line: number; col: number };
  constructor(readonly variable: string, readonly template: string, public pos?: SourcePos) {
    super(`undefined variable '${variable}' in ${JSON.stringify(template)}`);
    this.root = variable.split(/[.[]/)[0] ?? variable;
  }
}

/** A template that does not parse, or a helper used wrongly. */
export class TemplateError extends ValidationError {
  /** Where in the template (line and column, 1-based), when known. */
  at?: { line: number; col: number };
  constructor(message: string, readonly template: string, public pos?: SourcePos) {
    super(message);
  }
}

/**
 * An expression (a condition, or the inside of `{{ }}`) that does not parse or cannot be
 * evaluated (`'a' < 1`). `column` is 1-based in `expr`; `problem` is the message without place.
 */
export class ExpressionError extends ValidationError {
  constructor(readonly expr: string, readonly column: number, readonly problem: string) {
    super(`in condition ${JSON.stringify(expr)}: ${problem} at column ${column}`);
  }
}
