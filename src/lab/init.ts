/**
 * Which init a lab's hosts run. `sysv`: sshd is the host's PID 1 (inside unshare + chroot) and
 * services are LSB scripts. `systemd`: each host boots its own systemd (systemd-nspawn --boot,
 * sharing this machine's network), services are systemd units, `journalctl` works.
 */
export const LAB_INITS = ['sysv', 'systemd'] as const;
export type LabInit = (typeof LAB_INITS)[number];

/** The default for `lab up` and labUp (the e2e suite follows it): switch here, one line. */
export const DEFAULT_INIT: LabInit = 'sysv';

export function isLabInit(v: string): v is LabInit {
  return (LAB_INITS as readonly string[]).includes(v);
}
