/**
 * The ingest side of loop protection: a request that carries Tocsin's `x-tocsin-origin` header (every HTTP delivery
 * Tocsin makes sends it, notify/channels/http-sender.ts) is Tocsin's own output coming back, so each of its events
 * gets the origin attribute and the pipeline drops it as `loop` (log-pipeline.ts). Formats that carry the mark in
 * the events themselves (the `tocsin.origin` attribute, Loki's `tocsin_origin` label) need no header.
 */
import type { LogEvent } from '@tocsin/protocol';
import { headerOf, type LogHeaders } from './decoders/log-decoder.js';
import { ORIGIN_ATTRIBUTE, ORIGIN_HEADER } from './log-pipeline.js';

/**
 * Marks every event of a request that carries the origin header (its value: the sending instance's id); returns how
 * many it marked (0 without the header). Call it on the decoded events before `LogPipeline.accept`. Header names
 * are looked up in lower case, as node:http and Hono give them.
 */
export function markOrigin(headers: LogHeaders, events: LogEvent[]): number {
  const origin = headerOf(headers, ORIGIN_HEADER);
  if (origin === undefined) return 0;
  // A fresh attributes object: a decoder may share one between events (or a frozen empty one).
  for (const e of events)
    if (e.attributes[ORIGIN_ATTRIBUTE] === undefined) e.attributes = { ...e.attributes, [ORIGIN_ATTRIBUTE]: origin };
  return events.length;
}
