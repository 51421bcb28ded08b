export * from './api-error.js';
export * from './event.js';
export * from './topic.js';
export * from './config-file.js';
