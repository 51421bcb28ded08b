/** The pieces every subscription schema shares: its name, filter, retry policy, rate limit and grouping. */
import { z } from 'zod';
import { severities } from '../event.js';
import { tagsSchema } from '../names.js';

/** What export and the API print in place of a secret; applying it keeps the stored value. */
export const REDACTED = '<redacted>';

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

export const httpUrlSchema = z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' });

/** Subscription names may be e-mail addresses (the default name of an e-mail subscription). */
const subscriptionNameSchema = z
  .string()
  .min(1)
  .max(254)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@+-]*$/, 'use letters, digits and . _ @ + -, starting with a letter or digit');

/** The fields of every subscription. */
export const common = {
  name: subscriptionNameSchema.optional(),
  filter: subscriptionFilterSchema.optional(),
  retry: retryPolicySchema.optional(),
  /** Deliveries per second to this destination; bursts wait instead of failing. */
  rateLimit: z.number().positive().max(10000).optional(),
};

/** Events of this many seconds reach the subscription as one message listing them all. */
export const grouping = { groupWindowSeconds: z.number().int().min(1).max(3600).optional() };

/**
 * For channels where one message is one incident (paging): the field is named only to refuse it with a reason, as a
 * group would merge incidents.
 */
export function noGrouping(vendor: string, why = 'each incident has its own key') {
  return {
    groupWindowSeconds: z
      .unknown()
      .refine((v) => v === undefined, { error: `${vendor} cannot group events (${why}); remove this field` })
      .optional(),
  };
}
