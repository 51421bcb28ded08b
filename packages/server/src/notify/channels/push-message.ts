/**
 * The plain-text message of the push and SMS channels (ntfy, Pushover, Gotify, Twilio SMS, SNS): a title line and a
 * body of the event's text, attributes and source; for a group window, one line per event. Limits differ per vendor,
 * in characters or in UTF-8 bytes (message-format's truncate and truncateBytes).
 */
import type { TocsinEvent } from '@tocsin/protocol';
import type { SendRequest } from './channel.js';
import { attributesText, eventLook, eventTimeIso, isResolution, sourceLabel } from './message-format.js';

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
