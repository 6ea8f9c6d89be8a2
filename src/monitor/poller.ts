/**
 * The poller: one SSH connection per member (the connection layer's ConnectionPool, with the same
 * host-key checking and auth as `run`), each member probed on its own timer every interval. The
 * exporter serves the last sample of each member, so Prometheus may scrape as often as it likes
 * without adding SSH traffic. A host that cannot be reached is retried with exponential backoff
 * (backoffMs); its series say up 0 meanwhile. State is one fixed slot per member: memory does
 * not grow with time.
 */
import type { Connection } from '../connection/connection.js';
import { ConnectionPool, type ConnectOptions } from '../connection/factory.js';
import { UnreachableError } from '../errors.js';
import type { Become } from '../model/command.js';
import type { Vars } from '../model/vars.js';
import { failedSample, parseProbe, type MemberSample, type MemberState } from './collect.js';
import { probeCommand, type MonitorTarget } from './probe.js';

/** What the poller needs of a connection pool (ConnectionPool; a fake one in the unit tests). */
export interface Pool {
  get(host: string, vars: Vars): Promise<Connection>;
  peek(host: string): Connection | undefined;
  closeAll(): Promise<void>;
}

export interface PollerOptions {
  targets: MonitorTarget[];
  /** How often each member is probed. */
  intervalMs: number;
  /** A probe (SSH round trip + etcdctl) slower than this counts as failed and its connection is reopened; default 20 s. */
  probeTimeoutMs?: number;
  /** Longest wait between two attempts at an unreachable host; default 60 s (never below the interval). */
  maxBackoffMs?: number;
  become?: Become;
  /** Connection options (`run`'s connectOptions), or a pool (tests). */
  connect?: ConnectOptions;
  pool?: Pool;
  /** Called when a member's state changes (up, ssh up, or the error text). */
  onChange?(sample: MemberSample, previous: MemberSample | undefined): void;
}

/**
 * Wait before the next attempt after `failures` consecutive failures to reach a host: the interval
 * after the first, then doubling from 1 s (1, 2, 4, 8 ... s), at most `maxMs` (never below the
 * interval).
 */
export function backoffMs(failures: number, intervalMs: number, maxMs = 60_000): number {
  if (failures <= 1) return intervalMs;
  const d = 1000 * 2 ** Math.min(failures - 2, 20);
  return Math.max(intervalMs, Math.min(d, maxMs));
}

const PENDING = (t: MonitorTarget): MemberSample => ({ member: t.host, endpoint: t.endpoint, sshUp: false, probeOk: false, up: false, error: 'not probed yet', timestampMs: Date.now(), durationSeconds: 0 });

export class Poller {
  private readonly pool: Pool;
  private readonly states: MemberState[];
  /** Consecutive failures to reach each host over SSH. */
  private readonly failures: number[];
  private readonly reachable: boolean[];
  private readonly timers: (NodeJS.Timeout | undefined)[];
  private readonly wakers: ((() => void) | undefined)[];
  private readonly loops: Promise<void>[] = [];
  private stopped = false;

  constructor(private readonly opts: PollerOptions) {
    if (!opts.pool && !opts.connect) throw new Error('Poller: connect options or a pool');
    this.pool = opts.pool ?? new ConnectionPool(opts.connect!);
    this.states = opts.targets.map((t) => ({ sample: PENDING(t), counters: { probesOk: 0, probesFailed: 0, sshConnects: 0 } }));
    this.failures = opts.targets.map(() => 0);
    this.reachable = opts.targets.map(() => false);
    this.timers = opts.targets.map(() => undefined);
    this.wakers = opts.targets.map(() => undefined);
  }

  /** The last state of every member, in inventory order. */
  snapshot(): MemberState[] {
    return this.states;
  }

  /** Probe every member once, concurrently (for --once, and the first round of start). */
  async probeAll(): Promise<MemberState[]> {
    await Promise.all(this.opts.targets.map((_, i) => this.probe(i)));
    return this.states;
  }

  /** Probe each member every interval until stop(). */
  start(): void {
    this.opts.targets.forEach((_, i) => this.loops.push(this.loop(i)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timers.forEach((t) => t && clearTimeout(t));
    this.wakers.forEach((w) => w?.());
    await Promise.allSettled(this.loops);
    await this.pool.closeAll().catch(() => undefined);
  }

  private async loop(i: number): Promise<void> {
    while (!this.stopped) {
      const t0 = Date.now();
      await this.probe(i);
      if (this.stopped) break;
      const f = this.failures[i]!;
      const wait = f > 0 ? backoffMs(f, this.opts.intervalMs, this.opts.maxBackoffMs) : Math.max(0, this.opts.intervalMs - (Date.now() - t0));
      await new Promise<void>((resolve) => {
        this.wakers[i] = resolve;
        this.timers[i] = setTimeout(resolve, wait);
      });
      this.timers[i] = undefined;
      this.wakers[i] = undefined;
    }
  }

  /** One probe of member i; never throws (a failure is a sample with up 0). */
  private async probe(i: number): Promise<void> {
    const t = this.opts.targets[i]!;
    const st = this.states[i]!;
    const started = Date.now();
    const secs = () => (Date.now() - started) / 1000;
    let sample: MemberSample;
    try {
      const conn = await this.pool.get(t.host, t.vars);
      const r = await conn.exec(probeCommand(t), {
        timeoutMs: this.opts.probeTimeoutMs ?? 20_000,
        ...(this.opts.become ? { become: this.opts.become } : {}),
      });
      if (!this.reachable[i]) st.counters.sshConnects++;
      this.reachable[i] = true;
      this.failures[i] = 0;
      sample = r.rc === 0
        ? parseProbe(t.host, t.endpoint, r.stdout, started, secs())
        : failedSample(t.host, t.endpoint, r.stderr || r.stdout || `probe exited ${r.rc}`, true, started, secs());
    } catch (err) {
      const unreachable = err instanceof UnreachableError;
      this.reachable[i] = false;
      this.failures[i]!++;
      // A timed-out or broken channel: start over with a fresh connection next time.
      if (!unreachable) await this.pool.peek(t.host)?.close().catch(() => undefined);
      const msg = (err as Error).message ?? String(err);
      sample = failedSample(t.host, t.endpoint, msg.startsWith(`${t.host}: `) ? msg.slice(t.host.length + 2) : msg, false, started, secs());
    }
    const prev = st.sample;
    // The member's identity outlives an outage, so its info series keeps one label set.
    if (!sample.id && prev.id) sample.id = prev.id;
    if (!sample.clusterId && prev.clusterId) sample.clusterId = prev.clusterId;
    if (sample.probeOk) st.counters.probesOk++;
    else st.counters.probesFailed++;
    st.sample = sample;
    if (prev.up !== sample.up || prev.sshUp !== sample.sshUp || prev.error !== sample.error || prev.serverVersion !== sample.serverVersion) {
      this.opts.onChange?.(sample, prev.error === 'not probed yet' ? undefined : prev);
    }
  }
}
