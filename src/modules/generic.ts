import type { Module } from './module.js';
import { commandModule } from './command.js';
import { shellModule } from './shell.js';
import { copyModule } from './copy.js';
import { fetchModule } from './fetch.js';
import { templateModule } from './template.js';
import { fileModule } from './file.js';
import { serviceModule } from './service.js';
import { packageModule } from './package.js';
import { waitForModule } from './wait_for.js';
import { assertModule } from './assert.js';
import { debugModule } from './debug.js';
import { setFactModule } from './set_fact.js';
import { failModule } from './fail.js';
import { pauseModule } from './pause.js';
import { statModule } from './stat.js';
import { replaceModule } from './replace.js';
import { setupModule } from './setup.js';
import { asyncStatusModule } from './async_status.js';

/** The generic modules, in the order `etcdplay modules` lists them. */
export const genericModules: Module<any>[] = [
  commandModule,
  shellModule,
  copyModule,
  fetchModule,
  templateModule,
  fileModule,
  statModule,
  replaceModule,
  serviceModule,
  packageModule,
  waitForModule,
  assertModule,
  debugModule,
  setFactModule,
  failModule,
  pauseModule,
  setupModule,
  asyncStatusModule,
];
