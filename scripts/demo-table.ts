/**
 * Demo helper: record a lab's state (per member: package, server version, revision, keys, a hash of
 * every key and value, leases) and print a before/after table. The keys of the lab's control plane
 * writers (/registry/etcdplay-writes/) are left out of the keys and the hash: they keep growing
 * while the writers run; `etcdplay lab writes` checks that none of them was lost.
 *
 *   node --import tsx scripts/demo-table.ts capture LAB FILE
 *   node --import tsx scripts/demo-table.ts compare BEFORE AFTER
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { etcdctlPrefix, labExec, labStatus } from '../src/lab/index.js';
import { WRITES_PREFIX } from '../src/lab/controlplane.js';

/** Every key and value but the writers', in key order, from `etcdctl get "" --prefix -w json`. */
function dataOf(json: string): [string, string][] | undefined {
  try {
    const kvs = (JSON.parse(json) as { kvs?: { key: string; value?: string }[] }).kvs ?? [];
    return kvs.map((kv): [string, string] => [Buffer.from(kv.key, 'base64').toString('latin1'), kv.value ?? ''])
      .filter(([k]) => !k.startsWith(WRITES_PREFIX));
  } catch {
    return undefined;
  }
}

interface Member { name: string; package?: string; version?: string; revision?: number; leader?: boolean; keys?: number; dataHash?: string; leases?: number; healthy: boolean }

async function capture(lab: string): Promise<Member[]> {
  const st = await labStatus(lab);
  const out: Member[] = [];
  for (const m of st.members) {
    const ep = `${st.tls ? 'https' : 'http'}://${m.address}:2379`;
    const ctl = etcdctlPrefix(st.tls, [ep]);
    const dump = await labExec(lab, m.name, `${ctl} get "" --prefix -w json`, { timeoutMs: 60_000 });
    const data = dump.rc === 0 ? dataOf(dump.stdout) : undefined;
    const leases = await labExec(lab, m.name, `${ctl} lease list | sed 1d | grep -c .`, { timeoutMs: 30_000 });
    out.push({
      name: m.name, package: m.package, version: m.version, revision: m.revision, leader: m.isLeader, healthy: m.healthy,
      keys: data?.length,
      dataHash: data ? createHash('sha256').update(JSON.stringify(data)).digest('hex').slice(0, 12) : undefined,
      leases: leases.rc <= 1 ? Number(leases.stdout.trim()) : undefined,
    });
  }
  return out;
}

function compare(before: Member[], after: Member[]): string {
  const rows = [['member', 'etcd', 'package', 'revision', 'keys', 'leases', 'data sha256', 'healthy']];
  const arrow = (a: unknown, b: unknown) => (a === b ? String(a ?? '?') : `${a ?? '?'} -> ${b ?? '?'}`);
  for (const b of before) {
    const a = after.find((x) => x.name === b.name) ?? ({ name: b.name, healthy: false } as Member);
    rows.push([b.name, arrow(b.version, a.version), arrow(b.package, a.package), arrow(b.revision, a.revision), arrow(b.keys, a.keys), arrow(b.leases, a.leases),
      a.dataHash === b.dataHash ? `${a.dataHash} (same)` : `${b.dataHash} -> ${a.dataHash} (DIFFERENT)`, a.healthy ? 'yes' : 'NO']);
  }
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r, j) => r.map((c, i) => c.padEnd(w[i]!)).join('  ') + (j === 0 ? '\n' + w.map((n) => '-'.repeat(n)).join('  ') : '')).join('\n');
}

const [cmd, a, b] = process.argv.slice(2);
if (cmd === 'capture' && a && b) {
  writeFileSync(b, JSON.stringify(await capture(a), null, 2));
} else if (cmd === 'compare' && a && b) {
  const before = JSON.parse(readFileSync(a, 'utf8')) as Member[];
  const after = JSON.parse(readFileSync(b, 'utf8')) as Member[];
  console.log(compare(before, after));
  const same = before.every((x) => after.find((y) => y.name === x.name)?.dataHash === x.dataHash);
  console.log(same ? '\nevery key and value identical on every member' : '\nDATA DIFFERS (see above)');
  process.exitCode = same ? 0 : 1;
} else {
  console.error('usage: demo-table.ts capture LAB FILE | compare BEFORE AFTER');
  process.exitCode = 2;
}
