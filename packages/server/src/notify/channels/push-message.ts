/**
 * The plain-text message of the push and SMS channels (ntfy, Pushover, Gotify, Twilio SMS, SNS): a title line and a
 * body of the event's text, attributes and source; for a group window, one line per event. Limits differ per vendor,
 * in characters or in UTF-8 bytes, so both cuts live here.
 */
import type { TocsinEvent } from '@tocsin/protocol';
import type { SendRequest } from './channel.js';
import { attributesText, eventLook, eventTimeIso, isResolution, sourceLabel } from './message-format.js';

/** The visible mark of a cut text. */
export const CUT_MARK = '…';

/** `Resolved: api is up again` for a resolution, the title otherwise. */
export function pushTitle(e: TocsinEvent): string {
  return isResolution(e) ? `Resolved: ${e.title}` : e.title;
}

/** The body without the title: text, attributes, then the source, severity, time and topic. */
export function pushBody(req: SendRequest): string {
  if (req.group && req.group.length > 0) return groupBody(req.event, req.group);
  const e = req.event;
  const parts: string[] = [];
  if (e.text) parts.push(e.text);
  const attributes = attributesText(e.attributes);
  if (attributes) parts.push(attributes);
  const severity = isResolution(e) ? `resolved (${e.severity})` : e.severity;
  parts.push(`${sourceLabel(e)} · ${severity} · ${eventTimeIso(e)} · topic ${e.topic}`);
  return parts.join('\n\n');
}

function groupBody(summary: TocsinEvent, events: readonly TocsinEvent[]): string {
  const lines = events.map((e) => `${eventLook(e).emoji} ${eventTimeIso(e)} ${e.title} · ${sourceLabel(e)}`);
  return `${lines.join('\n')}\n\n${events.length} events · topic ${summary.topic}`;
}

/** Cuts `text` to at most `maxBytes` bytes of UTF-8, ending with the mark when cut (never half a character). */
export function truncateBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const room = maxBytes - Buffer.byteLength(CUT_MARK, 'utf8');
  let end = 0;
  let bytes = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > room) break;
    bytes += size;
    end += ch.length;
  }
  return `${text.slice(0, end)}${CUT_MARK}`;
}
