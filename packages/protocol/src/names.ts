import { z } from 'zod';

export const nameSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'use letters, digits, dot, dash and underscore, starting with a letter or digit',
  );

export const tagsSchema = z.record(z.string().min(1).max(64), z.string().max(256));
