/**
 * Safety net run after the e2e suite: removes whatever a crashed test left behind (lab hosts,
 * mounts, processes). Each test also cleans up after itself; this only catches the leftovers.
 */
export async function cleanupAll(): Promise<void> {
  try {
    const lab = await import('../../src/lab/cleanup.js').catch(() => undefined);
    if (lab && typeof (lab as { cleanupTestLabs?: () => Promise<void> }).cleanupTestLabs === 'function') {
      await (lab as { cleanupTestLabs: () => Promise<void> }).cleanupTestLabs();
    }
  } catch (err) {
    console.error('[cleanup]', err);
  }
}
