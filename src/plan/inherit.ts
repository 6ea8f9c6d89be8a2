/**
 * What a block passes down to the tasks inside it (when, vars, tags and the keywords a task may
 * leave unset), one implementation for the planner and the engine.
 */
import type { Play, Task } from '../model/playbook.js';
import type { Vars } from '../model/vars.js';

export interface Inherited {
  /** Every enclosing condition, outermost first, then the task's own. */
  when: string[];
  vars: Vars;
  tags: string[];
  become?: boolean;
  becomeUser?: string;
  ignoreErrors?: boolean;
  ignoreUnreachable?: boolean;
  environment?: Record<string, string>;
  noLog?: boolean;
  checkMode?: boolean;
  delegateTo?: string;
  runOnce?: boolean;
  /** remote_user / connection keywords (plan/reach.ts turns them into connection variables). */
  remoteUser?: string;
  connection?: string;
  /** Inside a block with a rescue section: failures are not counted as failed yet. */
  rescuable: boolean;
  /** A handler (tags, --start-at-task and --step do not apply). */
  handler?: boolean;
}

/** Nothing inherited (fact gathering, the run lock). */
export function noInheritance(): Inherited {
  return { when: [], vars: {}, tags: [], rescuable: false };
}

/** What the tasks of a play's sections start from: the play's tags and connection keywords. */
export function playInheritance(play: Play): Inherited {
  return { when: [], vars: {}, tags: play.tags ?? [], rescuable: false, ...playConnection(play) };
}

/** What handlers start from: nothing of the play's tags; the play's connection keywords. */
export function handlerInheritance(play?: Play): Inherited {
  return { ...noInheritance(), ...(play ? playConnection(play) : {}), handler: true };
}

/** The play's remote_user, connection and environment, as its tasks inherit them. */
function playConnection(play: Play): Partial<Inherited> {
  const out: Partial<Inherited> = {};
  if (play.remoteUser !== undefined) out.remoteUser = play.remoteUser;
  if (play.connection !== undefined) out.connection = play.connection;
  if (play.environment) out.environment = play.environment;
  return out;
}

/** The effective settings of `t` inside `inh`: the task's own keywords win, lists and maps add up. */
export function inherit(inh: Inherited, t: Task): Inherited {
  return {
    when: [...inh.when, ...(t.when ?? [])],
    vars: { ...inh.vars, ...(t.vars ?? {}) },
    tags: [...new Set([...inh.tags, ...(t.tags ?? [])])],
    become: t.become ?? inh.become,
    becomeUser: t.becomeUser ?? inh.becomeUser,
    ignoreErrors: t.ignoreErrors ?? inh.ignoreErrors,
    ignoreUnreachable: t.ignoreUnreachable ?? inh.ignoreUnreachable,
    environment: t.environment || inh.environment ? { ...(inh.environment ?? {}), ...(t.environment ?? {}) } : undefined,
    noLog: t.noLog ?? inh.noLog,
    checkMode: t.checkMode ?? inh.checkMode,
    delegateTo: t.delegateTo ?? inh.delegateTo,
    runOnce: t.runOnce ?? inh.runOnce,
    remoteUser: t.remoteUser ?? inh.remoteUser,
    connection: t.connection ?? inh.connection,
    rescuable: inh.rescuable,
    handler: inh.handler,
  };
}

/** The children of a block: the block's settings, and rescuable when the block has a rescue. */
export function blockChildren(inh: Inherited, block: Task): { body: Inherited; rest: Inherited } {
  const rest = inherit(inh, block);
  return { body: { ...rest, rescuable: inh.rescuable || !!block.rescue?.length }, rest };
}

/** The task as it runs: its vars are the block's and its own (own win), its environment merged. */
export function effectiveTask(t: Task, eff: Inherited): Task {
  return { ...t, vars: eff.vars, ...(eff.environment ? { environment: eff.environment } : {}) };
}
