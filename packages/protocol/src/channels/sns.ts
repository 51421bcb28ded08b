import { z } from 'zod';
import { defineChannel } from './channel-definition.js';
import { common, grouping, httpUrlSchema } from './subscription-common.js';

/** `arn:aws:sns:eu-west-1:123456789012:alerts` (a FIFO topic's name ends in `.fifo`). */
const topicArnSchema = z
  .string()
  .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/, 'an SNS topic ARN');

/**
 * Amazon SNS. Credentials as for the archive's S3 destinations: with no keys, the usual AWS chain (environment,
 * shared files and `profile`, instance or container roles); keys given here should be `${VAR}` references.
 */
export const snsChannel = defineChannel({
  protocol: 'sns',
  label: 'Amazon SNS',
  schema: z
    .object({
      protocol: z.literal('sns'),
      topicArn: topicArnSchema,
      /** The topic's region when absent. */
      region: z
        .string()
        .regex(/^[a-z]{2}(-[a-z]+)+-[0-9]$/, 'an AWS region: eu-west-1')
        .optional(),
      /** The message: a text for people (e-mail, SMS subscribers) or the event as JSON (queues, functions). */
      format: z.enum(['text', 'json']).default('text'),
      /** Another SNS-compatible endpoint (LocalStack, a VPC endpoint). */
      endpoint: httpUrlSchema.optional(),
      accessKeyId: z.string().min(1).optional(),
      secretAccessKey: z.string().min(1).optional(),
      sessionToken: z.string().min(1).optional(),
      /** A profile of the shared AWS config and credentials files. */
      profile: z.string().min(1).optional(),
      ...common,
      ...grouping,
    })
    .strict()
    .refine((s) => !s.accessKeyId === !s.secretAccessKey, {
      message: 'accessKeyId and secretAccessKey go together',
      path: ['secretAccessKey'],
    }),
  secrets: ['secretAccessKey', 'sessionToken'],
  fields: [
    {
      name: 'topicArn',
      label: 'Topic ARN',
      kind: 'text',
      required: true,
      placeholder: 'arn:aws:sns:eu-west-1:123456789012:alerts',
    },
    { name: 'region', label: 'Region', kind: 'text', hint: 'The topic’s region when empty.' },
    { name: 'format', label: 'Message', kind: 'select', options: ['text', 'json'], hint: 'json: the event itself.' },
    { name: 'accessKeyId', label: 'Access key id', kind: 'text', hint: 'The AWS credential chain when empty.' },
    { name: 'secretAccessKey', label: 'Secret access key', kind: 'password' },
    { name: 'sessionToken', label: 'Session token', kind: 'password' },
    { name: 'profile', label: 'Profile', kind: 'text', hint: 'A profile of the shared AWS files.' },
    { name: 'endpoint', label: 'Endpoint', kind: 'url', hint: 'Another SNS-compatible service.' },
  ],
});
