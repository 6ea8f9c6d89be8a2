/**
 * Backup steps, run on the workstation (src/backup/): retention of a backup directory, upload to
 * and download from S3. The credentials are read here, registered as secrets before first use.
 */
import { keepNewest } from '../backup/keep.js';
import { verifiedLocal } from '../backup/local.js';
import { downloadBackup } from '../backup/download.js';
import { clientFor, credentialsOf, keyUnder, parseS3Url } from '../backup/target.js';
import { uploadBackup } from '../backup/upload.js';
import type { BackupStep } from '../model/step.js';
import { throttleProgress } from './output.js';
import type { StepEnv, StepsRun } from './step-exec.js';

export async function backupStep(step: BackupStep, env: StepEnv, run: StepsRun): Promise<void> {
  if (env.check && step.mutates) {
    run.outcomes.push({ step, status: 'check', changed: false });
    return;
  }
  if (step.op === 'keep') {
    // The new backup is checked against its manifest before any older one is removed.
    for (const f of step.protect ?? []) await verifiedLocal(f);
    const removed = await keepNewest(step.path, step.keep ?? 0, step.protect ?? []);
    run.outcomes.push({ step, status: 'ran', changed: removed.length > 0, data: { removed }, value: { removed } });
    return;
  }
  const loc = parseS3Url(step.url ?? '');
  const creds = credentialsOf(env.vars, process.env, (s) => env.addSecret(s));
  const client = clientFor(loc, { endpoint: step.endpoint, region: step.region }, creds, process.env);
  const hooks = { signal: env.signal, onProgress: throttleProgress(env.onProgress) };
  if (step.op === 'upload') {
    const key = loc.key === '' || loc.key.endsWith('/') ? keyUnder(loc.key, step.path.split('/').pop()!) : loc.key;
    const r = await uploadBackup(client, step.path, key, hooks);
    run.outcomes.push({ step, status: 'ran', changed: r.changed, sha256: r.sha256, bytes: r.bytes, data: r, value: r });
    return;
  }
  const r = await downloadBackup(client, loc.key, step.path, hooks);
  run.outcomes.push({ step, status: 'ran', changed: r.changed, sha256: r.sha256, bytes: r.bytes, data: r, value: r });
}
