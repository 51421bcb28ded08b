import { createHmac } from 'node:crypto';
import type { Channel, SendRequest } from './channel.js';
import { sendHttp } from './http-sender.js';

/** The JSON body a webhook receives; documented in docs/channels.md. */
export function webhookBody(req: SendRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {
    deliveryId: req.deliveryId,
    attempt: req.attempt,
    subscription: req.subscriptionName,
    event: eventBody(req.event),
  };
  if (req.group) body.events = req.group.map(eventBody);
  return body;
}

function eventBody(e: SendRequest['event']): Record<string, unknown> {
  return {
    id: e.id,
    topic: e.topic,
    time: new Date(e.time).toISOString(),
    kind: e.kind,
    severity: e.severity,
    source: e.source,
    title: e.title,
    text: e.text,
    attributes: e.attributes,
    dedupKey: e.dedupKey,
  };
}

/** HMAC-SHA256 over `timestamp.body`, hex, as sent in X-Tocsin-Signature (`t=…,v1=…`). */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

export const webhookChannel: Channel = {
  protocol: 'webhook',
  destinationKey: (spec) => String(spec.endpoint),
  send(req) {
    const body = JSON.stringify(webhookBody(req));
    // The subscription's own headers first: they may not replace the delivery headers.
    const headers: Record<string, string> = {
      ...((req.spec.headers as Record<string, string> | undefined) ?? {}),
      'content-type': 'application/json',
      'x-tocsin-delivery': req.deliveryId,
      'x-tocsin-event': req.event.id,
      'x-tocsin-dedup-key': req.event.dedupKey,
    };
    if (typeof req.spec.secret === 'string') {
      headers['x-tocsin-signature'] = webhookSignature(req.spec.secret, Math.floor(Date.now() / 1000), body);
    }
    return sendHttp({ url: String(req.spec.endpoint), headers, body, timeoutMs: req.timeoutMs, origin: req.origin });
  },
};
