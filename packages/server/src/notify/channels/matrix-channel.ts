import { createHash } from 'node:crypto';
import type { TocsinEvent } from '@tocsin/protocol';
import type { Channel, SendRequest } from './channel.js';
import { sendHttp, type HttpResponse, jsonObjectOf } from './http-sender.js';
import { clockTime } from '../digest.js';
import { fitLines, headline, severityText } from './message-lines.js';
import {
  attributesText,
  escapeHtml,
  eventLook,
  eventTimeIso,
  sourceLabel,
  truncate,
  truncateBytes,
} from './message-format.js';

// The spec's size limit (spec.matrix.org/latest/client-server-api/#size-limits): a whole event, as the homeserver
// signs and sends it, is at most 65,536 bytes. The content keeps to 60,000, leaving room for the envelope.
export const MATRIX_CONTENT_MAX_BYTES = 60000;
/** Bytes of the plain `body`'s parts (text, attributes); the HTML is built from the same cut parts. */
const TEXT_MAX_BYTES = 12000;
const ATTRIBUTES_MAX_BYTES = 6000;
const GROUP_BODY_MAX_BYTES = 16000;
const GROUP_TEXT_MAX = 200;
// Synapse's default message rate limit (rc_message: per_second 0.2, burst_count 10, element-hq.github.io/synapse
// config manual); other homeservers are alike. A homeserver's 429 M_LIMIT_EXCEEDED says when to come back.
const MATRIX_RATE_PER_SECOND = 0.2;

/** What the errcodes mean for the person reading the dead letter (spec: Standard error response). */
const matrixErrors: Record<string, string> = {
  M_UNKNOWN_TOKEN: 'the access token is not valid (logged out or expired)',
  M_MISSING_TOKEN: 'no access token was sent',
  M_FORBIDDEN: 'the bot may not post in this room (not joined, or not allowed)',
  M_NOT_FOUND: 'the room does not exist',
  M_BAD_JSON: 'the homeserver could not read the message',
  M_NOT_JSON: 'the homeserver could not read the message',
  M_TOO_LARGE: 'the message is too large for the homeserver',
  M_LIMIT_EXCEEDED: 'too many messages; retried later',
};

interface Parts {
  head: string;
  text: string;
  attributes: string;
  footer: string;
}

function partsOf(e: TocsinEvent): Parts {
  return {
    head: headline(e),
    text: e.text ? truncateBytes(e.text, TEXT_MAX_BYTES) : '',
    attributes: truncateBytes(attributesText(e.attributes), ATTRIBUTES_MAX_BYTES),
    footer: `Source: ${sourceLabel(e)} · Severity: ${severityText(e)} · Topic: ${e.topic} · ${eventTimeIso(e)}`,
  };
}

function plainOf(p: Parts): string {
  return [p.head, p.text, p.attributes, p.footer].filter(Boolean).join('\n\n');
}

function htmlOf(p: Parts): string {
  const html = [`<p><strong>${escapeHtml(p.head)}</strong></p>`];
  if (p.text) html.push(`<p>${escapeHtml(p.text).replace(/\n/g, '<br>')}</p>`);
  if (p.attributes) html.push(`<pre><code>${escapeHtml(p.attributes)}</code></pre>`);
  html.push(`<p><em>${escapeHtml(p.footer)}</em></p>`);
  return html.join('');
}

/** A group: the summary headline, one line per event (oldest first) and "and N more" past the size. */
function groupContent(summary: TocsinEvent, events: readonly TocsinEvent[]): { body: string; html: string } {
  const lines = events.map((e) => {
    const detail = e.text ? ` — ${truncate(e.text, GROUP_TEXT_MAX)}` : '';
    return { e, text: `${eventLook(e).emoji} ${clockTime(e.time)} ${e.title} · ${sourceLabel(e)}${detail}` };
  });
  const more = (n: number) => `and ${n} more`;
  const fitted = fitLines(
    lines.map((l) => l.text),
    GROUP_BODY_MAX_BYTES,
    more,
  );
  const footer = `Events: ${events.length} · Topic: ${summary.topic}`;
  const body = [headline(summary), fitted.join('\n'), footer].join('\n\n');
  const items = fitted.map((text, i) => {
    const l = lines[i];
    if (!l || l.text !== text) return `<li><em>${escapeHtml(text)}</em></li>`;
    const detail = l.e.text ? ` — ${escapeHtml(truncate(l.e.text, GROUP_TEXT_MAX))}` : '';
    return (
      `<li>${eventLook(l.e).emoji} ${clockTime(l.e.time)} <strong>${escapeHtml(l.e.title)}</strong> · ` +
      `${escapeHtml(sourceLabel(l.e))}${detail}</li>`
    );
  });
  const html =
    `<p><strong>${escapeHtml(headline(summary))}</strong></p><ul>${items.join('')}</ul>` +
    `<p><em>${escapeHtml(footer)}</em></p>`;
  return { body, html };
}

