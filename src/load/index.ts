/** The load layer's public API: playbooks, inventories, vars files, patterns, diagnostics. */
export { loadPlaybook, parsePlaybook, registryLookup } from './playbook.js';
export type { LoadOptions, ModuleLookup } from './playbook.js';
export { loadInventory, parseInventory, parseInventoryText } from './inventory.js';
export { InventoryBuilder, groupHosts, groupDepths } from './inventory-build.js';
export { inventoryHostVars, inventoryOwnVars, sortedGroups, groupsVar } from './hostvars.js';
export { matchHosts, applyLimit, splitPattern } from './pattern.js';
export { loadVarsDirs, applyVarsDirs, loadGroupHostVars } from './groupvars.js';
export type { VarsDirs } from './groupvars.js';
export { loadVarsFile, parseVarsText } from './varsfile.js';
export { parseKeyValueArgs, splitKeyValueArgs } from './kv.js';
export { expandHostRange } from './ranges.js';
export { iniValue } from './pyliteral.js';
export { inventoryGraph, inventoryList } from './inventory-view.js';
export { validatePlaybookData, validateModuleArgs, playbookSchema, PLAYBOOK_SCHEMA_PATH } from './schema.js';
export { formatDiagnostics, diag, sortDiagnostics, hasErrors, countDiagnostics, didYouMean, nearest, attachSourceLines } from './diagnostics.js';
export { PLAY_KEYWORDS, TASK_KEYWORDS } from './keywords.js';
