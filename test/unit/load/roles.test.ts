/** Roles and includes at load time: expansion, handlers, precedence layers, positions of problems. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDiagnostics } from '../../../src/load/diagnostics.js';
import { loadPlaybook } from '../../../src/load/playbook.js';
import type { Task } from '../../../src/model/playbook.js';
import { ROLE_PLAYBOOK, writeRoleProject } from './roles-fixture.js';

const dirs: string[] = [];
function project(playbook = ROLE_PLAYBOOK): string {
  const d = mkdtempSync(join(tmpdir(), 'etcdplay-roles-'));
  dirs.push(d);
  writeRoleProject(d, d);
  writeFileSync(join(d, 'site.yml'), playbook);
  return d;
}
const flat = (ts: Task[]): Task[] => ts.flatMap((t) => [t, ...flat(t.block ?? [])]);

test('roles:, dependencies, import_tasks, include_tasks, include_role and import_playbook load', () => {
  const d = project();
  const r = loadPlaybook(join(d, 'site.yml'));
  assert.ok(r.playbook, formatDiagnostics(r.diagnostics));
  const [p0, p1] = r.playbook!.plays;
  assert.is(r.playbook!.plays.length, 2);
  assert.is(p1!.index, 1);
  assert.is(p1!.pos.file, join(d, 'second.yml'));
  const names = flat(p0!.tasks).map((t) => t.name).filter(Boolean);
  assert.equal(names.slice(0, 4), ['base task', 'web template', 'web file', 'import some tasks']);
  const web = flat(p0!.tasks).find((t) => t.name === 'web template')!;
  assert.is(web.role?.name, 'web');
  assert.is(web.role?.defaults.web_port, 80);
  assert.is(web.role?.vars.web_user, 'www');
  assert.is(web.pos.file, join(d, 'roles/web/tasks/main.yml'));
  assert.is(web.pos.line, 1);
  const roleBlock = p0!.tasks[0]!;
  assert.equal(roleBlock.tags, ['web']);
  assert.is(roleBlock.vars.web_port, 8080);
  const inc = p0!.tasks.find((t) => t.name === 'include per item')!;
  assert.is(inc.include?.kind, 'include_tasks');
  // role handlers join the play's, under their name and 'role : name'
  assert.equal(p0!.handlers.map((h) => [h.name, h.listen]), [['web restarted', ['web : web restarted']]]);
});

test('a missing role or tasks file: the reference file:line:col, the paths searched', () => {
  const d = project(`- hosts: all\n  tasks:\n    - import_role:\n        name: nope\n    - import_tasks: missing.yml\n`);
  const r = loadPlaybook(join(d, 'site.yml'));
  const errs = r.diagnostics.filter((x) => x.severity === 'error');
  assert.is(errs.length, 2, formatDiagnostics(r.diagnostics));
  assert.match(errs[0]!.message, /role 'nope' not found/);
  assert.is(errs[0]!.pos.line, 4);
  assert.match(errs[0]!.hint!, /roles\/nope/);
  assert.match(errs[1]!.message, /tasks file 'missing.yml' not found/);
  assert.is(errs[1]!.pos.line, 5);
});

test('a problem inside a role file is reported at its own file:line:col', () => {
  const d = project(`- hosts: all\n  roles: [web]\n`);
  writeFileSync(join(d, 'roles/web/tasks/main.yml'), '- name: bad\n  debug: msg=x\n  when: "a ==="\n');
  const r = loadPlaybook(join(d, 'site.yml'));
  const e = r.diagnostics.find((x) => x.code === 'bad-condition');
  assert.ok(e, formatDiagnostics(r.diagnostics));
  assert.is(e!.pos.file, join(d, 'roles/web/tasks/main.yml'));
  assert.is(e!.pos.line, 3);
});

test('import cycles and loops on static imports are refused', () => {
  const d = project(`- hosts: all\n  tasks:\n    - import_tasks: a.yml\n`);
  writeFileSync(join(d, 'a.yml'), '- import_tasks: a.yml\n');
  const r = loadPlaybook(join(d, 'site.yml'));
  assert.ok(r.diagnostics.some((x) => x.code === 'include-cycle'), formatDiagnostics(r.diagnostics));
});

test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test.run();
