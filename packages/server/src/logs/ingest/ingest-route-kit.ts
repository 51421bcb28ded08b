/**
 * What the log ingest routes share: their caps, the request's headers in the decoders' form, the rate-limit key of
 * the principal, and the 413 of a body over its cap counted as `too_large`.
 */
import type { Context } from 'hono';
import { TocsinError } from '../../core/errors.js';
import { type BodyCaps, readIngestBody } from '../../http/request-body.js';
import type { AppEnv } from '../../http/route-kit.js';
import type { LogHeaders } from '../decoders/log-decoder.js';
import { ORIGIN_HEADER } from '../log-pipeline.js';
import type { LogIngestService } from './log-ingest-service.js';

export interface IngestRouteDeps {
  service: LogIngestService;
  caps: BodyCaps;
  now: () => number;
}

/** The request's headers, lowercase names, for the decoders. */
export function headersOf(c: Context): Record<string, string> {
  return c.req.header();
}

/** The `X-Tocsin-Origin` header of a request Tocsin itself sent (a webhook pointed back at its own ingest). */
export function originOf(c: Context): string | undefined {
  return c.req.header(ORIGIN_HEADER)?.trim() || undefined;
}

/** Who the rate limit counts a request against: the token, else the signed-in user. */
export function senderOf(c: Context<AppEnv>): { sender?: string; tokenId?: string } {
  const p = c.get('principal');
  if (!p) return {};
  return { sender: p.tokenId ?? p.userId ?? p.name, tokenId: p.tokenId };
}

/** The body within its caps, inflated; a 413 is counted as one `too_large` body of `format` before it is thrown. */
export async function readLogBody(
  c: Context,
  deps: IngestRouteDeps,
  format: string,
): Promise<{ body: Buffer; rawBytes: number }> {
  try {
    return await readIngestBody(c, deps.caps);
  } catch (err) {
    if (err instanceof TocsinError && err.code === 'payload_too_large') deps.service.refused('too_large', format);
    throw err;
  }
}

export type { LogHeaders };
