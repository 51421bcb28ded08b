import type { Protocol } from '@tocsin/protocol';
import { alertmanagerWebhookChannel } from './alertmanager-webhook-channel.js';
import type { Channel } from './channel.js';
import { datadogChannel } from './datadog-channel.js';
import { datadogLogsChannel } from './datadog-logs-channel.js';
import { grafanaOncallChannel } from './grafana-oncall-channel.js';
import { discordChannel } from './discord-channel.js';
import { googleChatChannel } from './google-chat-channel.js';
import { lokiChannel } from './loki-channel.js';
import { httpTemplateChannel } from './http-template-channel.js';
import { matrixChannel } from './matrix-channel.js';
import { gotifyChannel } from './gotify-channel.js';
import { ntfyChannel } from './ntfy-channel.js';
import { createEmailChannel, type EmailSettings } from './email-channel.js';
import { opsgenieChannel } from './opsgenie-channel.js';
import { mattermostChannel } from './mattermost-channel.js';
import { pagerdutyChannel } from './pagerduty-channel.js';
import { rocketchatChannel } from './rocketchat-channel.js';
import { slackChannel } from './slack-channel.js';
import { squadcastChannel } from './squadcast-channel.js';
import { victoropsChannel } from './victorops-channel.js';
import { webexChannel } from './webex-channel.js';
import { pushoverChannel } from './pushover-channel.js';
import { snsChannel } from './sns-channel.js';
import { twilioSmsChannel } from './twilio-sms-channel.js';
import { teamsChannel } from './teams-channel.js';
import { telegramChannel } from './telegram-channel.js';
import { webhookChannel } from './webhook-channel.js';
import { zulipChannel } from './zulip-channel.js';

/** Channels keyed by protocol; adding one is one file and one line here. */
export class ChannelRegistry {
  private readonly byProtocol: Map<Protocol, Channel>;

  constructor(channels: Channel[]) {
    this.byProtocol = new Map(channels.map((c) => [c.protocol, c]));
  }

  get(protocol: Protocol): Channel {
    const c = this.byProtocol.get(protocol);
    if (!c) throw new Error(`no channel for protocol ${protocol}`);
    return c;
  }

  async close(): Promise<void> {
    for (const c of this.byProtocol.values()) await c.close?.();
  }
}

export function createChannelRegistry(email: EmailSettings): ChannelRegistry {
  return new ChannelRegistry([
    createEmailChannel(email),
    slackChannel,
    webhookChannel,
    pagerdutyChannel,
    datadogChannel,
    datadogLogsChannel,
    lokiChannel,
    httpTemplateChannel,
    alertmanagerWebhookChannel,
    opsgenieChannel,
    victoropsChannel,
    squadcastChannel,
    grafanaOncallChannel,
    rocketchatChannel,
    zulipChannel,
    matrixChannel,
    webexChannel,
    ntfyChannel,
    pushoverChannel,
    gotifyChannel,
    twilioSmsChannel,
    snsChannel,
    teamsChannel,
    discordChannel,
    telegramChannel,
    googleChatChannel,
    mattermostChannel,
  ]);
}
