/** gather_facts: the facts command on every host of a batch, shown as the task 'Gathering Facts'. */
import type { Play } from '../model/playbook.js';
import { noInheritance, playInheritance } from '../plan/inherit.js';
import { reachVars } from '../plan/reach.js';
import { FACTS_COMMAND, parseFacts } from '../modules/setup.js';
import { mapLimit } from './limit.js';
import { account } from './recap.js';
import { alive, emit, hostState, varsOf, type HostOutcome, type RunState } from './state.js';

export async function gatherFacts(rs: RunState, play: Play, batch: string[]): Promise<void> {
  const hosts = batch.filter((h) => alive(rs, h));
  if (!hosts.length) return;
  const taskId = `p${play.index}.gather_facts`;
  emit(rs, { type: 'task.start', play: play.index, taskId, name: 'Gathering Facts', module: 'gather_facts', hosts });
  await mapLimit(hosts, rs.forks, async (h) => {
    const t0 = Date.now();
    emit(rs, { type: 'host.start', taskId, host: h });
    let out: HostOutcome;
    try {
      const vars = reachVars(varsOf(rs, play, h, undefined, {}), playInheritance(play));
      const conn = await rs.conns.get(h, vars);
      const r = await conn.exec(FACTS_COMMAND, { signal: rs.opts.signal, timeoutMs: 60_000 });
      if (r.rc !== 0) {
        out = { status: 'failed', result: { changed: false, failed: true, rc: r.rc, stderr: r.stderr, msg: `fact gathering failed: ${r.stderr.trim().split('\n').pop() ?? ''}` } };
      } else {
        const facts = parseFacts(r.stdout);
        Object.assign(hostState(rs, h).facts, facts);
        out = { status: 'ok', result: { changed: false, failed: false, msg: `${facts.ansible_distribution} ${facts.ansible_distribution_version}, ${facts.ansible_pkg_mgr}, ${facts.ansible_service_mgr}` } };
      }
    } catch (err) {
      out = { status: 'unreachable', result: { changed: false, failed: false, unreachable: true, msg: (err as Error).message } };
    }
    out.result.durationMs = Date.now() - t0;
    account(rs, h, out, noInheritance());
    if (out.status === 'failed') hostState(rs, h).dead = 'failed';
    emit(rs, { type: 'host.end', taskId, host: h, status: out.status, result: out.result, durationMs: Date.now() - t0 });
  });
  emit(rs, { type: 'task.end', play: play.index, taskId });
}
