import { z } from 'zod';

/**
 * Where objects live in S3-compatible storage: AWS S3, MinIO, Ceph, R2. With no keys, credentials come from
 * the usual AWS chain (environment, shared files and `profile`, instance or container roles); keys given here
 * should be `${VAR}` references, never literals in a committed file.
 */
export const s3LocationSchema = z
  .object({
    bucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, '3 to 63 lower-case letters, digits, dots and hyphens'),
    /** Keys start with this (no leading slash); empty by default. */
    prefix: z
      .string()
      .max(512)
      .refine((p) => !p.startsWith('/'), 'a prefix does not start with /')
      .default(''),
    /** Another S3-compatible service: https://minio.internal:9000. AWS when absent. */
    endpoint: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }).optional(),
    region: z.string().min(1).max(64).default('us-east-1'),
    /** Path-style addressing (endpoint/bucket/key), which most self-hosted services need; "true" from `${VAR}`. */
    pathStyle: z.union([z.boolean(), z.stringbool()]).default(false),
    accessKeyId: z.string().min(1).optional(),
    secretAccessKey: z.string().min(1).optional(),
    sessionToken: z.string().min(1).optional(),
    /** A profile of the shared AWS config and credentials files. */
    profile: z.string().min(1).optional(),
  })
  .strict()
  .refine((s) => !s.accessKeyId === !s.secretAccessKey, {
    message: 'accessKeyId and secretAccessKey go together',
    path: ['secretAccessKey'],
  });

export type S3Location = z.infer<typeof s3LocationSchema>;
export type S3LocationInput = z.input<typeof s3LocationSchema>;
