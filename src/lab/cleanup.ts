/** Safety net after the e2e suite: tear down every lab whose name starts with `t-`. */
import { labDown } from './lab.js';
import { listLabNames } from './state.js';

export async function cleanupTestLabs(): Promise<string[]> {
  const done: string[] = [];
  for (const name of listLabNames().filter((n) => n.startsWith('t-'))) {
    try {
      if (await labDown(name)) done.push(name);
    } catch (err) {
      console.error(`[cleanup] lab ${name}: ${(err as Error).message}`);
    }
  }
  return done;
}
