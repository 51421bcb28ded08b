import type { Severity, TocsinEvent } from '@tocsin/protocol';

interface SeverityLook {
  label: string;
  colour: string;
  emoji: string;
}

const looks: Record<Severity, SeverityLook> = {
  critical: { label: 'CRITICAL', colour: '#c92a2a', emoji: '🔴' },
  error: { label: 'ERROR', colour: '#e8590c', emoji: '🟠' },
  warning: { label: 'WARNING', colour: '#f2a900', emoji: '🟡' },
  info: { label: 'INFO', colour: '#1c7ed6', emoji: '🔵' },
  ok: { label: 'OK', colour: '#2f9e44', emoji: '✅' },
};

const resolvedLook: SeverityLook = { label: 'RESOLVED', colour: looks.ok.colour, emoji: looks.ok.emoji };

/**
 * Whether an event ends a problem rather than reports one: PagerDuty
 * resolves the incident with the same dedup key, Datadog shows success and
 * the messages say "resolved". The one place this rule lives.
 */
export function isResolution(event: Pick<TocsinEvent, 'severity' | 'kind'>): boolean {
  return event.severity === 'ok' || /\.(up|ok|resolved)$/.test(event.kind);
}

/** Label, colour and emoji of an event; a resolution reads RESOLVED whatever its severity. */
export function eventLook(event: Pick<TocsinEvent, 'severity' | 'kind'>): SeverityLook {
  return isResolution(event) ? resolvedLook : looks[event.severity];
}

export function severityLook(severity: Severity): SeverityLook {
  return looks[severity];
}

export function eventTimeIso(event: Pick<TocsinEvent, 'time'>): string {
  return new Date(event.time).toISOString();
}

/** `monitor/api-health`: the source as one short token. */
export function sourceLabel(event: Pick<TocsinEvent, 'source'>): string {
  return `${event.source.type}/${event.source.name}`;
}

/** `env=prod, region=eu`, or '' when there are no tags. */
export function tagsText(tags: Record<string, string> | undefined): string {
  return Object.entries(tags ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/** Cuts `text` to at most `max` characters, ending with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  // Never leave half of a surrogate pair: some receivers reject the lone half.
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** One attribute value as short text: strings as they are, everything else as JSON. */
export function attributeValueText(value: unknown, max = 300): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return truncate(text, max);
}

/** `key: value` lines of the attributes, in their order. */
export function attributeLines(attributes: Record<string, unknown>, maxValue = 300): string[] {
  return Object.entries(attributes).map(([k, v]) => `${k}: ${attributeValueText(v, maxValue)}`);
}

/** A plain-text summary of the attributes, one `key: value` a line; '' when there are none. */
export function attributesText(attributes: Record<string, unknown>, maxValue = 300): string {
  return attributeLines(attributes, maxValue).join('\n');
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Cuts `text` to at most `maxBytes` bytes of UTF-8, ending with an ellipsis (3 bytes) when cut; never mid-letter. */
export function truncateBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const room = maxBytes - 3;
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > room) break;
    bytes += size;
    end += ch.length;
  }
  return `${text.slice(0, end)}…`;
}

/**
 * Backslash-escapes what Markdown (CommonMark, and Python-Markdown under Zulip) reads as emphasis, code and links, so
 * an event's text shows as written and cannot mention anyone (Zulip's `@**all**`). `extra` adds characters a
 * dialect also needs escaped (Webex's `<@all>` mentions).
 */
export function escapeMarkdown(text: string, extra = ''): string {
  const special = `\\\`*_[]${extra}`;
  return [...text].map((ch) => (special.includes(ch) ? `\\${ch}` : ch)).join('');
}
