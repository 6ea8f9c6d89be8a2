/**
 * The compatibility table of docs/playbook.md, generated from the tables the code uses (the
 * keyword lists and their refusals, the module registry and its hints, the filter, test and
 * lookup tables) against every name ansible-core 2.14 ships (`ansible-doc -t KIND -l`,
 * ansible.builtin). test/unit/load/compat.test.ts checks the doc holds this output and that every
 * Ansible name is classified.
 *
 *   node --import tsx scripts/compat-table.ts            # print the section
 *   node --import tsx scripts/compat-table.ts --write    # replace it in docs/playbook.md
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PLAY_KEYWORDS, TASK_KEYWORDS, UNSUPPORTED_PLAY, UNSUPPORTED_TASK, ANSIBLE_MODULE_HINTS } from '../src/load/keywords.js';
import { moduleNames } from '../src/modules/registry.js';
import { INCLUDE_KEYS } from '../src/load/include.js';
import { FILTERS, UNSUPPORTED_FILTERS } from '../src/template/filters.js';
import { TESTS } from '../src/template/tests.js';
import { LOOKUPS } from '../src/template/filters-data.js';

/** ansible-core 2.14: `ansible-doc -t keyword -l`. */
export const ANSIBLE_KEYWORDS = 'accelerate accelerate_ipv6 accelerate_port action always any_errors_fatal args async become become_exe become_flags become_method become_user block changed_when check_mode collections connection debugger delay delegate_facts delegate_to diff environment fact_path failed_when force_handlers gather_facts gather_subset gather_timeout handlers hosts ignore_errors ignore_unreachable listen local_action loop loop_control max_fail_percentage module_defaults name no_log notify order poll port post_tasks pre_tasks register remote_user rescue retries roles run_once serial strategy tags tasks throttle timeout until vars vars_files vars_prompt when with_'.split(' ');
/** ansible-core 2.14: `ansible-doc -t module -l`, ansible.builtin. */
export const ANSIBLE_MODULES = 'add_host apt apt_key apt_repository assemble assert async_status blockinfile command copy cron debconf debug dnf dpkg_selections expect fail fetch file find gather_facts get_url getent git group group_by hostname import_playbook import_role import_tasks include_role include_tasks include_vars iptables known_hosts lineinfile meta package package_facts pause ping pip raw reboot replace rpm_key script service service_facts set_fact set_stats setup shell slurp stat subversion systemd systemd_service sysvinit tempfile template unarchive uri user validate_argument_spec wait_for wait_for_connection yum yum_repository'.split(' ');
/** ansible-core 2.14 (`ansible-doc -t filter -l`, ansible.builtin) and Jinja2 3.1's built-in filters. */
export const ANSIBLE_FILTERS = [...new Set(('b64decode b64encode basename bool checksum combinations combine comment dict2items difference dirname expanduser expandvars extract fileglob flatten from_json from_yaml from_yaml_all hash human_readable human_to_bytes intersect items2dict log mandatory md5 password_hash path_join permutations pow product quote random realpath regex_escape regex_findall regex_replace regex_search rekey_on_member relpath root sha1 shuffle split splitext strftime subelements symmetric_difference ternary to_datetime to_json to_nice_json to_nice_yaml to_uuid to_yaml type_debug union unique unvault urldecode urlsplit vault win_basename win_dirname win_splitdrive zip zip_longest '
  + 'abs attr batch capitalize center count d default dictsort e escape filesizeformat first float forceescape format groupby indent int items join last length list lower map max min pprint reject rejectattr replace reverse round safe select selectattr slice sort string striptags sum title tojson trim truncate upper urlencode urlize wordcount wordwrap xmlattr').split(' '))].sort();
/** ansible-core 2.14 (`ansible-doc -t test -l`, ansible.builtin) and Jinja2 3.1's built-in tests. */
export const ANSIBLE_TESTS = [...new Set(('abs all any change changed contains directory exists failed failure falsy file finished is_abs is_dir is_file is_link is_mount is_same_file isnan issubset issuperset link link_exists match mount nan reachable regex same_file search skip skipped started subset succeeded success successful superset truthy unreachable uri url urn vault_encrypted version version_compare '
  + 'boolean callable defined divisibleby eq equalto escaped even false filter float ge gt in integer iterable le lower lt mapping ne none number odd sameas sequence string test true undefined upper').split(' '))].sort();
