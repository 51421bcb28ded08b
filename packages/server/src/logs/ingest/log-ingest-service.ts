/**
 * What every ingest route does with a decoded request, in this order: the
 * token's rate (refused whole with 429 and Retry-After, counted
 * `rate_limited`), group routing (group-routing.ts), the pipeline's `accept`
 * (a full write queue is its 503 with Retry-After, counted `backpressure`
 * there), then the decoder's rejections counted `invalid`. So each line of a
 * request is accepted or counted as dropped with a reason.
 */
import type { LogEvent } from '@tocsin/protocol';
import type { Clock } from '../../core/clock.js';
import { TocsinError } from '../../core/errors.js';
import type { RejectedEvent } from '../decoders/log-decoder.js';
import { type DropReason, type LogsCore, ORIGIN_ATTRIBUTE } from '../log-pipeline.js';
import { routeGroups } from './group-routing.js';
import type { IngestRateLimit } from './ingest-rate-limit.js';

/** Rejections listed in an answer; the count covers them all. */
export const MAX_LISTED_REJECTIONS = 100;

export interface IngestRequest {
  /** The origin's format: a decoder's name, or `cloudwatch`, `firehose`, `syslog`. */
  format: string;
  events: LogEvent[];
  rejected: readonly RejectedEvent[];
  /** The size the request carried its events in (as received, before inflating). */
  bytes: number;
  /** Who sent it (a token's id, a user's id, a syslog peer): the rate limit's key. */
  sender?: string;
  tokenId?: string;
  /** The request's `X-Tocsin-Origin` header: it came from Tocsin itself, so each of its events is a loop. */
  origin?: string;
  /** Whether an event's group was given by the sender; the others are routed. */
  explicit: (e: LogEvent) => boolean;
}

export interface IngestAnswer {
  accepted: number;
  /** The first MAX_LISTED_REJECTIONS. */
  rejected: RejectedEvent[];
  dropped: Partial<Record<DropReason, number>>;
}

export class LogIngestService {
  constructor(
    private readonly core: LogsCore,
    private readonly clock: Clock,
    private readonly rateLimit: IngestRateLimit,
  ) {}

  /** Whether the write queue would take `bytes` now; else the seconds to wait. Counts nothing. */
  admits(bytes: number): { ok: true } | { ok: false; retryAfterSeconds: number } {
    return this.core.pipeline.admits(bytes);
  }

  /** Counts a request refused before decoding (413): one per body, its lines unknown. */
  refused(reason: DropReason, format: string, n = 1): void {
    this.core.pipeline.countDropped(reason, n, format);
  }

  /** Takes a decoded request; throws TocsinError `rate_limited` or `unavailable` (both with retryAfterSeconds). */
  ingest(req: IngestRequest): IngestAnswer {
    const lines = req.events.length + req.rejected.length;
    if (req.sender !== undefined) {
      const wait = this.rateLimit.take(req.sender, lines);
      if (wait !== undefined) {
        this.core.pipeline.countDropped('rate_limited', lines, req.format);
        throw new TocsinError(
          'rate_limited',
          `over the ingest rate of this token (${this.rateLimit.burst} lines at once); retry in ${wait} s`,
          { retryAfterSeconds: wait },
        );
      }
    }
    if (req.origin !== undefined)
      for (const e of req.events) e.attributes = { ...e.attributes, [ORIGIN_ATTRIBUTE]: req.origin };
    routeGroups(req.events, this.core.groupSpecs(), req.explicit);
    let accepted = 0;
    const dropped: Partial<Record<DropReason, number>> = {};
    if (req.events.length) {
      const outcome = this.core.pipeline.accept(
        req.events,
        { format: req.format, tokenId: req.tokenId },
        req.bytes,
        this.clock.now(),
      );
      accepted = outcome.accepted;
      Object.assign(dropped, outcome.dropped);
    }
    if (req.rejected.length) {
      this.core.pipeline.countDropped('invalid', req.rejected.length, req.format);
      dropped.invalid = req.rejected.length;
    }
    return { accepted, rejected: req.rejected.slice(0, MAX_LISTED_REJECTIONS), dropped };
  }
}
