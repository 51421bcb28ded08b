import { z } from 'zod';
import { defineChannel } from './channel-definition.js';
import { common, grouping, httpUrlSchema } from './subscription-common.js';

/** Label names as Loki takes them (Prometheus's). */
const lokiLabelsSchema = z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'a Loki label name'), z.string().min(1));

/** Pushes events as log lines to Loki (`{endpoint}/loki/api/v1/push`). */
export const lokiChannel = defineChannel({
  protocol: 'loki',
  label: 'Grafana Loki',
  schema: z
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
    }),
  secrets: ['password', 'bearerToken'],
  fields: [
    { name: 'endpoint', label: 'Loki URL', kind: 'url', required: true, placeholder: 'http://loki:3100' },
    { name: 'labels', label: 'Labels', kind: 'pairs', hint: 'One a line: name: value', rows: 2 },
    { name: 'tenant', label: 'Tenant (X-Scope-OrgID)', kind: 'text' },
    { name: 'username', label: 'User name', kind: 'text', hint: 'Basic auth (Grafana Cloud: the user id).' },
    { name: 'password', label: 'Password', kind: 'password' },
    { name: 'bearerToken', label: 'Bearer token', kind: 'password', hint: 'Instead of basic auth.' },
  ],
});
