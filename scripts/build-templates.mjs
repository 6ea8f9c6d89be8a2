// Build step: precompile the report page's handlebars templates (the page and its partials) into
// dist/report/templates/<key>.cjs, each `module.exports = <handlebars.precompile output>`. At run
// time src/report/page.ts looks each up by a hash of its source and options and then loads only
// handlebars' runtime; a template not found is compiled on the spot, so this is an optimisation
// only (every run renders report.html at its end: compiling took ~60 ms of CPU of each run).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Handlebars = require('handlebars');
const { pageTemplates, templateKey, TEMPLATE_OPTIONS } = await import('../dist/report/page.js');

const dir = new URL('../dist/report/templates/', import.meta.url);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const templates = pageTemplates();
for (const src of templates) {
  const spec = Handlebars.precompile(src, { ...TEMPLATE_OPTIONS });
  writeFileSync(new URL(`${templateKey(src)}.cjs`, dir), `module.exports = ${spec};\n`);
}
console.log(`build-templates: ${templates.length} templates precompiled`);