/**
 * The `m.room.message` content: `body` in plain text for every client and `formatted_body` in HTML (everything from
 * the event escaped). Past the size limit the HTML is left out and the plain body is what is sent.
 */
export function matrixContent(req: SendRequest): Record<string, unknown> {
  const msgtype = req.spec.msgtype === 'm.text' ? 'm.text' : 'm.notice';
  const { body, html } =
    req.group && req.group.length > 0
      ? groupContent(req.event, req.group)
      : (() => {
          const p = partsOf(req.event);
          return { body: plainOf(p), html: htmlOf(p) };
        })();
  const content = { msgtype, body, format: 'org.matrix.custom.html', formatted_body: html };
  if (Buffer.byteLength(JSON.stringify(content), 'utf8') <= MATRIX_CONTENT_MAX_BYTES) return content;
  const plain = { msgtype, body };
  const over = Buffer.byteLength(JSON.stringify(plain), 'utf8') - MATRIX_CONTENT_MAX_BYTES;
  return over <= 0 ? plain : { msgtype, body: truncateBytes(body, Buffer.byteLength(body, 'utf8') - over * 2) };
}

/** The send URL; the transaction id is the delivery's, so a retried attempt is one message, not two. */
export function matrixSendUrl(spec: Record<string, unknown>, deliveryId: string): string {
  const base = String(spec.homeserver).replace(/\/+$/, '');
  return (
    `${base}/_matrix/client/v3/rooms/${encodeURIComponent(String(spec.roomId))}` +
    `/send/m.room.message/${encodeURIComponent(`tocsin-${deliveryId}`)}`
  );
}

interface MatrixError {
  errcode?: unknown;
  error?: unknown;
  retry_after_ms?: unknown;
}

/** `matrix answered 403 M_FORBIDDEN: the bot may not post in this room (…) (User not in room)`. */
export function describeMatrixError(res: HttpResponse): string {
  const parsed = jsonObjectOf<MatrixError>(res.body);
  const code = typeof parsed?.errcode === 'string' ? parsed.errcode : '';
  if (!code) {
    const text = res.body.trim().slice(0, 300);
    return `matrix answered ${res.status}${text ? `: ${text}` : ''}`;
  }
  const meaning = matrixErrors[code];
  const said = typeof parsed?.error === 'string' && parsed.error ? ` (${parsed.error.slice(0, 300)})` : '';
  return `matrix answered ${res.status} ${code}${meaning ? `: ${meaning}` : ''}${said}`;
}

export const matrixChannel: Channel = {
  protocol: 'matrix',
  defaultRateLimit: MATRIX_RATE_PER_SECOND,
  // The homeserver limits each user: the key is the homeserver and a hash of the token.
  destinationKey: (spec) =>
    `${String(spec.homeserver)}#${createHash('sha256').update(String(spec.accessToken)).digest('hex').slice(0, 12)}`,
  async send(req) {
    let retryAfterMs: number | undefined;
    const outcome = await sendHttp(
      {
        url: matrixSendUrl(req.spec, req.deliveryId),
        method: 'PUT',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${String(req.spec.accessToken)}`,
        },
        body: JSON.stringify(matrixContent(req)),
        timeoutMs: req.timeoutMs,
        origin: req.origin,
      },
      (res) => {
        // M_LIMIT_EXCEEDED carries retry_after_ms in its JSON; newer homeservers also send Retry-After.
        const wait = jsonObjectOf<MatrixError>(res.body)?.retry_after_ms;
        if (typeof wait === 'number' && wait >= 0) retryAfterMs = Math.ceil(wait);
        return describeMatrixError(res);
      },
    );
    if (!outcome.ok && outcome.retryAfterMs === undefined && retryAfterMs !== undefined) {
      return { ...outcome, retryAfterMs };
    }
    return outcome;
  },
};
