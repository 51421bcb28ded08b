import { z } from 'zod';
import { severities } from './event.js';

export const protocols = ['email', 'slack', 'webhook', 'pagerduty', 'datadog', 'datadog_logs', 'loki'] as const;
export type Protocol = (typeof protocols)[number];

export const nameSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'use letters, digits, dot, dash and underscore, starting with a letter or digit',
  );

export const tagsSchema = z.record(z.string().min(1).max(64), z.string().max(256));

/** Which events a subscription receives; every given field must match. */
export const subscriptionFilterSchema = z
  .object({
    /** Event kinds; `monitor.*` matches every kind that starts with `monitor.`. */
    kinds: z.array(z.string().min(1)).min(1).optional(),
    severities: z.array(z.enum(severities)).min(1).optional(),
    sourceTypes: z.array(z.string().min(1)).min(1).optional(),
    /** Every listed tag must be on the event's source with this value. */
    sourceTags: tagsSchema.optional(),
  })
  .strict();

export type SubscriptionFilter = z.infer<typeof subscriptionFilterSchema>;

export const retryPolicySchema = z
  .object({
    maxAttempts: z.number().int().min(1).max(1000).optional(),
    /** How long a delivery may keep retrying, in seconds. */
    maxAgeSeconds: z
      .number()
      .int()
      .min(1)
      .max(30 * 86400)
      .optional(),
  })
  .strict();

/** Extra request headers of a webhook (a subscription's, or an alarm's webhook action). */
export const headersSchema = z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'a header name'), z.string());

/** Signs each webhook request: X-Tocsin-Signature is HMAC-SHA256 over `timestamp.body`. */
export const webhookSecretSchema = z.string().min(8);

/** Subscription names may be e-mail addresses (the default name of an e-mail subscription). */
const subscriptionNameSchema = z
  .string()
  .min(1)
  .max(254)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@+-]*$/, 'use letters, digits and . _ @ + -, starting with a letter or digit');

const common = {
  name: subscriptionNameSchema.optional(),
  filter: subscriptionFilterSchema.optional(),
  retry: retryPolicySchema.optional(),
  /** Deliveries per second to this destination; bursts wait instead of failing. */
  rateLimit: z.number().positive().max(10000).optional(),
};

/**
 * Events of this many seconds reach the subscription as one message listing them all (not for PagerDuty: one
 * incident per dedup key).
 */
const grouping = { groupWindowSeconds: z.number().int().min(1).max(3600).optional() };

export const httpUrlSchema = z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' });

/** Label names as Loki takes them (Prometheus's). */
const lokiLabelsSchema = z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'a Loki label name'), z.string().min(1));

/** Forwards events as log entries to Datadog's logs intake (`{endpoint}/api/v2/logs`). */
const datadogLogsSubscriptionSchema = z
  .object({
    protocol: z.literal('datadog_logs'),
    apiKey: z.string().min(1),
    /** The logs intake of your Datadog site (https://http-intake.logs.datadoghq.eu, …). */
    endpoint: httpUrlSchema.default('https://http-intake.logs.datadoghq.com'),
    /** `ddsource` of every entry. */
    ddsource: z.string().min(1).max(100).default('tocsin'),
    /** `service` of entries whose line names no source. */
    service: z.string().min(1).max(100).optional(),
    /** `hostname` of every entry (this node's id when omitted). */
    hostname: z.string().min(1).max(255).optional(),
    /** Tags added to `ddtags` of every entry. */
    tags: z.record(z.string().min(1).max(100), z.string().max(200)).optional(),
    ...common,
    ...grouping,
  })
  .strict();

