/**
 * The templated webhook (`http_template`): method, URL, headers and body are Liquid templates over the event.
 * Templates are checked when the subscription is saved (`httpTemplateIssues`); a template that fails to render at
 * send time, or renders a URL or header that cannot be sent, is a final failure with the reason.
 */
import type { FieldIssue, TocsinEvent } from '@tocsin/protocol';
import type { Channel, SendRequest } from './channel.js';
import { sendHttp } from './http-sender.js';
import { parseTemplate, renderTemplate } from './liquid-template.js';
import { eventTimeIso, isResolution } from './message-format.js';

export interface HttpTemplateSpec {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  contentType?: string;
}

/** The request a subscription's templates render to. */
export interface RenderedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** The templates of a spec, each with the field that holds it (`headers.Authorization`). */
function templatesOf(spec: HttpTemplateSpec): [string, string][] {
  const list: [string, string][] = [['url', spec.url]];
  for (const [name, value] of Object.entries(spec.headers ?? {})) list.push([`headers.${name}`, value]);
  if (spec.body !== undefined) list.push(['body', spec.body]);
  return list;
}

/** liquidjs quotes pieces of a template in its reasons: those of a header (a secret) are left out. */
function scrubbed(field: string, reason: string): string {
  return field.startsWith('headers.') ? reason.replace(/"[^"]*"/g, '"…"') : reason;
}

/** The templates of a spec that do not parse, each naming its field and liquidjs's line and column. */
export function httpTemplateIssues(spec: HttpTemplateSpec): FieldIssue[] {
  const issues = templatesOf(spec).flatMap(([path, text]) => {
    const parsed = parseTemplate(text);
    return parsed.ok ? [] : [{ path, message: `the template does not parse: ${scrubbed(path, parsed.error)}` }];
  });
  // What a template cannot change is checked now rather than at the first send.
  if (!/^\s*(https?:\/\/|\{)/i.test(spec.url) && !issues.some((i) => i.path === 'url'))
    issues.push({ path: 'url', message: 'must start with http:// or https:// (or a template that writes it)' });
  return issues;
}

function eventScope(e: TocsinEvent): Record<string, unknown> {
  return {
    id: e.id,
    topic: e.topic,
    kind: e.kind,
    severity: e.severity,
    title: e.title,
    text: e.text,
    time: eventTimeIso(e),
    timeMs: e.time,
    dedupKey: e.dedupKey,
    source: { type: e.source.type, name: e.source.name, tags: { ...e.source.tags } },
    attributes: { ...e.attributes },
    resolved: isResolution(e),
  };
}

/** The variables a template sees; documented in docs/channels.md. */
export function templateScope(req: SendRequest): Record<string, unknown> {
  const events = req.group && req.group.length > 0 ? req.group : [req.event];
  return {
    event: eventScope(req.event),
    resolved: isResolution(req.event),
    group: events.map(eventScope),
    grouped: Boolean(req.group && req.group.length > 0),
    subscription: { name: req.subscriptionName },
    delivery: { id: req.deliveryId, attempt: req.attempt },
    links: { ...req.links },
  };
}

export type RenderOutcome = { ok: true; request: RenderedRequest } | { ok: false; field: string; error: string };

/** Renders every template of the spec; the first that fails, or renders what cannot be sent, names its field. */
export async function renderHttpTemplate(spec: HttpTemplateSpec, req: SendRequest): Promise<RenderOutcome> {
  const scope = templateScope(req);
  const rendered: Record<string, string> = {};
  for (const [field, text] of templatesOf(spec)) {
    const out = await renderTemplate(text, scope);
    if (!out.ok) return { ok: false, field, error: scrubbed(field, out.error) };
    rendered[field] = out.text;
  }
  const url = rendered.url.trim();
  if (!isHttpUrl(url)) return { ok: false, field: 'url', error: `rendered '${url.slice(0, 200)}', not an http(s) URL` };
  const headers: Record<string, string> = { 'content-type': spec.contentType ?? 'application/json' };
  for (const name of Object.keys(spec.headers ?? {})) {
    const value = rendered[`headers.${name}`].trim();
    // A line break would start another header (or the body): never sent.
    if (/[\r\n\0]/.test(value)) return { ok: false, field: `headers.${name}`, error: 'rendered a line break' };
    headers[name.toLowerCase()] = value;
  }
  return { ok: true, request: { method: spec.method ?? 'POST', url, headers, body: rendered.body ?? '' } };
}

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

export const httpTemplateChannel: Channel = {
  protocol: 'http_template',
  // The URL is a template: what shares a budget is the template's host part, known only when rendered; the
  // template text itself is the stable key.
  destinationKey: (spec) => String(spec.url),
  async send(req) {
    const out = await renderHttpTemplate(req.spec as unknown as HttpTemplateSpec, req);
    if (!out.ok) return { ok: false, retryable: false, error: `the ${out.field} template failed: ${out.error}` };
    const { method, url, headers, body } = out.request;
    const hasBody = method !== 'GET' && body !== '';
    return sendHttp({
      url,
      method,
      headers: hasBody ? headers : withoutContentType(headers),
      body: hasBody ? body : undefined,
      timeoutMs: req.timeoutMs,
      origin: req.origin,
    });
  },
};

function withoutContentType(headers: Record<string, string>): Record<string, string> {
  const { 'content-type': _, ...rest } = headers;
  return rest;
}
