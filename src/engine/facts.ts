/** Fact gathering lives with the setup module (the engine runs the same command for gather_facts). */
export { FACTS_COMMAND, parseFacts } from '../modules/setup.js';
