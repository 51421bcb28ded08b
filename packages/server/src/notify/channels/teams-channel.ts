import type { Severity, TocsinEvent } from '@tocsin/protocol';
import type { Channel, SendRequest } from './channel.js';
import { sendHttp, type HttpResponse } from './http-sender.js';
import { attributeLines, eventLook, eventTimeIso, isResolution, sourceLabel, truncate } from './message-format.js';

/**
 * "The message size limit is 28 KB" (learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/
 * add-incoming-webhook; the Teams connector of Power Automate says "about 28 KB", over it "Request Entity too
 * large"). Counted here as UTF-8 bytes of the whole request body, with room to spare for the flow's own wrapping.
 */
export const TEAMS_MAX_BYTES = 27 * 1024;
/** Characters of free text a card tries first; halved until the card fits in TEAMS_MAX_BYTES. */
const TEXT_BUDGETS = [8000, 4000, 2000, 1000, 400, 100];
/** Events a group card lists before "and N more". */
const GROUP_EVENTS_MAX = 40;
/** Attribute facts a card lists. */
const FACTS_MAX = 20;
const TITLE_MAX = 400;

/** Adaptive Card container styles and text colours by severity; a resolution is `good`. */
const styles: Record<Severity | 'resolved', { style: string; color: string }> = {
  critical: { style: 'attention', color: 'Attention' },
  error: { style: 'attention', color: 'Attention' },
  warning: { style: 'warning', color: 'Warning' },
  info: { style: 'accent', color: 'Accent' },
  ok: { style: 'good', color: 'Good' },
  resolved: { style: 'good', color: 'Good' },
};

function styleOf(e: TocsinEvent) {
  return styles[isResolution(e) ? 'resolved' : e.severity];
}

/** The coloured band at the top: emoji and title. */
function headerBlock(e: TocsinEvent, headline: string): Record<string, unknown> {
  const look = eventLook(e);
  const s = styleOf(e);
  return {
    type: 'Container',
    style: s.style,
    bleed: true,
    items: [
      {
        type: 'TextBlock',
        text: truncate(`${look.emoji} ${headline}`, TITLE_MAX),
        weight: 'Bolder',
        size: 'Medium',
        color: s.color,
        wrap: true,
      },
    ],
  };
}

function singleBody(e: TocsinEvent, budget: number): Record<string, unknown>[] {
  const resolved = isResolution(e);
  const body: Record<string, unknown>[] = [headerBlock(e, resolved ? `Resolved: ${e.title}` : e.title)];
  if (e.text) body.push({ type: 'TextBlock', text: truncate(e.text, budget), wrap: true });
  const facts = [
    { title: 'Severity', value: resolved ? `resolved (${e.severity})` : e.severity },
    { title: 'Source', value: sourceLabel(e) },
    { title: 'Time', value: eventTimeIso(e) },
    { title: 'Topic', value: e.topic },
  ];
  const lines = attributeLines(e.attributes, Math.min(300, budget));
  for (const line of lines.slice(0, FACTS_MAX)) {
    const at = line.indexOf(': ');
    facts.push({ title: line.slice(0, at), value: line.slice(at + 2) });
  }
  if (lines.length > FACTS_MAX) facts.push({ title: '…', value: `and ${lines.length - FACTS_MAX} more` });
  body.push({ type: 'FactSet', facts });
  return body;
}

function groupBody(summary: TocsinEvent, events: readonly TocsinEvent[], budget: number): Record<string, unknown>[] {
  const body: Record<string, unknown>[] = [headerBlock(summary, summary.title)];
  const shown = events.slice(0, GROUP_EVENTS_MAX);
  const each = Math.max(50, Math.floor(budget / Math.max(1, shown.length)));
  for (const e of shown) {
    const detail = e.text ? `\n\n${truncate(e.text, each)}` : '';
    const line = `${eventLook(e).emoji} **${truncate(e.title, TITLE_MAX)}** · ${sourceLabel(e)} · ${eventTimeIso(e)}`;
    body.push({
      type: 'TextBlock',
      text: `${line}${detail}`,
      wrap: true,
      separator: true,
    });
  }
  if (shown.length < events.length) {
    body.push({ type: 'TextBlock', text: `_and ${events.length - shown.length} more_`, wrap: true });
  }
  body.push({
    type: 'FactSet',
    facts: [
      { title: 'Events', value: String(events.length) },
      { title: 'Severity', value: summary.severity },
      { title: 'Topic', value: summary.topic },
    ],
  });
  return body;
}

function message(card: Record<string, unknown>[]): Record<string, unknown> {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          msteams: { width: 'Full' },
          body: card,
        },
      },
    ],
  };
}

/**
 * The request body: a message with one Adaptive Card. Texts are cut shorter and shorter until the whole body fits
 * in Teams' 28 KB; the last resort is the header alone, which always fits.
 */
export function teamsBody(req: SendRequest): Record<string, unknown> {
  const group = req.group && req.group.length > 0 ? req.group : undefined;
  for (const budget of TEXT_BUDGETS) {
    const body = message(group ? groupBody(req.event, group, budget) : singleBody(req.event, budget));
    if (Buffer.byteLength(JSON.stringify(body)) <= TEAMS_MAX_BYTES) return body;
  }
  const e = req.event;
  return message([
    headerBlock(e, isResolution(e) ? `Resolved: ${e.title}` : e.title),
    { type: 'TextBlock', text: '_(the details were too long for Teams)_', wrap: true },
  ]);
}

/** `teams answered 404 WorkflowNotFound: …`: Power Automate answers `{"error":{"code","message"}}`. */
export function describeTeamsError(res: HttpResponse): string {
  let code = '';
  let text = res.body.trim().slice(0, 300);
  try {
    const parsed = JSON.parse(res.body) as { error?: { code?: unknown; message?: unknown } };
    if (parsed.error && typeof parsed.error === 'object') {
      code = typeof parsed.error.code === 'string' ? parsed.error.code : '';
      text = typeof parsed.error.message === 'string' ? parsed.error.message.slice(0, 300) : '';
    }
  } catch {
    // Not JSON: keep the text.
  }
  const hint =
    res.status === 401 || res.status === 403
      ? ' (the URL’s signature is wrong or the flow asks for sign-in: copy the URL again from the workflow)'
      : res.status === 404
        ? ' (the workflow was deleted or turned off)'
        : res.status === 413
          ? ' (the message is over 28 KB)'
          : '';
  const what = [code, text].filter(Boolean).join(': ');
  return `teams answered ${res.status}${what ? ` ${what}` : ''}${hint}`;
}

export const teamsChannel: Channel = {
  protocol: 'teams',
  // The Teams connector that posts a flow's card allows 100 calls a minute per connection
  // (learn.microsoft.com/connectors/teams, "Throttling limits"): one a second stays under it.
  defaultRateLimit: 1,
  destinationKey: (spec) => String(spec.endpoint),
  send(req) {
    return sendHttp(
      {
        url: String(req.spec.endpoint),
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(teamsBody(req)),
        timeoutMs: req.timeoutMs,
        origin: req.origin,
      },
      describeTeamsError,
    );
  },
};
