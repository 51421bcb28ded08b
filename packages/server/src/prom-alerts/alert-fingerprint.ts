/**
 * An alert's fingerprint as Prometheus and Alertmanager compute it (prometheus/common model.LabelSet
 * Fingerprint): FNV-1a 64 over the label names in sorted order, each name and value followed by the byte 0xff,
 * printed as 16 hex digits. The same labels always give the same fingerprint, on every node and release.
 */
import type { Labels } from './alert-matchers.js';

const OFFSET = 14695981039346656037n;
const PRIME = 1099511628211n;
const MASK = (1n << 64n) - 1n;
const SEPARATOR = 0xff;

function addBytes(h: bigint, bytes: Uint8Array): bigint {
  let sum = h;
  for (const b of bytes) sum = ((sum ^ BigInt(b)) * PRIME) & MASK;
  return sum;
}

function addByte(h: bigint, b: number): bigint {
  return ((h ^ BigInt(b)) * PRIME) & MASK;
}

export function fingerprintOf(labels: Labels): string {
  const encoder = new TextEncoder();
  let h = OFFSET;
  // Go sorts the names by their bytes; for label names (ASCII) that is the code-unit order of a plain sort.
  for (const name of Object.keys(labels).sort()) {
    h = addByte(addBytes(h, encoder.encode(name)), SEPARATOR);
    h = addByte(addBytes(h, encoder.encode(labels[name])), SEPARATOR);
  }
  return h.toString(16).padStart(16, '0');
}

/** The key of an alert's group in a route: the values of the route's `groupBy` labels, as JSON. */
export function groupKeyOf(labels: Labels, groupBy: readonly string[]): string {
  return JSON.stringify(groupBy.map((name) => [name, labels[name] ?? '']));
}
