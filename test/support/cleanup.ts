/**
 * Safety net run after the e2e suite: removes whatever a crashed test left behind (lab hosts,
 * mounts, processes, and for systemd hosts their cgroups `etcdplay-lab-t-*`, even when the lab dir
 * is already gone). Each test also cleans up after itself; this only catches the leftovers.
 */
import { cleanupTestLabs } from '../../src/lab/cleanup.js';

export async function cleanupAll(): Promise<void> {
  try {
    const done = await cleanupTestLabs();
    if (done.length) console.error(`[cleanup] removed leftovers of: ${done.join(', ')}`);
  } catch (err) {
    console.error('[cleanup]', err);
  }
}
