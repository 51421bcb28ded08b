/**
 * A webhook receiver for the cluster tests: every request a webhook subscription (or alarm action) sends is
 * logged with its delivery id, event id, dedup key and what the event says, and answered 200.
 *
 * Duplicates are judged the way a receiver would: the same delivery id twice is a re-send (at least once,
 * allowed after a crash: counted by `resends`); two DISTINCT delivery ids for one transition (same dedup key,
 * kind and, for an alarm, the same old and new state) are a transition notified twice (`duplicates`).
 */
import { HttpReceiver, type ReceivedRequest } from '../../packages/server/src/test-support/http-receiver.js';

export interface Delivery {
  deliveryId: string;
  eventId: string;
  dedupKey: string;
  kind: string;
  /** The source's name: the monitor, heartbeat or alarm. */
  source: string;
  /** `monitor.down`, `heartbeat.up`, or for an alarm `OK->ALARM`. */
  transition: string;
  /** The event's time (ms). */
  eventAt: number;
  /** When it arrived here (ms). */
  at: number;
  attempt: number;
  /** The node that made the event, when the event says (a header or an attribute). */
  node: string | undefined;
  event: any;
}

function parse(req: ReceivedRequest): Delivery {
  const body = req.json();
  const e = body.event ?? {};
  const a = e.attributes ?? {};
  const transition = e.kind === 'alarm.state' ? `${a.oldState}->${a.newState}` : String(e.kind);
  const node = req.headers['x-tocsin-node'] ?? e.node ?? a.node ?? a.nodeId;
  return {
    deliveryId: String(req.headers['x-tocsin-delivery'] ?? body.deliveryId),
    eventId: String(req.headers['x-tocsin-event'] ?? e.id),
    dedupKey: String(req.headers['x-tocsin-dedup-key'] ?? e.dedupKey),
    kind: String(e.kind),
    source: String(e.source?.name),
    transition,
    eventAt: Date.parse(e.time),
    at: Date.now(),
    attempt: Number(body.attempt),
    node: node === undefined ? undefined : String(node),
    event: e,
  };
}

export class WebhookLog {
  /** Every request, re-sends included, in order of arrival. */
  readonly received: Delivery[] = [];
  private readonly receiver = new HttpReceiver();

  /** The URL to subscribe. */
  get url(): string {
    return `${this.receiver.url}/hook`;
  }

  async start(): Promise<this> {
    this.receiver.respond = (req) => {
      if (req.path !== '/hook') return { status: 404 };
      this.received.push(parse(req));
      return { status: 200 };
    };
    await this.receiver.start();
    return this;
  }

  async stop(): Promise<void> {
    await this.receiver.stop();
  }

  /** One entry per delivery id (its first arrival). */
  unique(): Delivery[] {
    const seen = new Set<string>();
    return this.received.filter((d) => !seen.has(d.deliveryId) && seen.add(d.deliveryId));
  }

  /** Arrivals of a delivery id already received. */
  resends(): number {
    return this.received.length - this.unique().length;
  }

  /** Transitions that arrived under two or more distinct delivery ids, each with what arrived. */
  duplicates(): { key: string; deliveries: Delivery[] }[] {
    const byKey = new Map<string, Delivery[]>();
    for (const d of this.unique()) {
      const key = `${d.source} ${d.dedupKey} ${d.transition}`;
      byKey.set(key, [...(byKey.get(key) ?? []), d]);
    }
    return [...byKey].filter(([, list]) => list.length > 1).map(([key, deliveries]) => ({ key, deliveries }));
  }

  /** The transitions of one source that arrived (once per delivery id), in the order of their events' times. */
  transitionsOf(source: string, kindPrefix = ''): string[] {
    return this.unique()
      .filter((d) => d.source === source && d.kind.startsWith(kindPrefix))
      .sort((x, y) => x.eventAt - y.eventAt)
      .map((d) => d.transition);
  }

  /** A short description of some duplicates, for an assertion's message. */
  static describe(dups: { key: string; deliveries: Delivery[] }[], max = 5): string {
    return dups
      .slice(0, max)
      .map(
        (g) =>
          `${g.key}: ${g.deliveries
            .map((d) => `${d.deliveryId} (event ${d.eventId} at ${new Date(d.eventAt).toISOString()}, node ${d.node})`)
            .join(', ')}`,
      )
      .join('\n');
  }
}
