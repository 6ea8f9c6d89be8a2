/** docs/playbook.md's compatibility table is what scripts/compat-table.ts generates from the code's tables. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { compatTable, ANSIBLE_KEYWORDS, ANSIBLE_MODULES, ANSIBLE_FILTERS, ANSIBLE_TESTS, ANSIBLE_LOOKUPS } from '../../../scripts/compat-table.js';

const DOC = readFileSync(new URL('../../../docs/playbook.md', import.meta.url), 'utf8');

test('every Ansible name is classified and the doc holds the generated table', () => {
  const table = compatTable(); // throws when a name is neither supported nor explained
  assert.ok(DOC.includes(table), 'docs/playbook.md is out of date: run node --import tsx scripts/compat-table.ts --write');
});

test('each Ansible name appears once in the table', () => {
  const table = compatTable();
  for (const n of [...ANSIBLE_KEYWORDS, ...ANSIBLE_MODULES, ...ANSIBLE_FILTERS, ...ANSIBLE_TESTS, ...ANSIBLE_LOOKUPS]) {
    assert.ok(table.includes(`\`${n}\``), n);
  }
});

test.run();
