import type { Module } from '../module.js';
import { etcdFactsModule } from './facts.js';
import { etcdStatusModule } from './status.js';
import { etcdVersionPathModule } from './version-path-module.js';
import { etcdSnapshotSaveModule } from './snapshot-save.js';
import { etcdSnapshotDistributeModule } from './snapshot-distribute.js';
import { etcdServiceModule } from './service.js';
import { etcdPackageModule } from './package.js';
import { etcdDataMoveAsideModule } from './data-dir.js';
import { etcdSnapshotRestoreModule } from './snapshot-restore.js';
import { etcdWaitHealthyModule } from './wait-healthy.js';
import { etcdVerifyDataModule } from './verify-data.js';
import { etcdMoveLeaderModule } from './move-leader.js';
import { etcdPreflightModule } from './preflight.js';
import { etcdV2DataModule } from './v2-data.js';
import { etcdRevisionGuardModule } from './revision-guard.js';
import { etcdFenceModule } from './fence.js';
import { etcdBackupStoreModule } from './backup-store.js';
import { etcdBackupGetModule } from './backup-get.js';
import { etcdSnapshotCheckModule } from './snapshot-check.js';

/** The etcd modules, in the order `etcdplay modules` lists them (roughly the downgrade order). */
export const etcdModules: Module<any>[] = [
  etcdFactsModule,
  etcdStatusModule,
  etcdVersionPathModule,
  etcdPreflightModule,
  etcdV2DataModule,
  etcdFenceModule,
  etcdSnapshotSaveModule,
  etcdBackupStoreModule,
  etcdBackupGetModule,
  etcdSnapshotCheckModule,
  etcdRevisionGuardModule,
  etcdSnapshotDistributeModule,
  etcdMoveLeaderModule,
  etcdServiceModule,
  etcdPackageModule,
  etcdDataMoveAsideModule,
  etcdSnapshotRestoreModule,
  etcdWaitHealthyModule,
  etcdVerifyDataModule,
];
