import type { ArgsOf } from './args.js';
import { ValidationError } from '../errors.js';
import type { Module } from './module.js';
import { SCHEMA, commandStep, script } from './steps.js';

/** $1 host $2 port $3 path $4 state $5 timeout $6 delay $7 sleep. Runs on the target host. */
export const WAIT_FOR_SH = `
host=$1; port=$2; path=$3; state=$4; timeout=$5; delay=$6; pause=$7
[ "$delay" -gt 0 ] && sleep "$delay"
port_open() {
  if command -v bash >/dev/null 2>&1; then
    timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$host" "$port" 2>/dev/null; return
  fi
  if command -v nc >/dev/null 2>&1; then nc -z -w 3 "$host" "$port" 2>/dev/null; return; fi
  echo "wait_for: needs bash or nc on the host to test TCP ports" >&2; exit 3
}
drained() {
  command -v ss >/dev/null 2>&1 || { echo "wait_for: state=drained needs ss (iproute2)" >&2; exit 3; }
  [ -z "$(ss -Htn state established "( sport = :$port )" 2>/dev/null)" ]
}
ready() {
  if [ -n "$path" ]; then
    case $state in absent|stopped) ! test -e "$path" ;; *) test -e "$path" ;; esac
    return
  fi
  case $state in
    started|present) port_open ;;
    stopped|absent) ! port_open ;;
    drained) drained ;;
  esac
}
end=$(( $(date +%s) + timeout ))
while :; do
  ready && exit 0
  if [ "$(date +%s)" -ge "$end" ]; then
    if [ -n "$path" ]; then what="path $path to be $state"; else what="$host:$port to be $state"; fi
    echo "wait_for: timed out after \${timeout}s waiting for $what" >&2
    exit 1
  fi
  sleep "$pause"
done
`;

const argsSchema = {
  $schema: SCHEMA,
  type: 'object',
  properties: {
    host: { type: 'string', minLength: 1, default: '127.0.0.1', description: 'Address to test, as seen from the host.' },
    port: { type: 'integer', minimum: 1, maximum: 65535, description: 'TCP port.' },
    path: { type: 'string', minLength: 1, description: 'File to wait for (instead of a port).' },
    state: { enum: ['started', 'stopped', 'drained', 'present', 'absent'], default: 'started', description: 'started/present: open or exists; stopped/absent: closed or gone; drained: no established connections on the port.' },
    timeout: { type: 'integer', minimum: 0, default: 300, description: 'Seconds before failing.' },
    delay: { type: 'integer', minimum: 0, default: 0, description: 'Seconds to wait before the first check.' },
    sleep: { type: 'integer', minimum: 1, default: 1, description: 'Seconds between checks.' },
  },
  additionalProperties: false,
  oneOf: [{ required: ['port'] }, { required: ['path'] }],
} as const;
export type WaitForArgs = ArgsOf<typeof argsSchema>;

export const waitForModule: Module<WaitForArgs> = {
  name: 'wait_for',
  aliases: ['ansible.builtin.wait_for', 'ansible.legacy.wait_for'],
  summary: 'Wait (on the host) for a TCP port to open, close or drain, or for a path to appear or vanish',
  checkMode: true,
  argsSchema,
  docs: `Polls on the host until a condition holds, or fails after \`timeout\` seconds with a message
saying what it waited for. Read-only: also runs in --check mode, never reports \`changed\`.

Ports are tested with a TCP connect (bash's /dev/tcp, or nc); \`drained\` uses \`ss\`.`,
  examples: `- name: wait until the etcd peer port is free after a stop
  wait_for:
    host: "{{ etcd_address }}"
    port: 2380
    state: stopped
    timeout: 60`,
  plan(args) {
    if ((args.port === undefined) === (args.path === undefined)) throw new ValidationError('wait_for: give exactly one of port or path');
    if (args.path !== undefined && args.state === 'drained') throw new ValidationError('wait_for: state=drained needs a port');
    const state = args.state ?? 'started';
    const timeout = args.timeout ?? 300;
    const delay = args.delay ?? 0;
    const host = args.host ?? '127.0.0.1';
    const what = args.path !== undefined ? `path ${args.path}` : `${host}:${args.port}`;
    return [commandStep(`wait up to ${timeout}s for ${what} to be ${state}`,
      script(WAIT_FOR_SH, [host, args.port ?? '', args.path ?? '', state, timeout, delay, args.sleep ?? 1]),
      { mutates: false, changed: 'never', timeoutMs: (timeout + delay + 30) * 1000 })];
  },
};
