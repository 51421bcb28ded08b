import { z } from 'zod';
import { subscriptionInputSchema } from './channels/index.js';
import { nameSchema, tagsSchema } from './names.js';

export * from './channels/index.js';
export { nameSchema, tagsSchema };

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
