export * from './api-error.js';
export * from './event.js';
export * from './topic.js';
export * from './config-file.js';
export * from './duration.js';
export * from './monitor.js';
export * from './monitor-probes.js';
export * from './heartbeat.js';
