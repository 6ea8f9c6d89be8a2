/** The pure planner (see docs/contracts.md). */
export { buildPlan } from './build.js';
export type { PlanOptions } from './build.js';
export { playHosts, playPattern, splitBatches, batchSize } from './hosts.js';
export { varsFor, lazyVars, withVars, loadVarsFileCached, sharedHostvars } from './vars.js';
export type { VarsForArgs } from './vars.js';
export { renderTask, normalizeArgs, renderArgs, checkRenderedArgs, argsPos } from './task.js';
export { expandLoop, loopVarOf, loopItemVars } from './loop.js';
export { inherit, type Inherited } from './inherit.js';
export { tagsSelect, parseTagList } from './tags.js';
