import { z } from 'zod';
import { defineChannel } from './channel-definition.js';
import { common, grouping, headersSchema } from './subscription-common.js';

export const httpTemplateMethods = ['POST', 'PUT', 'PATCH', 'GET', 'DELETE'] as const;

/**
 * A request shaped by Liquid templates over the event: any tool with an HTTP API, without code. The templates are
 * parsed by the server when the subscription is saved (a template that does not parse is refused at its line).
 */
export const httpTemplateChannel = defineChannel({
  protocol: 'http_template',
  label: 'Templated webhook (Liquid)',
  schema: z
    .object({
      protocol: z.literal('http_template'),
      method: z.enum(httpTemplateMethods).default('POST'),
      /** A template; it must render to an http:// or https:// URL. */
      url: z.string().min(1).max(4096),
      /** Values are templates. */
      headers: headersSchema.optional(),
      /** The body's template; none sends an empty body. */
      body: z.string().max(65536).optional(),
      contentType: z.string().min(1).max(255).default('application/json'),
      ...common,
      ...grouping,
    })
    .strict()
    .refine((s) => !(s.method === 'GET' && s.body), {
      error: 'a GET request has no body: remove body or use POST',
      path: ['body'],
    }),
  // Headers carry the tokens of the APIs called.
  secrets: ['headers'],
  fields: [
    { name: 'method', label: 'Method', kind: 'select', options: httpTemplateMethods },
    {
      name: 'url',
      label: 'URL',
      kind: 'text',
      required: true,
      placeholder: 'https://api.example.com/alerts/{{ event.source.name }}',
      hint: 'A Liquid template; it must render to an http:// or https:// URL.',
    },
    { name: 'headers', label: 'Headers', kind: 'pairs', hint: 'One a line: Name: value (values are templates)' },
    {
      name: 'body',
      label: 'Body',
      kind: 'textarea',
      rows: 8,
      hint: 'A Liquid template over event, resolved, group, subscription and links; `| json` quotes a value for JSON.',
    },
    { name: 'contentType', label: 'Content type', kind: 'text', placeholder: 'application/json' },
  ],
});
