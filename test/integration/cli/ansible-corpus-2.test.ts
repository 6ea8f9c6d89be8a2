/** The second half of issue 14's Ansible corpus: see ansible-corpus.test.ts and _corpus.ts. */
import { c, corpusSuite } from './_corpus.js';

corpusSuite('ansible corpus (2)', [
  { file: 'blocks.yml', ansible: c(7, 5, 0, 0, 1) },
  { file: 'tabs.yml', ansible: c(2, 1) },
  { file: 'keywords.yml', ansible: c(4, 4), others: { localhost: c(1, 1) } },
  { file: 'site.yml', ansible: c(19, 8, 0, 1) },
], ['127.0.0.85', '127.0.0.86'], false);
