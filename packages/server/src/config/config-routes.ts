import { z } from 'zod';
import { handle, route, type App } from '../http/route-kit.js';
import { TocsinError } from '../core/errors.js';
import { scopeAllows, type TokenService } from '../tokens/token-service.js';
import type { ConfigApplyService } from './config-apply-service.js';

const tags = ['config'];

export function registerConfigRoutes(app: App, tokens: TokenService, config: ConfigApplyService): void {
  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/config/apply',
      scope: 'write',
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
    async (c) => c.json(await config.apply(c.req.valid('json'))),
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/config/export',
      scope: 'read',
      summary:
        'The current state as a config document ' +
        '(secrets redacted; includeSecrets=true, admin only: a backup that holds them)',
      tags,
      query: z.object({ includeSecrets: z.enum(['true', 'false']).optional() }),
    }),
    async (c) => {
      const includeSecrets = c.req.valid('query').includeSecrets === 'true';
      const scope = c.get('principal')?.scope;
      if (includeSecrets && (!scope || !scopeAllows(scope, 'admin'))) {
        throw new TocsinError(
          'forbidden',
          `includeSecrets needs a token with the 'admin' scope; this token has '${scope}'`,
        );
      }
      return c.json({ config: await config.export({ includeSecrets }) });
    },
  );
}
