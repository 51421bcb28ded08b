/**
 * One snapshot per slug, built through the cache: the public JSON and HTML
 * with their ETags, and the badges drawn from it (each drawn once per
 * snapshot). Every public answer of a slug comes from here.
 */
import { createHash } from 'node:crypto';
import { compressBody } from '../http/compress-response.js';
import type { Clock } from '../core/clock.js';
import { StatusCache } from './status-cache.js';
import { renderStatusPage } from './status-page-html.js';
import type { PublicStatus, PublicStatusService } from './public-status-service.js';

export interface Body {
  body: string;
  etag: string;
  /** The body compressed, each encoding once per snapshot (a spike of visitors costs no compression each). */
  encoded?: Map<'br' | 'gzip', Promise<Uint8Array<ArrayBuffer>>>;
}

export interface StatusSnapshot {
  status: PublicStatus;
  json: Body;
  html: Body;
  /** Badges drawn so far, by kind and item. */
  badges: Map<string, Body>;
}

export function bodyOf(body: string): Body {
  return { body, etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"` };
}

/** Bodies this small are sent as they are. */
const COMPRESS_FROM_BYTES = 1024;

/** The body in `encoding`, compressed the first time it is asked for; undefined when it is not worth it. */
export function encodedBody(b: Body, encoding: 'br' | 'gzip'): Promise<Uint8Array<ArrayBuffer>> | undefined {
  if (b.body.length < COMPRESS_FROM_BYTES) return undefined;
  b.encoded ??= new Map();
  let out = b.encoded.get(encoding);
  if (!out) {
    out = compressBody(Buffer.from(b.body), encoding, 'once').then((z) => new Uint8Array(z));
    b.encoded.set(encoding, out);
  }
  return out;
}

export const CACHE_TTL_MS = 30_000;
const MAX_UNKNOWN_SLUGS = 1_000;

export class StatusSnapshotCache {
  readonly cache: StatusCache<StatusSnapshot>;

  constructor(clock: Clock, statuses: Pick<PublicStatusService, 'build'>) {
    this.cache = new StatusCache(
      clock,
      async (slug) => {
        const status = await statuses.build(slug);
        if (!status) return undefined;
        return {
          status,
          json: bodyOf(JSON.stringify(status)),
          html: bodyOf(renderStatusPage(status)),
          badges: new Map(),
        };
      },
      { ttlMs: CACHE_TTL_MS, maxMissing: MAX_UNKNOWN_SLUGS },
    );
  }

  get(slug: string): Promise<StatusSnapshot | undefined> {
    return this.cache.get(slug);
  }

  invalidate(slug: string): void {
    this.cache.invalidate(slug);
  }

  /** A badge of the snapshot, drawn the first time it is asked for. */
  badge(snapshot: StatusSnapshot, key: string, draw: () => string): Body {
    let b = snapshot.badges.get(key);
    if (!b) {
      b = bodyOf(draw());
      snapshot.badges.set(key, b);
    }
    return b;
  }
}