/** ansible-core 2.14: `ansible-doc -t lookup -l`, ansible.builtin. */
export const ANSIBLE_LOOKUPS = 'config csvfile dict env file fileglob first_found indexed_items ini inventory_hostnames items lines list nested password pipe random_choice sequence subelements template together unvault url varnames vars'.split(' ');

/** Names none of the code's tables classify, with the reason (kept short; the code's own refusals come first). */
const NOTES: Record<string, Record<string, string>> = {
  keyword: {
    accelerate: 'removed from Ansible long ago', accelerate_ipv6: 'removed from Ansible long ago', accelerate_port: 'removed from Ansible long ago',
    become_exe: 'sudo is the only become method (its path is not configurable)', become_flags: 'sudo runs with fixed flags (-S -p, password on stdin only)',
    fact_path: 'no local facts (facts.d)', gather_timeout: 'gathering is one short command under the connection timeout',
    timeout: 'each module has its own timeout arguments; a playbook-wide task timeout is not supported',
    with_: "with_items is supported; the other with_* lookups are listed under task keywords (use 'loop')",
  },
  module: {
    assemble: "build the file with 'template'", cron: 'not supported (write the cron file with copy/template)', debconf: 'not supported',
    dpkg_selections: "use 'package' (it holds and unholds)", expect: 'not supported (commands run without a terminal)', find: "use 'command: find ...' and register",
    getent: "use 'command: getent ...'", git: 'not supported',
    hostname: "use 'command: hostnamectl ...'", iptables: 'not supported', known_hosts: "etcdplay's own known_hosts handling covers the workstation side",
    package_facts: "use 'command: dpkg-query ...' or rpm -q", pip: 'not supported', rpm_key: 'not supported', service_facts: "use 'service' (it reports the state)",
    set_stats: 'not supported', slurp: "use 'fetch', or 'command: cat' and register", subversion: 'not supported',
    tempfile: "use 'command: mktemp' and register", validate_argument_spec: 'not supported',
    include: "removed in Ansible 2.16: use 'include_tasks' or 'import_tasks'",
  },
  filter: {
    attr: "use x['name'] or x.name", combinations: 'not available', expanduser: 'not available (paths are used as written)', expandvars: 'not available',
    filesizeformat: 'not available', forceescape: 'templates are never HTML-escaped', human_readable: 'not available', human_to_bytes: 'not available',
    log: 'not available', permutations: 'not available', pow: 'use the ** operator', realpath: 'not available (the workstation path is not the host path)',
    rekey_on_member: 'not available', relpath: 'not available', root: 'use the ** operator', slice: 'not available', striptags: 'not available',
    tojson: "use to_json", urldecode: 'not available', urlize: 'not available', urlsplit: 'not available',
    win_basename: 'Windows hosts are not supported', win_dirname: 'Windows hosts are not supported', win_splitdrive: 'Windows hosts are not supported',
  },
  test: {
    callable: 'no Python objects in templates', escaped: 'templates are never HTML-escaped', filter: 'not available', test: 'not available',
    is_mount: 'not available (use stat on the workstation side or a command)', mount: 'not available', is_same_file: 'not available', same_file: 'not available',
    sameas: 'use ==', uri: 'not available', url: 'not available', urn: 'not available', vault_encrypted: 'vault is not supported', nan: 'not available', isnan: 'not available',
  },
  lookup: {
    config: 'no ansible.cfg', csvfile: 'not available', dict: "use dict2items", fileglob: 'not available (list the files in a variable)',
    first_found: 'not available', indexed_items: "use 'loop' with loop.index0", ini: 'not available', inventory_hostnames: "use groups['name']",
    items: "use 'loop'", lines: "run 'command' and register its stdout_lines", list: "use 'loop'", nested: "use 'loop' with product()",
    password: 'not available (generate secrets outside the playbook)', pipe: 'runs a command on the workstation at plan time: not supported (plans are pure)',
    random_choice: 'a random value would make a plan differ from its run', sequence: "use range()", subelements: "use the subelements filter",
    template: "render the file with 'template'", together: "use the zip filter", unvault: 'vault is not supported', url: 'not available (no network access while planning)',
    varnames: 'not available', vars: "use vars[...] lookups by name: not available; refer to the variable directly",
  },
};

