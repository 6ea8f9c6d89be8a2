/** The lab's programmatic API (used by the CLI and the e2e tests). */
export { labUp, labDown, DEFAULT_ETCD } from './lab.js';
export type { LabUpOptions } from './lab.js';
export { labExec, getLab, etcdctlPrefix, labEndpoints } from './access.js';
export type { Lab } from './access.js';
export { labStatus } from './status.js';
export type { LabStatus, MemberStatus, ControlPlaneStatus } from './status.js';
export { labLoad } from './load.js';
export { labWrites } from './writes.js';
export type { LabWrites } from './writes.js';
export { listLabNames } from './state.js';
export { ensureEtcdPackages } from './packages.js';
export type { EtcdPackages, EtcdPackageVersion } from './packages.js';
export { labDir, cacheDir } from './paths.js';
