/** The lab's programmatic API (used by the CLI and the e2e tests). */
export { labUp, labDown, labExec, labStatus, labLoad, getLab, etcdctlPrefix, labEndpoints, DEFAULT_ETCD } from './lab.js';
export type { Lab, LabUpOptions, LabStatus, MemberStatus, ControlPlaneStatus } from './lab.js';
export { labWrites } from './writes.js';
export type { LabWrites } from './writes.js';
export { listLabNames } from './state.js';
export { ensureEtcdPackages } from './packages.js';
export type { EtcdPackages, EtcdPackageVersion } from './packages.js';
export { labDir, cacheDir } from './paths.js';
