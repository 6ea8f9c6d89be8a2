#!/usr/bin/env node
// The one-file bundle (dist/etcdplay.mjs, scripts/bundle.mjs) starts faster; dist/cli/main.js is
// the same code unbundled, used when there is no bundle or when it is older than the last tsc.
import { statSync } from 'node:fs';

function newer(a, b) {
  try {
    return statSync(new URL(a, import.meta.url)).mtimeMs >= statSync(new URL(b, import.meta.url)).mtimeMs;
  } catch {
    return false;
  }
}

const entry = newer('../dist/etcdplay.mjs', '../dist/cli/main.js') ? '../dist/etcdplay.mjs' : '../dist/cli/main.js';
if (process.env.ETCDPLAY_DEBUG_ENTRY) process.stderr.write(`etcdplay: running ${entry.slice(3)}\n`);
const { main } = await import(entry);

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`etcdplay: internal error: ${err && err.stack || err}\n`); process.exitCode = 70; },
);
