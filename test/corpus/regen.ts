/** Rewrite every test/corpus/bad/*.expected from the loader's current output (review the diff!). */
import { writeFileSync } from 'node:fs';
import { corpusFiles, diagnose, renderExpected } from './corpus.js';

for (const f of corpusFiles()) writeFileSync(`${f}.expected`, renderExpected(diagnose(f)));
console.log('regenerated', corpusFiles().length, 'files');
