/** The playbook loader's schema diagnostics (ajv errors -> file:line:col with hints) and octal warnings. */
import { isMap, visit } from 'yaml';
import type { Scalar } from 'yaml';
import type { ErrorObject } from 'ajv';
import { didYouMean } from './diagnostics.js';
import { PLAY_KEYWORDS, TASK_KEYWORDS, UNSUPPORTED_PLAY } from './keywords.js';
import { deref, entries, keyNodeAtPath, nodeAtPath, splitPointer } from './yamlsrc.js';
import { Loader, type Path, YES_NO, TEMPLATE } from './playbook-loader.js';


export function describeType(t: unknown): string {
  const names: Record<string, string> = {
    boolean: 'a boolean (true or false)', string: 'a string', array: 'a list', object: 'a mapping',
    integer: 'an integer', number: 'a number', null: 'empty',
  };
  const list = (Array.isArray(t) ? t : String(t).split(',')).map((x) => names[x] ?? x);
  return list.length <= 1 ? list[0] ?? String(t) : `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
}

export function valueAt(data: unknown, path: Path): unknown {
  let v = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[String(seg)];
  }
  return v;
}

/** What the object at `path` is: a play, a task, loop_control, ... */
export function containerKind(path: Path): 'playbook' | 'play' | 'task' | 'loop_control' | 'vars' | 'environment' | 'other' {
  if (path.length === 0) return 'playbook';
  if (path.length === 1) return 'play';
  const last = path[path.length - 1]!;
  const parent = path[path.length - 2];
  if (/^\d+$/.test(String(last)) && ['tasks', 'pre_tasks', 'post_tasks', 'handlers', 'block', 'rescue', 'always'].includes(String(parent))) return 'task';
  if (last === 'loop_control') return 'loop_control';
  if (last === 'vars') return 'vars';
  if (last === 'environment') return 'environment';
  return 'other';
}

export function yesNoHint(value: unknown, expected: unknown): string | undefined {
  const wantsBool = Array.isArray(expected) ? expected.includes('boolean') : expected === 'boolean';
  if (wantsBool && typeof value === 'string' && YES_NO.test(value)) {
    return `YAML 1.2 reads '${value}' as a string; write ${/^(yes|y|on|true)$/i.test(value) ? 'true' : 'false'} (unquoted)`;
  }
  if (typeof value === 'string' && TEMPLATE.test(value)) return 'a template is not allowed here: the value must be known before the play runs';
  return undefined;
}

export function schemaDiagnostics(L: Loader, errors: ErrorObject[], data: unknown): void {
  const src = L.src;
  for (const e of errors) {
    const path: Path = splitPointer(e.instancePath).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    const key = String(path[path.length - 1] ?? '');
    const node = nodeAtPath(src, path);
    const value = valueAt(data, path);
    const parentKind = containerKind(path.slice(0, -1));
    const kind = containerKind(path);
    switch (e.keyword) {
      case 'type': {
        if (e.schemaPath.includes('/patternProperties/')) {
          // A module key with a value of the wrong type; unknown keys are reported by the task walk.
          const mod = L.modules.get(key);
          if (mod) {
            L.err('bad-module-args', node, `the arguments of module '${key}' must be a mapping${mod.freeForm ? ', free-form text' : ', key=value text'} or empty`);
          }
          break;
        }
        if (kind === 'play') L.err('bad-type', node, 'a play must be a mapping', "start a play with '- hosts: PATTERN'");
        else if (kind === 'task') {
          const word = typeof value === 'string' ? /^([A-Za-z_][\w.]*)\s+(.*)$/.exec(value) : null;
          const hint = word && L.modules.get(word[1]!) ? `a ':' is missing: write '${word[1]}: ${word[2]}'` : "write a task as '- name: ...' followed by a module, e.g. 'command: ls'";
          L.err('bad-type', node, 'a task must be a mapping', hint);
        }
        else if (kind === 'playbook') break;
        else if (path.includes('serial')) L.err('bad-serial', node, `invalid serial ${JSON.stringify(value)}`, "use a positive number, a percentage like '30%', or a list of them");
        else if (typeof path[path.length - 1] === 'number') {
          const listKey = String(path[path.length - 2]);
          L.err('bad-type', node, `each item of '${listKey}' must be ${describeType(e.params.type)}`, yesNoHint(value, e.params.type));
        } else {
          const what = parentKind === 'task' || parentKind === 'play' || parentKind === 'loop_control' ? `'${key}'` : `'${path.slice(-2).join('.')}'`;
          L.err('bad-type', node, `${what} must be ${describeType(e.params.type)}`, yesNoHint(value, e.params.type));
        }
        break;
      }
      case 'additionalProperties': {
        const extra = String(e.params.additionalProperty);
        const kn = keyNodeAtPath(src, path, extra);
        if (kind === 'play') {
          if (UNSUPPORTED_PLAY[extra]) L.err('unsupported-keyword', kn, `play keyword '${extra}' is not supported by etcdplay`, UNSUPPORTED_PLAY[extra]);
          else L.err('unknown-keyword', kn, `unknown play keyword '${extra}'`, didYouMean(extra, PLAY_KEYWORDS));
        } else if (kind === 'task') {
          L.err('unknown-keyword', kn, `unknown task keyword '${extra}'`, didYouMean(extra, [...TASK_KEYWORDS, ...L.modules.names()]));
        } else if (kind === 'loop_control') {
          L.err('unknown-keyword', kn, `unknown loop_control keyword '${extra}'`, didYouMean(extra, ['loop_var', 'label']) ?? 'only loop_var and label are supported');
        } else {
          L.err('unknown-keyword', kn, `unknown key '${extra}'`);
        }
        break;
      }
      case 'required': {
        const missing = String(e.params.missingProperty);
        if (kind === 'play' && missing === 'hosts') {
          const map = deref(src, node);
          const keys = isMap(map) ? entries(src, map).map((x) => x.key) : [];
          if (keys.some((k) => UNSUPPORTED_PLAY[k])) break; // already reported as unsupported
          L.err('missing-hosts', node, "the play has no 'hosts'", keys.some((k) => k === 'host') ? "the keyword is 'hosts'" : "add 'hosts: PATTERN' (e.g. 'hosts: etcd')");
        } else {
          L.err('missing-keyword', node, `'${missing}' is required here`);
        }
        break;
      }
      case 'pattern': {
        if (e.schemaPath.includes('/propertyNames/')) break; // reported by the propertyNames error
        const isSerial = path.includes('serial');
        if (isSerial) L.err('bad-serial', node, `invalid serial '${String(value)}'`, "use a positive number, a percentage like '30%', or a list of them");
        else if (key === 'register') L.err('bad-register', node, `'register' must be a variable name, got '${String(value)}'`, 'use letters, digits and _ only, not starting with a digit');
        else if (key === 'loop_var') L.err('bad-loop-var', node, `'loop_var' must be a variable name, got '${String(value)}'`);
        else L.err('bad-value', node, `'${key}' ${e.message ?? 'is invalid'}`);
        break;
      }
      case 'propertyNames': {
        const name = String(e.params.propertyName);
        const kn = keyNodeAtPath(src, path, name);
        if (kind === 'environment') L.err('bad-env-name', kn, `invalid environment variable name '${name}'`, 'use letters, digits and _ only, not starting with a digit');
        else L.err('bad-var-name', kn, `invalid variable name '${name}'`, 'use letters, digits and _ only, not starting with a digit');
        break;
      }
      case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum': {
        if (path.includes('serial')) L.err('bad-serial', node, `invalid serial ${String(value)}`, "use a positive number, a percentage like '30%', or a list of them");
        else L.err('bad-value', node, `'${key}' must be ${e.keyword === 'minimum' ? '>=' : e.keyword === 'maximum' ? '<=' : e.keyword === 'exclusiveMinimum' ? '>' : '<'} ${String(e.params.limit)}, got ${String(value)}`);
        break;
      }
      case 'if':
        break; // the branch's own error says what is wrong (e.g. a play without hosts)
      case 'minItems':
        if (key === 'serial') L.err('bad-serial', node, 'serial must not be an empty list', 'omit serial to run all hosts at once');
        else L.err('bad-value', node, `'${key}' must not be empty`);
        break;
      case 'minLength':
        L.err('bad-value', node, `'${key}' must not be empty`);
        break;
      case 'enum':
        L.err('bad-value', node, `'${key}' must be one of: ${(e.params.allowedValues as unknown[]).map(String).join(', ')}`);
        break;
      default:
        L.err('schema', node, `'${key || 'playbook'}' ${e.message ?? 'is invalid'}`);
    }
  }
}

/** `mode: 0644` is the decimal number 644 in YAML 1.2 (Ansible's YAML 1.1 reads it as octal). */
export function octalWarnings(L: Loader): void {
  visit(L.src.doc, {
    Scalar(_k, node: Scalar) {
      if (node.type === 'PLAIN' && typeof node.value === 'number' && /^[-+]?0[0-7]+$/.test(String(node.source ?? ''))) {
        L.warn('octal-number', node, `'${node.source}' is the decimal number ${node.value} in YAML 1.2`, `quote it ('${node.source}') if you mean an octal file mode`);
      }
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Plays and tasks

