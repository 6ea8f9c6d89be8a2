// Build step: bundle the compiled CLI (dist/cli/main.js and everything it imports, yaml, chalk and
// listr2 included) into one ES module, dist/etcdplay.mjs. Node 20 resolves and links every file of
// an ESM graph on its own (~200 files for `etcdplay run`); one file starts ~75 ms sooner (a third of
// the start-up, docs/benchmarks.md). ssh2 stays outside (native crypto binding); ajv
// and the precompiled validators are loaded at run time through createRequire as before.
// handlebars' runtime (report.html, from templates precompiled by scripts/build-templates.mjs) is
// inside, reached by a dynamic import: esbuild runs its module code only when the first page is
// rendered (src/report/page.ts). handlebars' compiler (with source-map: 233 KiB, a third of what the
// bundle would parse for nothing at every start) stays outside: only a template missing its
// precompiled form needs it, and then node loads it from node_modules.
// bin/etcdplay.js uses the bundle only when it is at least as new as dist/cli/main.js (a plain
// `tsc` afterwards makes it fall back to dist/), and this step failing only costs the speed.
import { statSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const entry = new URL('dist/cli/main.js', root).pathname;
const outfile = new URL('dist/etcdplay.mjs', root).pathname;
let esbuild;
try {
  esbuild = await import('esbuild');
} catch (err) {
  process.stderr.write(`bundle: esbuild is not available (${err.message}); etcdplay runs from dist/ unbundled\n`);
  process.exit(0);
}
await esbuild.build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['ssh2', 'cpu-features'],
  // exactly 'handlebars' (the compiler), not 'handlebars/runtime': see above
  plugins: [{ name: 'handlebars-compiler-outside', setup(b) { b.onResolve({ filter: /^handlebars$/ }, () => ({ path: 'handlebars', external: true })); } }],
  // CommonJS dependencies inside an ES module bundle call require(): give them Node's.
  banner: { js: "import { createRequire as __etcdplayRequire } from 'node:module'; const require = __etcdplayRequire(import.meta.url);" },
  // Paths computed from import.meta.url know they are one directory higher (src/load/paths.ts).
  define: { ETCDPLAY_BUNDLED: 'true' },
  logLevel: 'warning',
});
process.stdout.write(`bundle: ${outfile} (${Math.round(statSync(outfile).size / 1024)} KiB)\n`);
