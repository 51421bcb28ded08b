import { z } from 'zod';
import { handle, route, valid, type App } from '../http/route-kit.js';
import type { TokenService } from '../tokens/token-service.js';
import type { ApplyRequest, ConfigApplyService } from './config-apply-service.js';

const tags = ['config'];

export function registerConfigRoutes(app: App, tokens: TokenService, config: ConfigApplyService): void {
  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/config/apply',
      scope: 'admin',
      summary: 'Plan and apply a config document (dryRun only plans; prune deletes what the document leaves out)',
      tags,
      body: z
        .object({
          config: z.record(z.string(), z.unknown()),
          refs: z.record(z.string(), z.string()).optional(),
          dryRun: z.boolean().optional(),
          prune: z.boolean().optional(),
        })
        .strict(),
    }),
    async (c) => c.json(await config.apply(valid<ApplyRequest>(c, 'json'))),
  );
  handle(app, route(tokens, { method: 'get', path: '/api/config/export', scope: 'read', summary: 'The current state as a config document (secrets redacted)', tags }), async (c) =>
    c.json({ config: await config.export() }),
  );
}
