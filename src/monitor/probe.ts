/**
 * What `etcdplay monitor` runs on each member, over that member's own SSH connection: one fixed
 * script (the etcd modules' prelude: `ctl`, `etcd_running`, `section`) that asks the local member
 * with etcdctl and prints one section per question. Read back by collect.ts. Nothing is needed on
 * the workstation but the SSH connection.
 */
import type { ExecCommand } from '../model/command.js';
import type { Inventory } from '../model/inventory.js';
import type { Vars } from '../model/vars.js';
import { cachedInventoryVars, lazyVars } from '../plan/vars.js';
import { checkUrls, etcdctlEnv, instanceEnv, memberFromVars, shScript } from '../modules/etcd/common.js';
import { ValidationError } from '../errors.js';

/** One member to watch. */
export interface MonitorTarget {
  /** Inventory host name (the `member` label). */
  host: string;
  /** The host's variables (connection settings, etcd_* vars). */
  vars: Vars;
  /** The member's client URL (etcd_address / etcd_scheme / etcd_client_port / etcd_client_url). */
  endpoint: string;
  /** ETCDCTL_* TLS files and the data dir that tells this member's etcd process apart. */
  env: Record<string, string>;
}

/**
 * The members of `group`, in inventory order, each with its variables (inventory vars templated,
 * as in a play) and what the probe needs.
 */
export function monitorTargets(inv: Inventory, group = 'etcd'): MonitorTarget[] {
  const g = inv.groups.get(group);
  if (!g) throw new ValidationError(`no group '${group}' in the inventory (use --group NAME)`);
  const hosts = [...inv.hosts.keys()].filter((h) => inv.hosts.get(h)!.groups.includes(group));
  if (!hosts.length) throw new ValidationError(`group '${group}' has no hosts`);
  return hosts.map((host) => {
    const vars = lazyVars([cachedInventoryVars(inv, host)]);
    const m = memberFromVars(host, vars);
    const ctx = { host, vars, check: false };
    const [endpoint] = checkUrls([m.clientUrl], `${host}: client URL`);
    return { host, vars, endpoint: endpoint!, env: { ...etcdctlEnv({}, ctx), ...instanceEnv({}, ctx) } };
  });
}

/**
 * $1 the member's client URL. Sections (see `section` in the prelude): status, health, alarms and
 * version (the /version answer, for the cluster version) only while status answers; binary
 * (`etcd --version` of the installed binary) and running (an etcd process of this member) always.
 * /version is read with curl, else (plain http) with perl, which every Debian has (perl-base).
 */
const SCRIPT = String.raw`
EP=$1
T="--dial-timeout=2s --command-timeout=3s"
http_version() {
  if command -v curl >/dev/null 2>&1; then
    set -- -s -m 3 "$1/version"
    [ -n "$ETCDCTL_CACERT" ] && set -- --cacert "$ETCDCTL_CACERT" "$@"
    [ -n "$ETCDCTL_CERT" ] && set -- --cert "$ETCDCTL_CERT" --key "$ETCDCTL_KEY" "$@"
    curl "$@"
  else
    case "$1" in
      http://*) perl -MIO::Socket::INET -e 'my ($h, $p) = $ARGV[0] =~ m{^http://\[?([^\]/]+?)\]?:(\d+)} or exit 2; my $s = IO::Socket::INET->new(PeerAddr => $h, PeerPort => $p, Timeout => 3) or exit 1; print $s "GET /version HTTP/1.0\r\nHost: $h\r\n\r\n"; local $/; my $r = <$s>; $r =~ s/\A.*?\r\n\r\n//s; print $r' "$1" ;;
      *) echo "no curl for $1" >&2; return 127 ;;
    esac
  fi
}
section status "$EP" ctl --endpoints="$EP" $T endpoint status -w json
# section leaves the command's exit code in _rc
if [ "$_rc" = 0 ]; then
  section health "$EP" ctl --endpoints="$EP" $T endpoint health
  section alarms "$EP" ctl --endpoints="$EP" $T alarm list -w json
  section version "$EP" http_version "$EP"
fi
section binary - etcd --version
section running - etcd_running
exit 0
`;

/** The probe of one member (read-only). */
export function probeCommand(t: MonitorTarget): ExecCommand {
  return shScript(SCRIPT, [t.endpoint], t.env);
}
