import { z } from 'zod';
import { subscriptionInputSchema } from './channels/index.js';
import { nameSchema, tagsSchema } from './names.js';

export * from './channels/index.js';
export { nameSchema, tagsSchema };

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
