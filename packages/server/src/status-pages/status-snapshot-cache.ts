/**
 * One snapshot per slug, built through the cache: the public JSON and HTML
 * with their ETags, and the badges drawn from it (each drawn once per
 * snapshot). Every public answer of a slug comes from here.
 */
import { bodyOf, type Body } from '../http/shared-answer.js';
import type { Clock } from '../core/clock.js';
import { StatusCache } from './status-cache.js';
import { renderStatusPage } from './status-page-html.js';
import type { PublicStatus, PublicStatusService } from './public-status-service.js';

export interface StatusSnapshot {
  status: PublicStatus;
  json: Body;
  html: Body;
  /** Badges drawn so far, by kind and item. */
  badges: Map<string, Body>;
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
