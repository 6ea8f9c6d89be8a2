/**
 * The engine: runs a playbook against an inventory with Ansible's linear strategy and reports
 * everything as EngineEvents (it never prints). See runner.ts for the semantics and the files.
 */
export type { RunOptions, RunOutcome } from './types.js';
export { runPlaybook } from './runner.js';
export { newRunId, defaultRunDir, runsRoot } from './runid.js';
export { exitCodeFor, EXIT_OK, EXIT_FAILED, EXIT_UNREACHABLE, EXIT_INTERRUPTED } from './exitcode.js';
