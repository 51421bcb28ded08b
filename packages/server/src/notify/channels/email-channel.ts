/**
 * E-mail over SMTP. The transport is a small connection pool, made on the
 * first send and closed by close(): unset ──send──▶ open ──close──▶ unset.
 */
import nodemailer from 'nodemailer';
import type { TocsinEvent } from '@tocsin/protocol';
import type { Channel, SendOutcome, SendRequest } from './channel.js';
import {
  attributeLines,
  escapeHtml,
  eventLook,
  eventTimeIso,
  sourceLabel,
  tagsText,
  truncate,
} from './message-format.js';

export interface EmailSettings {
  /** smtp://user:pass@host:port or smtps://…; without it e-mail deliveries fail at once. */
  smtpUrl?: string;
  /** The From address, `tocsin@example.com` or `Tocsin <tocsin@example.com>`. */
  mailFrom: string;
}

export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

type Transport = ReturnType<typeof nodemailer.createTransport>;

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

const MAX_CONNECTIONS = 3;
const CONFIRM_VALID_FOR = '3 days';
/** Characters of each event's text a group mail keeps (a group holds up to 100 events). */
const GROUP_TEXT_MAX = 1000;
// Failures of the connection, not verdicts on the mail: another try may work.
const retryableCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ECONNECTION', 'ESOCKET', 'EDNS']);

function htmlPage(inner: string): string {
  const style = 'font:15px/1.5 system-ui,-apple-system,sans-serif;color:#222';
  return `<!doctype html><html><body style="${style}">${inner}</body></html>`;
}

function link(url: string): string {
  return `<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`;
}

function footer(req: SendRequest, why: string): { text: string; html: string } {
  return {
    text: `${why}\nUnsubscribe: ${req.links.unsubscribe}`,
    html:
      `<hr><p style="color:#666;font-size:13px">${escapeHtml(why)}<br>` +
      `Unsubscribe: ${link(req.links.unsubscribe)}</p>`,
  };
}

function subscribedBecause(req: SendRequest): string {
  return (
    `You receive this because ${String(req.spec.endpoint)} is subscribed to topic ${req.event.topic} ` +
    `(${req.subscriptionName}).`
  );
}

/** Subject and both bodies of an event mail; a group window's events make one mail listing them all. */
export function eventMail(req: SendRequest): MailContent {
  if (req.group && req.group.length > 0) return groupMail(req, req.group);
  const e = req.event;
  const look = eventLook(e);
  const tags = tagsText(e.source.tags);
  const source = `${sourceLabel(e)}${tags ? ` (${tags})` : ''}`;
  const facts: [string, string][] = [
    ['Source', source],
    ['Time', eventTimeIso(e)],
    ['Severity', e.severity],
    ['Kind', e.kind],
    ['Topic', e.topic],
  ];
  const attributes = attributeLines(e.attributes, 1000);
  const end = footer(req, subscribedBecause(req));
  const text = [
    `[${look.label}] ${e.title}`,
    ...(e.text ? ['', e.text] : []),
    '',
    ...facts.map(([k, v]) => `${k}: ${v}`),
    ...(attributes.length ? ['', 'Details:', ...attributes.map((l) => `  ${l}`)] : []),
    '',
    '-- ',
    end.text,
  ].join('\n');
  const row = (k: string, v: string) =>
    `<tr><th align="left" style="padding-right:1em">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`;
  const html = htmlPage(
    `<h2 style="margin:0 0 .5em"><span style="color:${look.colour}">[${look.label}]</span> ` +
      `${escapeHtml(e.title)}</h2>` +
      (e.text ? `<p style="white-space:pre-wrap">${escapeHtml(e.text)}</p>` : '') +
      `<table>${facts.map(([k, v]) => row(k, v)).join('')}</table>` +
      (attributes.length ? `<h3>Details</h3><pre>${escapeHtml(attributes.join('\n'))}</pre>` : '') +
      end.html,
  );
  // Header values end at a line break; a title's newlines become spaces.
  return { subject: truncate(`[${look.label}] ${e.title}`.replace(/\s+/g, ' '), 250), text, html };
}

/**
 * The mail of a group window, as seed 003 mails the servers that changed in
 * a run: the summary title as subject, then each event with its time, title
 * and text, oldest first.
 */
export function groupMail(req: SendRequest, events: readonly TocsinEvent[]): MailContent {
  const summary = req.event;
  const look = eventLook(summary);
  const span =
    `${events.length} events on topic ${summary.topic}, ` +
    `from ${eventTimeIso(events[0])} to ${eventTimeIso(events[events.length - 1])}.`;
  const end = footer(req, subscribedBecause(req));
  const items = events.map((e) => ({
    e,
    look: eventLook(e),
    time: eventTimeIso(e),
    text: truncate(e.text, GROUP_TEXT_MAX),
    source: sourceLabel(e),
  }));
  const text = [
    summary.title,
    span,
    ...items.flatMap((i) => [
      '',
      `${i.time}  [${i.look.label}] ${i.e.title}`,
      ...(i.text ? i.text.split('\n').map((l) => `    ${l}`) : []),
      `    ${i.source}`,
    ]),
    '',
    '-- ',
    end.text,
  ].join('\n');
  const cell = 'style="padding:.4em 1em .4em 0;vertical-align:top;border-top:1px solid #ddd"';
  const rows = items.map(
    (i) =>
      `<tr><td ${cell}>${escapeHtml(i.time)}</td>` +
      `<td ${cell}><span style="color:${i.look.colour}">[${i.look.label}]</span></td>` +
      `<td ${cell}><b>${escapeHtml(i.e.title)}</b>` +
      `${i.text ? `<div style="white-space:pre-wrap">${escapeHtml(i.text)}</div>` : ''}` +
      `<div style="color:#666;font-size:13px">${escapeHtml(i.source)}</div></td></tr>`,
  );
  const html = htmlPage(
    `<h2 style="margin:0 0 .5em"><span style="color:${look.colour}">[${look.label}]</span> ` +
      `${escapeHtml(summary.title)}</h2>` +
      `<p>${escapeHtml(span)}</p><table style="border-collapse:collapse">${rows.join('')}</table>` +
      end.html,
  );
  return { subject: truncate(summary.title.replace(/\s+/g, ' '), 250), text, html };
}

