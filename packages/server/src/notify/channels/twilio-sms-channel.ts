import type { TocsinEvent } from '@tocsin/protocol';
import type { Channel, SendOutcome, SendRequest } from './channel.js';
import { sendHttp, type HttpResponse } from './http-sender.js';
import { eventLook, eventTimeIso, sourceLabel, truncate } from './message-format.js';

export const TWILIO_ENDPOINT = 'https://api.twilio.com';
// https://www.twilio.com/docs/messaging/api/message-resource (Body): up to 1,600 characters (error 21617 past it).
export const TWILIO_BODY_MAX = 1600;
// https://www.twilio.com/docs/api/errors/21611: a US long code sends one segment a second and Twilio queues the
// rest (up to 10 hours' worth); one message a second per sender keeps the queue short.
const TWILIO_MESSAGES_PER_SECOND = 1;
/** Characters of each event's title a group message keeps. */
const GROUP_TITLE_MAX = 120;

/**
 * Twilio error codes that waiting cures (https://www.twilio.com/docs/api/errors): 20429 too many requests, 20500
 * and 20503 Twilio's own errors, 21611 the sender's queue is full. Every other code (21211 an invalid To number,
 * 21608 an unverified number of a trial account, 20003 a wrong auth token, 21606 a From that cannot send SMS, …)
 * is final.
 */
const RETRYABLE_CODES = new Set([20429, 20500, 20503, 21611]);

/** The SMS text: severity and title, then the event's text, then where and when; a group lists its titles. */
export function twilioBody(req: SendRequest): string {
  if (req.group && req.group.length > 0) {
    const titles = req.group.map((e: TocsinEvent) => `${eventLook(e).label}: ${truncate(e.title, GROUP_TITLE_MAX)}`);
    return truncate(`${req.group.length} events (${req.event.topic})\n${titles.join('\n')}`, TWILIO_BODY_MAX);
  }
  const e = req.event;
  const parts = [`${eventLook(e).label}: ${e.title}`];
  if (e.text) parts.push(e.text);
  parts.push(`${sourceLabel(e)} ${eventTimeIso(e)}`);
  return truncate(parts.join('\n'), TWILIO_BODY_MAX);
}

function endpointOf(spec: Record<string, unknown>): string {
  return (typeof spec.endpoint === 'string' && spec.endpoint ? spec.endpoint : TWILIO_ENDPOINT).replace(/\/+$/, '');
}

export function twilioMessagesUrl(spec: Record<string, unknown>): string {
  return `${endpointOf(spec)}/2010-04-01/Accounts/${encodeURIComponent(String(spec.accountSid))}/Messages.json`;
}

function twilioError(res: HttpResponse): { code?: number; message?: string } {
  try {
    const parsed = JSON.parse(res.body) as { code?: unknown; message?: unknown };
    return {
      code: typeof parsed.code === 'number' ? parsed.code : undefined,
      message: typeof parsed.message === 'string' ? parsed.message : undefined,
    };
  } catch {
    return {};
  }
}

/** `twilio answered 400 21211: The 'To' number +15005550001 is not a valid phone number.` */
export function describeTwilioError(res: HttpResponse): string {
  const { code, message } = twilioError(res);
  if (code !== undefined || message) return `twilio answered ${res.status}${code ? ` ${code}` : ''}: ${message ?? ''}`;
  const text = res.body.trim().slice(0, 300);
  return `twilio answered ${res.status}${text ? `: ${text}` : ''}`;
}

async function sendOne(req: SendRequest, to: string, body: string): Promise<SendOutcome> {
  const spec = req.spec;
  const form = new URLSearchParams({ To: to, Body: body });
  if (typeof spec.messagingServiceSid === 'string' && spec.messagingServiceSid) {
    form.set('MessagingServiceSid', spec.messagingServiceSid);
  } else {
    form.set('From', String(spec.from));
  }
  let code: number | undefined;
  const outcome = await sendHttp(
    {
      url: twilioMessagesUrl(spec),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${spec.accountSid}:${spec.authToken}`).toString('base64')}`,
      },
      body: form.toString(),
      timeoutMs: req.timeoutMs,
      origin: req.origin,
    },
    (res) => {
      code = twilioError(res).code;
      return describeTwilioError(res);
    },
  );
  if (outcome.ok || code === undefined) return outcome;
  return { ...outcome, retryable: RETRYABLE_CODES.has(code) || outcome.status === 429 };
}

/**
 * One message to each number, in turn. Delivered when every number took it; retried when one failure is
 * retryable (a retry sends to every number again); otherwise dead, naming each number that failed.
 */
async function sendAll(req: SendRequest): Promise<SendOutcome> {
  const numbers = Array.isArray(req.spec.to) ? req.spec.to.map(String) : [String(req.spec.to)];
  const body = twilioBody(req);
  const failures: { to: string; outcome: Extract<SendOutcome, { ok: false }> }[] = [];
  let status: number | undefined;
  for (const to of numbers) {
    const outcome = await sendOne(req, to, body);
    if (outcome.ok) status = outcome.status;
    else failures.push({ to, outcome });
  }
  if (failures.length === 0) return { ok: true, status };
  const retry = failures.find((f) => f.outcome.retryable);
  const first = retry ?? failures[0];
  const sent = numbers.length - failures.length;
  const errors = failures.map((f) => `${f.to}: ${f.outcome.error}`).join('; ');
  return {
    ok: false,
    retryable: retry !== undefined,
    status: first.outcome.status,
    error: numbers.length > 1 ? `sent to ${sent} of ${numbers.length}; ${errors}` : first.outcome.error,
    retryAfterMs: first.outcome.retryAfterMs,
  };
}

export const twilioSmsChannel: Channel = {
  protocol: 'twilio_sms',
  defaultRateLimit: TWILIO_MESSAGES_PER_SECOND,
  // The sender's throughput is the limit: the account and its number (or Messaging Service).
  destinationKey: (spec) => `${endpointOf(spec)}#${spec.accountSid}#${spec.messagingServiceSid ?? spec.from}`,
  send: sendAll,
};
