/**
 * Which init a lab's hosts run. `sysv`: sshd is the host's PID 1 (inside unshare + chroot) and
 * services are LSB scripts. `systemd`: each host boots its own systemd (systemd-nspawn --boot,
 * sharing this machine's network), services are systemd units, `journalctl` works.
 */
export const LAB_INITS = ['sysv', 'systemd'] as const;
export type LabInit = (typeof LAB_INITS)[number];

export function isLabInit(v: string): v is LabInit {
  return (LAB_INITS as readonly string[]).includes(v);
}

/** The default for `lab up` and labUp (the e2e suite follows it): switch here, one line. */
const BUILT_IN_DEFAULT: LabInit = 'systemd';

/** ETCDPLAY_LAB_INIT=systemd|sysv overrides it (e.g. to run the e2e suite on the other kind of host). */
export const DEFAULT_INIT: LabInit = defaultInit(process.env.ETCDPLAY_LAB_INIT);

export function defaultInit(env: string | undefined): LabInit {
  if (env === undefined || env === '') return BUILT_IN_DEFAULT;
  if (!isLabInit(env)) throw new Error(`ETCDPLAY_LAB_INIT must be one of ${LAB_INITS.join(', ')}, got '${env}'`);
  return env;
}
