import { z } from 'zod';
import type { AppContext, AppModule } from '../app-module.js';
import { handle, route } from '../http/route-kit.js';

const nodeSchema = z.object({
  id: z.string(),
  address: z.string(),
  version: z.string(),
  startedAt: z.string(),
  lastSeenAt: z.string(),
  state: z.enum(['alive', 'dead', 'stopped']),
  self: z.boolean(),
  partitions: z.number(),
  owns: z.record(z.string(), z.number()),
  lagP99Ms: z.number().nullable(),
});

const statusSchema = z.object({
  mode: z.enum(['single', 'cluster']),
  self: z.string(),
  partitions: z.number(),
  leaseTimeoutMs: z.number(),
  nodeTimeoutMs: z.number(),
  renewIntervalMs: z.number(),
  nodes: z.array(nodeSchema),
});

/** Membership and leases (cluster.ts): `GET /api/cluster`, and the leases freed at close. */
export function clusterModule(ctx: AppContext): AppModule {
  const { cluster } = ctx;
  return {
    name: 'cluster',
    routes(app) {
      handle(
        app,
        route(ctx.tokens, {
          method: 'get',
          path: '/api/cluster',
          scope: 'read',
          summary: 'The nodes sharing the work: state, version, partitions and keys each owns, scheduler lag',
          tags: ['system'],
          response: { schema: statusSchema },
        }),
        async (c) => c.json(await cluster.status()),
      );
    },
    close: () => cluster.stop(),
  };
}
