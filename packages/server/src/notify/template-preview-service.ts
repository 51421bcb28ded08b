/** Renders a templated webhook's request for a sample event, without sending it (the subscription form's preview). */
import { REDACTED, type EventInput, type TocsinEvent } from '@tocsin/protocol';
import type { Clock } from '../core/clock.js';
import { invalid } from '../core/errors.js';
import type { SendRequest } from './channels/channel.js';
import { httpTemplateIssues, renderHttpTemplate, type HttpTemplateSpec } from './channels/http-template-channel.js';

/** The event a preview renders when none is given: a monitor going down. */
export function sampleEvent(now: number): TocsinEvent {
  return {
    id: 'preview-event',
    topic: 'preview',
    time: now,
    kind: 'monitor.down',
    severity: 'critical',
    source: { type: 'monitor', name: 'api-health', tags: { env: 'prod' } },
    title: 'api-health is down',
    text: 'GET https://api.example.com/health answered 503 Service Unavailable',
    attributes: { status: 503, latencyMs: 1234, url: 'https://api.example.com/health' },
    dedupKey: 'monitor:api-health',
  };
}

function eventOf(input: EventInput | undefined, now: number): TocsinEvent {
  if (!input) return sampleEvent(now);
  return {
    id: 'preview-event',
    topic: 'preview',
    time: input.time ?? now,
    kind: input.kind,
    severity: input.severity ?? 'info',
    source: { type: 'manual', name: 'api', ...input.source, tags: { ...input.source?.tags } },
    title: input.title,
    text: input.text ?? '',
    attributes: input.attributes ?? {},
    dedupKey: input.dedupKey ?? 'preview-event',
  };
}

export interface TemplatePreview {
  method: string;
  url: string;
  /** The subscription's own headers are secrets: shown redacted. */
  headers: Record<string, string>;
  body: string;
  event: TocsinEvent;
}

export class TemplatePreviewService {
  constructor(
    private readonly clock: Clock,
    private readonly publicUrl: () => string,
  ) {}

  /** The request the spec would send for `input` (or the sample event); a template that fails is a 400 at its field. */
  async preview(spec: HttpTemplateSpec & { name?: string }, input?: EventInput): Promise<TemplatePreview> {
    const issues = httpTemplateIssues(spec).map((i) => ({ ...i, path: `subscription.${i.path}` }));
    if (issues.length) throw invalid(issues);
    const event = eventOf(input, this.clock.now());
    const req: SendRequest = {
      deliveryId: 'preview-delivery',
      purpose: 'event',
      attempt: 1,
      event,
      spec: spec as unknown as Record<string, unknown>,
      subscriptionName: spec.name ?? 'http_template',
      links: { unsubscribe: `${this.publicUrl()}/unsubscribe/preview` },
      timeoutMs: 0,
    };
    const out = await renderHttpTemplate(spec, req);
    if (!out.ok) throw invalid([{ path: `subscription.${out.field}`, message: `the template failed: ${out.error}` }]);
    const secretHeaders = new Set(Object.keys(spec.headers ?? {}).map((h) => h.toLowerCase()));
    const headers = Object.fromEntries(
      Object.entries(out.request.headers).map(([k, v]) => [k, secretHeaders.has(k) ? REDACTED : v]),
    );
    return { ...out.request, headers, event };
  }
}