interface Row { name: string; supported: boolean; note: string }

function classify(kind: string, names: string[], supported: (n: string) => boolean, refusal: (n: string) => string | undefined): Row[] {
  const missing: string[] = [];
  const rows = names.map((name) => {
    if (supported(name)) return { name, supported: true, note: '' };
    const note = refusal(name) ?? NOTES[kind]?.[name];
    if (note === undefined) missing.push(name);
    return { name, supported: false, note: note ?? '' };
  });
  if (missing.length) throw new Error(`compat table: these ansible ${kind}s are neither supported nor explained: ${missing.join(', ')} (add them to NOTES in scripts/compat-table.ts)`);
  return rows;
}

const esc = (s: string): string => s.replaceAll('|', '\\|');

function section(title: string, rows: Row[], supportedText?: string): string {
  const yes = rows.filter((r) => r.supported).map((r) => `\`${r.name}\``);
  const no = rows.filter((r) => !r.supported);
  return [
    `### ${title} (${yes.length} of ${rows.length} supported)`, '',
    supportedText ?? `Supported: ${yes.join(', ')}.`, '',
    '| not supported | why, and what to use instead |', '|---|---|',
    ...no.map((r) => `| \`${r.name}\` | ${esc(r.note)} |`), '',
  ].join('\n');
}

export const BEGIN = '<!-- compat-table: generated by scripts/compat-table.ts; do not edit by hand -->';
export const END = '<!-- /compat-table -->';

export function compatTable(): string {
  const play = new Set<string>(PLAY_KEYWORDS);
  const task = new Set<string>(TASK_KEYWORDS);
  const modules = new Set(moduleNames());
  const keywords = classify('keyword', ANSIBLE_KEYWORDS, (n) => play.has(n) || task.has(n), (n) => UNSUPPORTED_PLAY[n] ?? UNSUPPORTED_TASK[n]);
  const where = (n: string): string => [play.has(n) ? 'play' : '', task.has(n) ? 'task' : ''].filter(Boolean).join('+');
  const kwText = `Supported (where): ${keywords.filter((r) => r.supported).map((r) => `\`${r.name}\` (${where(r.name)})`).join(', ')}. A keyword supported on plays but not on tasks (or the other way round) is refused where it does not apply, with the reason.`;
  return [
    BEGIN, '',
    section('Keywords (ansible-core 2.14)', keywords, kwText),
    section('Modules (ansible.builtin, 2.14)', classify('module', ANSIBLE_MODULES, (n) => modules.has(n) || play.has(n) || task.has(n) || INCLUDE_KEYS.has(n), (n) => ANSIBLE_MODULE_HINTS[n] ?? UNSUPPORTED_TASK[n] ?? UNSUPPORTED_PLAY[n])),
    section('Filters (ansible.builtin 2.14 and Jinja2 3.1)', classify('filter', ANSIBLE_FILTERS, (n) => n in FILTERS && !(n in UNSUPPORTED_FILTERS), (n) => UNSUPPORTED_FILTERS[n])),
    section('Tests (ansible.builtin 2.14 and Jinja2 3.1)', classify('test', ANSIBLE_TESTS, (n) => n in TESTS, () => undefined)),
    section('Lookups (ansible.builtin 2.14)', classify('lookup', ANSIBLE_LOOKUPS, (n) => n in LOOKUPS, () => undefined)),
    `etcd modules (etcd_*) and etcdplay-only filters (\`endpoints\`, \`initial_cluster\`) are not listed: see docs/modules.md and docs/templates.md.`, '',
    END,
  ].join('\n');
}

const DOC = fileURLToPath(new URL('../docs/playbook.md', import.meta.url));

/** docs/playbook.md with its compatibility section replaced by `table`. */
export function withTable(doc: string, table: string): string {
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  if (a < 0 || b < a) throw new Error(`docs/playbook.md has no ${BEGIN} ... ${END} section`);
  return doc.slice(0, a) + table + doc.slice(b + END.length);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const table = compatTable();
  if (process.argv.includes('--write')) writeFileSync(DOC, withTable(readFileSync(DOC, 'utf8'), table));
  else process.stdout.write(table + '\n');
}
