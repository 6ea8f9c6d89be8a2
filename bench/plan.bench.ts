/**
 * `etcdplay plan` wall time: the built CLI (node bin/etcdplay.js, from dist/) planning a 5-host,
 * 10-task playbook. 15 runs after 2 warm-ups; prints every run and the median. Target < 300 ms.
 * Nothing is contacted (the inventory's loopback addresses are only planned).
 *
 *   npm run build && node --import tsx bench/plan.bench.ts
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// npm run bench sets BENCH_ETCDPLAY_DIR to its private build (bench/lib.sh); by hand, this checkout.
const ROOT = process.env.BENCH_ETCDPLAY_DIR ?? resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/etcdplay.js');
const RUNS = Number(process.env.PLAN_BENCH_RUNS ?? 15);
const TARGET_MS = 300;

if (!existsSync(join(ROOT, 'dist/cli/main.js'))) {
  console.error('plan.bench: dist/ is missing; build first: npm run build');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'etcdplay-plan-bench-'));
try {
  const inv = ['[etcd]', ...[1, 2, 3, 4, 5].map((i) => `etcd${i} ansible_host=127.0.2.${i} etcd_address=127.0.2.${i}`), '[etcd:vars]', 'etcd_data_dir=/var/lib/etcd', 'etcd_scheme=https'].join('\n') + '\n';
  writeFileSync(join(dir, 'inventory.ini'), inv);
  writeFileSync(join(dir, 'playbook.yml'), `- name: ten tasks
  hosts: etcd
  gather_facts: false
  vars:
    snapshot: /var/backup/etcd/snap.db
  tasks:
    - name: status
      command: etcdctl --endpoints {{ endpoints groups.etcd }} endpoint status
      run_once: true
      register: st
    - name: show
      debug: { var: st.stdout_lines }
    - name: backup dir
      file: { path: /var/backup/etcd, state: directory, mode: '0700' }
    - name: snapshot
      command: etcdctl snapshot save {{ snapshot }}
      run_once: true
      delegate_to: "{{ groups.etcd[0] }}"
    - name: stop
      service: { name: etcd, state: stopped }
    - name: downgrade
      package: { name: [etcd-server, etcd-client], version: 3.4.23-4+b4, allow_downgrade: true }
    - name: restore
      command: >-
        etcdctl snapshot restore {{ snapshot }} --name {{ inventory_hostname }}
        --initial-cluster {{ initial_cluster groups.etcd }} --data-dir {{ etcd_data_dir }}
    - name: owner
      file: { path: "{{ etcd_data_dir }}", owner: etcd, group: etcd, recurse: true }
    - name: start
      service: { name: etcd, state: started }
    - name: wait
      wait_for: { host: "{{ etcd_address }}", port: 2379, timeout: 60 }
`);
  const args = [BIN, 'plan', join(dir, 'playbook.yml'), '-i', join(dir, 'inventory.ini')];
  // CPU time (user+sys) of the child too: unlike wall time it does not grow with the machine's load.
  const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
  const cpu: number[] = [];
  const once = () => {
    const t0 = process.hrtime.bigint();
    const r = TIME
      ? spawnSync(TIME, ['-f', 'ETCDPLAY_CPU %U %S', process.execPath, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
      : spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const m = /ETCDPLAY_CPU ([\d.]+) ([\d.]+)/.exec(r.stderr ?? '');
    if (m) cpu.push((Number(m[1]) + Number(m[2])) * 1000);
    if (r.status !== 0 || !r.stdout.includes('TASK [wait]')) {
      console.error(`plan.bench: etcdplay plan failed (exit ${r.status}):\n${r.stderr}${r.stdout.slice(-2000)}`);
      process.exit(1);
    }
    return ms;
  };
  once();
  once();
  cpu.length = 0;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(once());
  const med = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const sorted = [...times].sort((a, b) => a - b);
  const median = med(times);
  console.log(`runs (ms): ${times.map((t) => t.toFixed(0)).join(' ')}`);
  if (cpu.length) console.log(`cpu user+sys per run: median ${med(cpu).toFixed(0)} ms (load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}, ${cpus().length} cpus)`);
  console.log(`etcdplay plan, 5 hosts x 10 tasks: median ${median.toFixed(1)} ms over ${RUNS} runs (min ${sorted[0]!.toFixed(1)}, max ${sorted[sorted.length - 1]!.toFixed(1)}); target < ${TARGET_MS} ms: ${median < TARGET_MS ? 'met' : 'NOT met'}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
