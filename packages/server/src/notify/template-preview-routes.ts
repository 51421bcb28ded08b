import { eventInputSchema, httpTemplateChannel, httpTemplateMethods } from '@tocsin/protocol';
import { z } from 'zod';
import { handle, route, type App } from '../http/route-kit.js';
import type { TokenService } from '../tokens/token-service.js';
import type { TemplatePreviewService } from './template-preview-service.js';

const body = z
  .object({
    subscription: httpTemplateChannel.schema.describe('the http_template subscription, as it would be saved'),
    event: eventInputSchema.optional().describe('the event to render; a monitor.down sample when left out'),
  })
  .strict();

const answer = z.object({
  method: z.enum(httpTemplateMethods),
  url: z.string(),
  headers: z.record(z.string(), z.string()).describe("the subscription's own headers redacted"),
  body: z.string(),
  event: z.record(z.string(), z.unknown()).describe('the event rendered'),
});

export function registerTemplatePreviewRoutes(app: App, tokens: TokenService, previews: TemplatePreviewService): void {
  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/channels/http_template/preview',
      scope: 'write',
      summary: 'Render a templated webhook for a sample event (or the one given), without sending it',
      tags: ['topics'],
      body,
      response: { status: 200, schema: answer },
    }),
    async (c) => {
      const { subscription, event } = c.req.valid('json');
      return c.json(await previews.preview(subscription, event), 200);
    },
  );
}