/** Subject and both bodies of the mail that asks a new subscriber to confirm. */
export function confirmationMail(req: SendRequest, confirmUrl: string): MailContent {
  const topic = req.event.topic;
  const address = String(req.spec.endpoint);
  // Not subscribed yet, so the footer says how this address came to get mail.
  const end = footer(req, `You receive this because someone entered ${address} for topic ${topic}.`);
  const text = [
    `Someone asked to send the notifications of topic ${topic} to ${address}.`,
    '',
    `To confirm, open this link (it is valid for ${CONFIRM_VALID_FOR}):`,
    confirmUrl,
    '',
    'If you did not ask for this, ignore this mail: nothing is sent unless you confirm.',
    '',
    '-- ',
    end.text,
  ].join('\n');
  const html = htmlPage(
    `<p>Someone asked to send the notifications of topic <b>${escapeHtml(topic)}</b> to ${escapeHtml(address)}.</p>` +
      `<p>To confirm, open this link (it is valid for ${CONFIRM_VALID_FOR}):<br>${link(confirmUrl)}</p>` +
      '<p>If you did not ask for this, ignore this mail: nothing is sent unless you confirm.</p>' +
      end.html,
  );
  return { subject: truncate(`Confirm your subscription to topic ${topic}`, 250), text, html };
}

/** SMTP 4xx and lost connections are worth another try; 5xx and everything else are final. */
export function classifySmtpError(err: unknown): SendOutcome {
  const e = err as SmtpError;
  const base = e?.message || String(err);
  if (typeof e?.responseCode === 'number') {
    const said = e.response ? e.response.trim().slice(0, 300) : base;
    return {
      ok: false,
      retryable: e.responseCode >= 400 && e.responseCode < 500,
      status: e.responseCode,
      error: `the SMTP server refused${e.command ? ` ${e.command}` : ''}: ${said}`,
    };
  }
  if (e?.code && retryableCodes.has(e.code))
    return { ok: false, retryable: true, error: `cannot reach the SMTP server: ${base}` };
  return { ok: false, retryable: false, error: `e-mail failed: ${base}` };
}

function domainOf(mailFrom: string): string {
  const address = /<([^>]+)>/.exec(mailFrom)?.[1] ?? mailFrom;
  return address.split('@')[1]?.trim() || 'tocsin.invalid';
}

function transportUrl(smtpUrl: string, timeoutMs: number): string {
  const url = new URL(smtpUrl);
  const defaults: Record<string, string> = {
    pool: 'true',
    maxConnections: String(MAX_CONNECTIONS),
    connectionTimeout: String(timeoutMs),
    greetingTimeout: String(timeoutMs),
    socketTimeout: String(timeoutMs),
  };
  // Settings written in the URL's query win over ours.
  for (const [k, v] of Object.entries(defaults)) if (!url.searchParams.has(k)) url.searchParams.set(k, v);
  return url.toString();
}

export function createEmailChannel(settings: EmailSettings): Channel {
  let transport: Transport | undefined;
  const host = settings.smtpUrl ? safeHost(settings.smtpUrl) : 'unset';
  const domain = domainOf(settings.mailFrom);

  // Made on first use, so a server without e-mail subscriptions never connects;
  // the first request's timeout bounds every SMTP step from then on.
  const transportFor = (smtpUrl: string, timeoutMs: number): Transport => {
    transport ??= nodemailer.createTransport(transportUrl(smtpUrl, timeoutMs));
    return transport;
  };

  return {
    protocol: 'email',
    // One SMTP server, one budget, whoever the mail is for.
    destinationKey: () => host,
    async send(req) {
      if (!settings.smtpUrl) return { ok: false, retryable: false, error: 'e-mail is not set up: set TOCSIN_SMTP_URL' };
      let content: MailContent;
      if (req.purpose === 'confirmation') {
        if (!req.links.confirm)
          return { ok: false, retryable: false, error: 'the confirmation mail has no confirmation link' };
        content = confirmationMail(req, req.links.confirm);
      } else {
        content = eventMail(req);
      }
      try {
        await transportFor(settings.smtpUrl, req.timeoutMs).sendMail({
          from: settings.mailFrom,
          to: String(req.spec.endpoint),
          subject: content.subject,
          text: content.text,
          html: content.html,
          // The same id on every attempt lets mail clients drop a repeat.
          messageId: `<${req.deliveryId}@${domain}>`,
          headers: {
            'X-Tocsin-Delivery': req.deliveryId,
            'Auto-Submitted': 'auto-generated',
            'List-Unsubscribe': `<${req.links.unsubscribe}>`,
            'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          },
        });
        return { ok: true };
      } catch (err) {
        return classifySmtpError(err);
      }
    },
    async close() {
      transport?.close();
      transport = undefined;
    },
  };
}

function safeHost(smtpUrl: string): string {
  try {
    return new URL(smtpUrl).host;
  } catch {
    return 'invalid';
  }
}
