import type { TocsinEvent } from '@tocsin/protocol';
import type { Channel, SendRequest } from './channel.js';
import { sendHttp, type HttpResponse } from './http-sender.js';
import { attributesText, eventLook, eventTimeIso, isResolution, sourceLabel, truncate } from './message-format.js';

// Slack's limits: header text 150 characters, section text 3,000, 50 blocks a message.
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const BLOCKS_MAX = 50;
/** Characters of each event's text a group message keeps. */
const GROUP_TEXT_MAX = 500;

/** What Slack's plain-text error codes mean for the person reading the dead letter. */
const slackErrors: Record<string, string> = {
  invalid_payload: 'Slack could not read the message',
  user_not_found: 'the user does not exist',
  channel_not_found: 'the channel does not exist or the app is not in it',
  channel_is_archived: 'the channel is archived',
  action_prohibited: 'the workspace does not allow this webhook to post here',
  posting_to_general_channel_denied: 'only admins may post to this channel',
  no_service: 'the webhook is disabled, removed or not valid; make a new one',
  no_service_id: 'the webhook URL is not complete',
  no_team: 'the workspace does not exist or was deleted',
  team_disabled: 'the workspace is disabled',
  invalid_token: 'the webhook token is not valid',
  no_active_hooks: 'the webhook is disabled',
  rollup_error: 'Slack had an internal error',
};

/** Slack's mrkdwn treats these three as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Slack shows the time in each reader's own time zone; the ISO text is the fallback. */
function slackDate(e: TocsinEvent, format: string): string {
  return `<!date^${Math.floor(e.time / 1000)}^${format}|${eventTimeIso(e)}>`;
}

/** The JSON an incoming webhook receives: `text` for notifications and old clients, `blocks` for the message. */
export function slackBody(req: SendRequest): Record<string, unknown> {
  if (req.group && req.group.length > 0) return groupBody(req, req.group);
  const e = req.event;
  const look = eventLook(e);
  const resolved = isResolution(e);
  const headline = resolved ? `Resolved: ${e.title}` : e.title;
  const blocks: Record<string, unknown>[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(`${look.emoji} ${headline}`, HEADER_MAX), emoji: true },
    },
  ];
  if (e.text)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(escapeMrkdwn(e.text), SECTION_MAX) } });
  const attributes = attributesText(e.attributes);
  if (attributes) {
    // A code block keeps the alignment; three backticks inside would end it early.
    const body = truncate(escapeMrkdwn(attributes.replace(/```/g, "'''")), SECTION_MAX - 8);
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${body}\`\`\`` } });
  }
  blocks.push({
    type: 'context',
    elements: [
      { type: 'mrkdwn', text: `*Source:* ${escapeMrkdwn(sourceLabel(e))}` },
      { type: 'mrkdwn', text: `*Severity:* ${resolved ? `resolved (${e.severity})` : e.severity}` },
      { type: 'mrkdwn', text: slackDate(e, '{date_short_pretty} {time_secs}') },
      { type: 'mrkdwn', text: `*Topic:* ${escapeMrkdwn(e.topic)}` },
    ],
  });
  const body: Record<string, unknown> = {
    text: truncate(`${look.emoji} *[${look.label}]* ${escapeMrkdwn(e.title)}`, SECTION_MAX),
    blocks,
  };
  if (typeof req.spec.channel === 'string' && req.spec.channel) body.channel = req.spec.channel;
  return body;
}

/**
 * One message for a group window: the summary as header, a section per
 * event (oldest first) and, past Slack's 50 blocks, "and N more".
 */
function groupBody(req: SendRequest, events: readonly TocsinEvent[]): Record<string, unknown> {
  const summary = req.event;
  const look = eventLook(summary);
  const room = BLOCKS_MAX - 2; // the header and the closing context
  const shown = events.length <= room ? events : events.slice(0, room - 1);
  const blocks: Record<string, unknown>[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(`${look.emoji} ${summary.title}`, HEADER_MAX), emoji: true },
    },
  ];
  for (const e of shown) {
    const detail = e.text ? `\n${escapeMrkdwn(truncate(e.text, GROUP_TEXT_MAX))}` : '';
    const line =
      `${eventLook(e).emoji} ${slackDate(e, '{time_secs}')} *${escapeMrkdwn(e.title)}* · ` +
      `${escapeMrkdwn(sourceLabel(e))}${detail}`;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(line, SECTION_MAX) } });
  }
  if (shown.length < events.length) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `_and ${events.length - shown.length} more_` } });
  }
  blocks.push({
    type: 'context',
    elements: [
      { type: 'mrkdwn', text: `*Events:* ${events.length}` },
      { type: 'mrkdwn', text: `*Severity:* ${summary.severity}` },
      {
        type: 'mrkdwn',
        text:
          `${slackDate(events[0], '{date_short_pretty} {time_secs}')} – ` +
          `${slackDate(events[events.length - 1], '{time_secs}')}`,
      },
      { type: 'mrkdwn', text: `*Topic:* ${escapeMrkdwn(summary.topic)}` },
    ],
  });
  const body: Record<string, unknown> = {
    text: truncate(`${look.emoji} *[${look.label}]* ${escapeMrkdwn(summary.title)}`, SECTION_MAX),
    blocks,
  };
  if (typeof req.spec.channel === 'string' && req.spec.channel) body.channel = req.spec.channel;
  return body;
}

/** `slack answered 404 channel_not_found: the channel does not exist or the app is not in it`. */
export function describeSlackError(res: HttpResponse): string {
  const code = res.body.trim().slice(0, 200);
  const meaning = slackErrors[code];
  if (!code) return `slack answered ${res.status}`;
  return meaning ? `slack answered ${res.status} ${code}: ${meaning}` : `slack answered ${res.status}: ${code}`;
}

export const slackChannel: Channel = {
  protocol: 'slack',
  // Slack takes about one message a second per webhook and answers bursts with 429.
  defaultRateLimit: 1,
  destinationKey: (spec) => String(spec.endpoint),
  send(req) {
    return sendHttp(
      {
        url: String(req.spec.endpoint),
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(slackBody(req)),
        timeoutMs: req.timeoutMs,
        origin: req.origin,
      },
      describeSlackError,
    );
  },
};
