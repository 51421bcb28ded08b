/**
 * `@tocsin/protocol/probes`: the network probes the server and the agent share (node built-ins only; not for
 * the browser, which imports `@tocsin/protocol` alone).
 */
export * from './probe.js';
export * from './network-probes.js';
export { httpProbe, MAX_BODY_BYTES } from './http-probe.js';
export { tcpProbe } from './tcp-probe.js';
export { dnsProbe } from './dns-probe.js';
export { tlsProbe } from './tls-probe.js';
