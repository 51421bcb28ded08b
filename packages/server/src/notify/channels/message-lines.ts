/**
 * Plain-text pieces of a chat message that several text channels (Zulip, Matrix, Webex) share: one event's lines,
 * and a group's lines fitted into the vendor's size in bytes with "and N more" at the end.
 */
import type { TocsinEvent } from '@tocsin/protocol';
import { eventLook, isResolution } from './message-format.js';

/** `🔴 [CRITICAL] api is down`, or `✅ [RESOLVED] api is up again`; `escapeTitle` applies to the title. */
export function headline(e: TocsinEvent, escapeTitle: (text: string) => string = (t) => t): string {
  const look = eventLook(e);
  return `${look.emoji} [${look.label}] ${escapeTitle(e.title)}`;
}

/** `critical`, or `resolved (ok)` for a resolution. */
export function severityText(e: TocsinEvent): string {
  return isResolution(e) ? `resolved (${e.severity})` : e.severity;
}

/**
 * Takes lines while they fit `maxBytes` (joined by `separator`), then, if some were left, a last line from
 * `more(n)`; the lines kept leave room for it.
 */
export function fitLines(
  lines: readonly string[],
  maxBytes: number,
  more: (left: number) => string,
  separator = '\n',
): string[] {
  const sep = Buffer.byteLength(separator, 'utf8');
  const sizes = lines.map((l) => Buffer.byteLength(l, 'utf8'));
  const total = sizes.reduce((a, b) => a + b, 0) + sep * Math.max(0, lines.length - 1);
  if (total <= maxBytes) return [...lines];
  const room = maxBytes - Buffer.byteLength(more(lines.length), 'utf8') - sep;
  const kept: string[] = [];
  let used = 0;
  for (let i = 0; i < lines.length; i++) {
    const size = sizes[i] + (kept.length ? sep : 0);
    if (used + size > room) break;
    kept.push(lines[i]);
    used += size;
  }
  kept.push(more(lines.length - kept.length));
  return kept;
}
