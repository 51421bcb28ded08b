import { z } from 'zod';
import { topicInputSchema } from './topic.js';

/**
 * The config file: one section per resource. Later capabilities add their
 * sections here (monitors, heartbeats, alarms, groups, …).
 */
export const configFileSchema = z
  .object({
    version: z.literal(1).optional(),
    topics: z.array(topicInputSchema).optional(),
  })
  .strict();

export type ConfigFile = z.infer<typeof configFileSchema>;