/** Pushes events as log lines to Loki (`{endpoint}/loki/api/v1/push`). */
const lokiSubscriptionSchema = z
  .object({
    protocol: z.literal('loki'),
    /** Loki's base URL (`http://loki:3100`), or a gateway's. */
    endpoint: httpUrlSchema,
    /** Labels of every stream, beside `group`, `source`, `level` and `tocsin_origin`. */
    labels: lokiLabelsSchema.optional(),
    /** `X-Scope-OrgID`: the tenant of a multi-tenant Loki. */
    tenant: z.string().min(1).max(150).optional(),
    /** Basic auth (Grafana Cloud: the user id and an access token). */
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    /** `Authorization: Bearer`, instead of basic auth. */
    bearerToken: z.string().min(1).optional(),
    /** gzip the body (Content-Encoding: gzip); Loki takes both. */
    gzip: z.boolean().default(true),
    /** Send each line's attributes as structured metadata (Loki 3; older Lokis refuse it). */
    structuredMetadata: z.boolean().default(false),
    ...common,
    ...grouping,
  })
  .strict()
  .refine((s) => !(s.bearerToken && (s.username || s.password)), {
    error: 'give basic auth (username, password) or bearerToken, not both',
    path: ['bearerToken'],
  })
  .refine((s) => !s.username === !s.password, {
    error: 'basic auth needs both username and password',
    path: ['password'],
  });

export const subscriptionInputSchema = z.discriminatedUnion('protocol', [
  z
    .object({ protocol: z.literal('email'), endpoint: z.email({ error: 'an e-mail address' }), ...common, ...grouping })
    .strict(),
  z
    .object({
      protocol: z.literal('slack'),
      endpoint: httpUrlSchema,
      channel: z.string().optional(),
      ...common,
      ...grouping,
    })
    .strict(),
  z
    .object({
      protocol: z.literal('webhook'),
      endpoint: httpUrlSchema,
      /** Signs each request: X-Tocsin-Signature is HMAC-SHA256 over `timestamp.body`. */
      secret: webhookSecretSchema.optional(),
      headers: headersSchema.optional(),
      ...common,
      ...grouping,
    })
    .strict(),
  z
    .object({
      protocol: z.literal('pagerduty'),
      /** The integration's routing key (Events API v2). */
      routingKey: z.string().min(1),
      endpoint: httpUrlSchema.default('https://events.pagerduty.com/v2/enqueue'),
      ...common,
      // Named here only to refuse it with a reason: a group would merge incidents.
      groupWindowSeconds: z
        .unknown()
        .refine((v) => v === undefined, {
          error: 'PagerDuty cannot group events (each incident has its own dedup key); remove this field',
        })
        .optional(),
    })
    .strict(),
  z
    .object({
      protocol: z.literal('datadog'),
      apiKey: z.string().min(1),
      /** The Events API URL of your Datadog site. */
      endpoint: httpUrlSchema.default('https://api.datadoghq.com/api/v1/events'),
      ...common,
      ...grouping,
    })
    .strict(),
  datadogLogsSubscriptionSchema,
  lokiSubscriptionSchema,
]);

export type SubscriptionInput = z.input<typeof subscriptionInputSchema>;
export type SubscriptionSpec = z.infer<typeof subscriptionInputSchema>;

/** Fields that hold credentials: never printed back by the API or `tocsin export`. */
export const secretFields: Record<Protocol, readonly string[]> = {
  email: [],
  slack: ['endpoint'],
  webhook: ['secret', 'headers'],
  pagerduty: ['routingKey'],
  datadog: ['apiKey'],
  datadog_logs: ['apiKey'],
  loki: ['password', 'bearerToken'],
};

/** What export and the API print in place of a secret; applying it keeps the stored value. */
export const REDACTED = '<redacted>';

export const topicInputSchema = z
  .object({
    name: nameSchema,
    displayName: z.string().max(256).optional(),
    tags: tagsSchema.optional(),
    subscriptions: z.array(subscriptionInputSchema).optional(),
  })
  .strict();

export type TopicInput = z.input<typeof topicInputSchema>;
export type TopicSpec = z.infer<typeof topicInputSchema>;
