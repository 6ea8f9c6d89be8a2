/**
 * `etcdplay lab status`: each member's host, package, health, version, leadership and revision,
 * and each control plane host's services.
 */
import { shQuote } from '../shell/quote.js';
import { endpointOf, etcdctlPrefix, hostRunning, parseEtcdJson, stateOrThrow } from './access.js';
import { READY_FILE, WRITER_SERVICE } from './controlplane.js';
import { hostExec } from './host.js';
import { labDir } from './paths.js';
import { labFiles, type LabState } from './state.js';

export interface MemberStatus {
  name: string;
  address: string;
  pid: number;
  running: boolean;
  /** Debian version of etcd-server installed in the host. */
  package?: string;
  healthy: boolean;
  version?: string;
  isLeader?: boolean;
  memberId?: string;
  revision?: number;
  raftTerm?: number;
  dbSize?: number;
  error?: string;
}

export interface ControlPlaneStatus {
  name: string;
  address: string;
  pid: number;
  running: boolean;
  /** `service kube-apiserver status` says it runs. */
  apiserver: boolean;
  /** The writer's readiness file exists (it had an acknowledged write since it started). */
  ready: boolean;
}

export interface LabStatus {
  name: string;
  dir: string;
  state: LabState['state'];
  tls: boolean;
  requestedVersion: string;
  inventoryPath: string;
  members: MemberStatus[];
  /** Control plane hosts (empty when the lab has none). */
  controlPlane: ControlPlaneStatus[];
  leader?: string;
  healthy: boolean;
}
export async function labStatus(name: string): Promise<LabStatus> {
  const st = stateOrThrow(name);
  const dir = labDir(name);
  const members = await Promise.all(st.hosts.map(async (h): Promise<MemberStatus> => {
    const m: MemberStatus = { name: h.name, address: h.address, pid: h.pid, running: hostRunning(st, h), healthy: false };
    if (!m.running) return { ...m, error: 'host not running' };
    const pkg = await hostExec(h.pid, "dpkg-query -W -f '${Version}' etcd-server 2>/dev/null");
    if (pkg.rc === 0 && pkg.stdout) m.package = pkg.stdout.trim();
    const r = await hostExec(h.pid, `${etcdctlPrefix(st.tls, [endpointOf(st.tls, h)])} endpoint status -w json`, { timeoutMs: 15_000 });
    if (r.rc !== 0) return { ...m, error: (r.stderr.trim() || r.stdout.trim()).split('\n').pop() || `rc=${r.rc}` };
    try {
      const s = (parseEtcdJson(r.stdout) as { Status: { header: { member_id: string | number; revision: number; raft_term: number }; version: string; leader: string | number; dbSize: number } }[])[0]!.Status;
      Object.assign(m, {
        healthy: true, version: s.version, memberId: String(s.header.member_id), isLeader: String(s.header.member_id) === String(s.leader),
        revision: Number(s.header.revision), raftTerm: Number(s.header.raft_term), dbSize: s.dbSize,
      });
    } catch (e) {
      m.error = `unreadable endpoint status: ${(e as Error).message}`;
    }
    return m;
  }));
  const controlPlane = await Promise.all((st.cpHosts ?? []).map(async (h): Promise<ControlPlaneStatus> => {
    const c = { name: h.name, address: h.address, pid: h.pid, running: hostRunning(st, h), apiserver: false, ready: false };
    if (!c.running) return c;
    const r = await hostExec(h.pid, `service ${WRITER_SERVICE} status >/dev/null; echo "$?"; test -e ${shQuote(READY_FILE)}; echo "$?"`);
    const [svc, ready] = r.stdout.trim().split('\n');
    return { ...c, apiserver: svc === '0', ready: ready === '0' };
  }));
  const leader = members.find((m) => m.isLeader)?.name;
  return {
    name, dir, state: st.state, tls: st.tls, requestedVersion: st.debVersion, inventoryPath: labFiles(dir).inventory,
    members, controlPlane, ...(leader ? { leader } : {}), healthy: members.every((m) => m.healthy) && !!leader,
  };
}
