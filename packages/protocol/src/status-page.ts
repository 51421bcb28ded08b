import { z } from 'zod';
import { nameSchema } from './topic.js';

/** A status page's slug: the last part of `/status/{slug}`. */
export const statusPageSlugSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,62}$/,
    'use 1 to 63 lower-case letters, digits and dashes, starting with a letter or digit',
  );

export const statusPageItemTypes = ['monitor', 'heartbeat', 'group'] as const;

/** One line of a status page: a monitor, heartbeat or group by name, shown under `label` (its name by default). */
export const statusPageItemSchema = z
  .object({
    type: z.enum(statusPageItemTypes),
    name: nameSchema,
    label: z.string().min(1).max(128).optional(),
  })
  .strict();

export type StatusPageItem = z.infer<typeof statusPageItemSchema>;

/** A status page as an API body or a config file's `status_pages` entry. */
export const statusPageInputSchema = z
  .object({
    slug: statusPageSlugSchema,
    title: z.string().min(1).max(200),
    description: z.string().max(4096).optional(),
    /** An absolute http(s) URL of an image, shown beside the title. */
    logoUrl: z
      .url({ protocol: /^https?$/, error: 'an absolute http:// or https:// URL' })
      .max(2048)
      .optional(),
    footer: z.string().max(4096).optional(),
    items: z.array(statusPageItemSchema).max(200).default([]),
  })
  .strict();

export type StatusPageSpec = z.infer<typeof statusPageInputSchema>;

/** For the document of `PUT /api/status-pages/{slug}`: the slug comes from the path. */
export const statusPagePutDocSchema = statusPageInputSchema.extend({ slug: statusPageSlugSchema.optional() });

export const incidentImpacts = ['none', 'minor', 'major', 'critical'] as const;
export const incidentStatuses = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export type IncidentImpact = (typeof incidentImpacts)[number];
export type IncidentStatus = (typeof incidentStatuses)[number];

/** `POST /api/status-pages/{slug}/incidents`: a new incident and its first update. */
export const incidentInputSchema = z
  .object({
    title: z.string().min(1).max(200),
    impact: z.enum(incidentImpacts).default('minor'),
    status: z.enum(incidentStatuses).default('investigating'),
    /** The first update's text. */
    body: z.string().min(1).max(10_000),
  })
  .strict();

export type IncidentInput = z.infer<typeof incidentInputSchema>;

/** `POST …/incidents/{id}/updates`: a status and what is known; `resolved` resolves the incident. */
export const incidentUpdateInputSchema = z
  .object({
    status: z.enum(incidentStatuses),
    body: z.string().min(1).max(10_000),
  })
  .strict();

export type IncidentUpdateInput = z.infer<typeof incidentUpdateInputSchema>;
