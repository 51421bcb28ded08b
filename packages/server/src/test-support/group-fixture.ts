import type { TocsinEvent } from '@tocsin/protocol';
import type { SendRequest } from '../notify/channels/channel.js';
import { digestEvent } from '../notify/digest.js';

/**
 * `count` monitor changes a second apart from `start`, oldest first: site-0,
 * site-1 … go down, every third one comes back up instead.
 */
export function monitorChanges(count: number, start: number): TocsinEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const up = i % 3 === 2;
    return {
      id: `e-${i}`,
      topic: 'ops',
      time: start + i * 1000,
      kind: up ? 'monitor.up' : 'monitor.down',
      severity: up ? 'ok' : 'critical',
      source: { type: 'monitor', name: `site-${i}`, tags: { env: 'prod' } },
      title: `site-${i} is ${up ? 'up again' : 'down'}`,
      text:
        `https://site-${i}.example.com/health: ` +
        (up ? 'answered 200 after 2m' : 'answered 503 <Service Unavailable>'),
      attributes: { statusCode: up ? 200 : 503 },
      dedupKey: `monitor/site-${i}`,
    };
  });
}

/** `base` turned into the request for one message standing for `events`, as the outbox sends a group. */
export function groupRequest(base: SendRequest, events: TocsinEvent[]): SendRequest {
  return { ...base, event: digestEvent(events), group: events };
}
