/**
 * Reads a raw request body for the ingest routes that take other encodings
 * than JSON (OTLP protobuf, Loki's snappy protobuf, NDJSON, AWS payloads):
 * a declared Content-Length over the cap is a 413 before a byte is read, a
 * body that grows past it while streaming is a 413 at that byte, and a
 * `Content-Encoding: gzip` body is inflated up to its own cap (413 past it).
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { Context } from 'hono';
import { TocsinError } from '../core/errors.js';

const gunzipAsync = promisify(gunzip);

export interface BodyCaps {
  /** The most bytes the body may carry as sent (compressed). */
  maxBytes: number;
  /** The most bytes a gzip body may inflate to. */
  maxInflatedBytes: number;
}

/** The body as sent, refused with 413 once over `maxBytes` (by its Content-Length, else while reading). */
export async function readCappedBody(c: Context, maxBytes: number): Promise<Buffer> {
  const declared = Number(c.req.header('content-length') ?? Number.NaN);
  const tooLarge = () => new TocsinError('payload_too_large', `the request body is larger than ${maxBytes} bytes`);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  const stream = c.req.raw.body;
  if (!stream) return Buffer.alloc(0);
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    parts.push(value);
  }
  return Buffer.concat(parts, total);
}

/** Undoes Content-Encoding (gzip or none); any other coding is a 415 naming it. */
export async function inflateBody(raw: Buffer, contentEncoding: string | undefined, max: number): Promise<Buffer> {
  const coding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (coding === 'identity' || coding === '') return raw;
  if (coding !== 'gzip')
    throw new TocsinError('unsupported_media_type', `Content-Encoding: send gzip or none, not '${coding}'`);
  try {
    return await gunzipAsync(raw, { maxOutputLength: max });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new TocsinError('payload_too_large', `the request body inflates to more than ${max} bytes`);
    throw new TocsinError(
      'bad_request',
      `Content-Encoding: gzip, but the body is not gzip data (${(err as Error).message})`,
    );
  }
}

/** The body read with its caps and inflated: what every raw-body ingest route starts with. */
export async function readIngestBody(c: Context, caps: BodyCaps): Promise<{ body: Buffer; rawBytes: number }> {
  const raw = await readCappedBody(c, caps.maxBytes);
  return {
    body: await inflateBody(raw, c.req.header('content-encoding'), caps.maxInflatedBytes),
    rawBytes: raw.length,
  };
}
