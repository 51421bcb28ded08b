/**
 * Batching for the log channels: one send may carry more lines than a destination takes in one request (a group
 * window of log matches), so they go out in batches of at most 1,000 entries and 5 MB of uncompressed body —
 * Datadog's documented limits of `/api/v2/logs`, kept for Loki too — one request after another. The first batch
 * that fails ends the send with that batch's outcome; a retry sends every batch again (at least once, as every
 * channel delivers).
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { SendOutcome } from './channel.js';

export const BATCH_MAX_ENTRIES = 1000;
/** Datadog's 5 MB of uncompressed payload, as bytes. */
export const BATCH_MAX_BYTES = 5_000_000;

const gzipAsync = promisify(gzip);

/**
 * Splits items into batches of at most `maxEntries` whose sizes (`sizeOf`, in bytes, plus `separator` bytes between
 * two and `overhead` bytes a batch) add up to at most `maxBytes`. An item alone over the cap goes alone.
 */
export function batchesOf<T>(
  items: readonly T[],
  sizeOf: (item: T) => number,
  limits: { maxEntries?: number; maxBytes?: number; overhead?: number; separator?: number } = {},
): T[][] {
  const maxEntries = limits.maxEntries ?? BATCH_MAX_ENTRIES;
  const maxBytes = limits.maxBytes ?? BATCH_MAX_BYTES;
  const overhead = limits.overhead ?? 2;
  const separator = limits.separator ?? 1;
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = overhead;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (current.length >= maxEntries || bytes + separator + size > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = overhead;
    }
    bytes += (current.length ? separator : 0) + size;
    current.push(item);
  }
  if (current.length) batches.push(current);
  return batches;
}

/** A body, gzipped when asked; with the Content-Encoding header to send it with. */
export async function encodeBody(
  text: string,
  compress: boolean,
): Promise<{ body: string | Buffer; headers: Record<string, string> }> {
  if (!compress) return { body: text, headers: {} };
  return { body: await gzipAsync(Buffer.from(text, 'utf8')), headers: { 'content-encoding': 'gzip' } };
}

/** Sends batches one after another; the first failure is the outcome (its error says which batch). */
export async function sendBatches<T>(
  batches: readonly T[],
  send: (batch: T) => Promise<SendOutcome>,
): Promise<SendOutcome> {
  let last: SendOutcome = { ok: true };
  for (let i = 0; i < batches.length; i++) {
    last = await send(batches[i]);
    if (!last.ok) {
      if (batches.length === 1) return last;
      return { ...last, error: `batch ${i + 1} of ${batches.length}: ${last.error}` };
    }
  }
  return last;
}

/** UTF-8 bytes of a string. */
export const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

/** A string cut to at most `maxBytes` UTF-8 bytes, on a character boundary. */
export function cutToBytes(s: string, maxBytes: number): string {
  if (s.length * 3 <= maxBytes || byteLength(s) <= maxBytes) return s;
  const cut = Buffer.from(s, 'utf8').subarray(0, maxBytes).toString('utf8');
  // A cut inside a character leaves U+FFFD at the end: drop it.
  return cut.endsWith('\uFFFD') ? cut.slice(0, -1) : cut;
}
