/**
 * Every channel's definition, in the order the UI offers them. A new channel: its file in this folder and one line in
 * `channelDefinitions`.
 */
import { z } from 'zod';
import { alertmanagerWebhookChannel } from './alertmanager-webhook.js';
import type { ChannelDefinition } from './channel-definition.js';
import { REDACTED } from './subscription-common.js';
import { datadogChannel } from './datadog.js';
import { datadogLogsChannel } from './datadog-logs.js';
import { discordChannel } from './discord.js';
import { emailChannel } from './email.js';
import { httpTemplateChannel } from './http-template.js';
import { grafanaOncallChannel } from './grafana-oncall.js';
import { lokiChannel } from './loki.js';
import { opsgenieChannel } from './opsgenie.js';
import { matrixChannel } from './matrix.js';
import { googleChatChannel } from './google-chat.js';
import { mattermostChannel } from './mattermost.js';
import { pagerdutyChannel } from './pagerduty.js';
import { rocketchatChannel } from './rocketchat.js';
import { slackChannel } from './slack.js';
import { squadcastChannel } from './squadcast.js';
import { victoropsChannel } from './victorops.js';
import { webexChannel } from './webex.js';
import { gotifyChannel } from './gotify.js';
import { ntfyChannel } from './ntfy.js';
import { pushoverChannel } from './pushover.js';
import { snsChannel } from './sns.js';
import { twilioSmsChannel } from './twilio-sms.js';
import { teamsChannel } from './teams.js';
import { telegramChannel } from './telegram.js';
import { webhookChannel } from './webhook.js';
import { zulipChannel } from './zulip.js';

export * from './channel-definition.js';
export * from './subscription-common.js';
export { httpTemplateChannel, httpTemplateMethods } from './http-template.js';

export const channelDefinitions = [
  emailChannel,
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
] as const;

type Definitions = typeof channelDefinitions;
export type Protocol = Definitions[number]['protocol'];

export const protocols = channelDefinitions.map((d) => d.protocol) as readonly Protocol[];

/** The definitions' schemas as a tuple (a mapped type over a type parameter keeps the tuple). */
type SchemasOf<T extends readonly { schema: unknown }[]> = {
  -readonly [K in keyof T]: T[K] extends { schema: infer S } ? S : never;
};

/**
 * A secret field also takes the redaction marker, as an export prints it: the server puts the stored value in its
 * place, or refuses it naming the field when none is stored. Without this, a secret with a format (a webhook URL, a
 * bot token) made an export fail its own schema when applied back.
 */
function redactable(field: z.ZodType): z.ZodType {
  if (field instanceof z.ZodOptional) return z.union([z.literal(REDACTED), field.unwrap() as z.ZodType]).optional();
  return z.union([z.literal(REDACTED), field]);
}

function withRedactableSecrets(d: ChannelDefinition): z.ZodType {
  const schema = d.schema as z.ZodObject;
  const patch = Object.fromEntries(
    d.secrets.filter((f) => schema.shape[f] !== undefined).map((f) => [f, redactable(schema.shape[f] as z.ZodType)]),
  );
  return schema.safeExtend(patch);
}

const schemas = channelDefinitions.map(withRedactableSecrets) as unknown as SchemasOf<Definitions>;

export const subscriptionInputSchema = z.discriminatedUnion('protocol', schemas);

export type SubscriptionInput = z.input<typeof subscriptionInputSchema>;
export type SubscriptionSpec = z.infer<typeof subscriptionInputSchema>;

/** Fields that hold credentials: never printed back by the API or `tocsin export`. */
export const secretFields = Object.fromEntries(channelDefinitions.map((d) => [d.protocol, d.secrets])) as Record<
  Protocol,
  readonly string[]
>;

/** A protocol's definition (its label, schema, secrets and form fields). */
export function channelDefinition(protocol: Protocol): ChannelDefinition {
  return channelDefinitions.find((d) => d.protocol === protocol)!;
}
