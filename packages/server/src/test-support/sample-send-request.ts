import type { TocsinEvent } from '@tocsin/protocol';
import type { SendRequest } from '../notify/channels/channel.js';

export const sampleTime = Date.UTC(2025, 0, 2, 3, 4, 5);

/** A monitor going down, as the channel tests send it; `event` and `spec` override its fields. */
export function sampleSendRequest(spec: Record<string, unknown>, event: Partial<TocsinEvent> = {}): SendRequest {
  return {
    deliveryId: '0194f3c2-7e1a-7000-8000-000000000001',
    purpose: 'event',
    attempt: 1,
    event: {
      id: 'e-1',
      topic: 'ops',
      time: sampleTime,
      kind: 'monitor.down',
      severity: 'critical',
      source: { type: 'monitor', name: 'api-health', tags: { env: 'prod' } },
      title: 'API is down',
      text: 'answered 503 twice',
      attributes: { status: 503 },
      dedupKey: 'monitor:api-health',
      ...event,
    },
    spec,
    subscriptionName: 'phones',
    links: { unsubscribe: 'http://127.0.0.1/unsubscribe/tok' },
    timeoutMs: 2000,
  };
}

/** The same event's recovery. */
export const recovery: Partial<TocsinEvent> = {
  kind: 'monitor.up',
  severity: 'ok',
  title: 'API is up',
  text: '',
  attributes: {},
};
