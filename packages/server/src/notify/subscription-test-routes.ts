import { z } from 'zod';
import { handle, route, type App } from '../http/route-kit.js';
import type { TokenService } from '../tokens/token-service.js';
import type { SubscriptionTestService } from './subscription-test-service.js';

const subParams = z.object({ name: z.string(), subscription: z.string() });
const answer = z.object({
  event: z.record(z.string(), z.unknown()).describe('the test event (kind "test")'),
  delivery: z.object({ id: z.string().describe('follow it with GET /api/deliveries/{id}') }),
});

export function registerSubscriptionTestRoutes(app: App, tokens: TokenService, tests: SubscriptionTestService): void {
  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/topics/{name}/subscriptions/{subscription}/test',
      scope: 'write',
      summary:
        'Send a test notification to this subscription only ' +
        '(through the outbox; its filter and grouping do not apply); 409 unless confirmed',
      tags: ['topics'],
      params: subParams,
      response: { status: 202, schema: answer },
    }),
    async (c) => {
      const p = c.req.valid('param');
      const { event, deliveryId } = await tests.send(p.name, p.subscription);
      return c.json({ event, delivery: { id: deliveryId } }, 202);
    },
  );
}
