/** etcdplay monitor: probe (what runs on a member), collect (samples, metric families), exposition, poller, server. */
export { monitorTargets, probeCommand, type MonitorTarget } from './probe.js';
export { families, parseProbe, failedSample, type MemberSample, type MemberState, type MetricFamily, type ExporterInfo } from './collect.js';
export { renderExposition, CONTENT_TYPE } from './exposition.js';
export { Poller, backoffMs, type PollerOptions, type Pool } from './poller.js';
export { startServer, parseListen, metricsText, type ExporterServer } from './server.js';
