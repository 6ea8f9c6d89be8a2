/**
 * Safety net run after the e2e suite: removes whatever a crashed test left behind (lab hosts,
 * mounts, processes). Each test also cleans up after itself; this only catches the leftovers.
 */
import { cleanupTestLabs } from '../../src/lab/cleanup.js';

export async function cleanupAll(): Promise<void> {
  try {
    await cleanupTestLabs();
  } catch (err) {
    console.error('[cleanup]', err);
  }
}
