import { z } from 'zod';
import { publishInputSchema, subscriptionInputSchema, topicInputSchema } from '@tocsin/protocol';
import { exists, handle, nameParam, namedByPath, putBodyDoc, route, type App } from '../http/route-kit.js';
import type { TokenService } from '../tokens/token-service.js';
import type { PublishService } from './publish-service.js';
import type { TopicService } from './topic-service.js';

const tags = ['topics'];
const subParams = z.object({ name: z.string(), subscription: z.string() });
const pruneQuery = z.object({ prune: z.enum(['true', 'false']).optional() });

export function registerTopicRoutes(
  app: App,
  tokens: TokenService,
  topics: TopicService,
  publisher: PublishService,
): void {
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/topics',
      scope: 'read',
      summary: 'List topics with their subscriptions',
      tags,
    }),
    async (c) => c.json({ topics: await topics.list() }),
  );

  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/topics',
      scope: 'write',
      summary: 'Create a topic',
      tags,
      body: topicInputSchema,
      response: { status: 201 },
    }),
    async (c) => c.json(await topics.create(topics.parseTopic(c.req.valid('json'))), 201),
  );

  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/topics/{name}',
      scope: 'read',
      summary: 'Read a topic',
      tags,
      params: nameParam,
    }),
    async (c) => {
      const { topic, subscriptions } = await topics.get(c.req.valid('param').name);
      return c.json(topics.view(topic, subscriptions));
    },
  );

  handle(
    app,
    route(tokens, {
      method: 'put',
      path: '/api/topics/{name}',
      scope: 'write',
      summary:
        'Create or replace a topic (named by the path); subscriptions not listed are removed only with ?prune=true',
      tags,
      params: nameParam,
      query: pruneQuery,
      body: putBodyDoc(topicInputSchema),
      response: { description: 'Replaced', orCreated: true },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      const prune = c.req.valid('query').prune === 'true';
      const spec = topics.parseTopic(namedByPath(c.req.valid('json'), name));
      if (!(await exists(() => topics.get(name)))) return c.json(await topics.create(spec), 201);
      return c.json(await topics.replace(name, spec, { prune }));
    },
  );

  handle(
    app,
    route(tokens, {
      method: 'delete',
      path: '/api/topics/{name}',
      scope: 'write',
      summary: 'Delete a topic and its subscriptions',
      tags,
      params: nameParam,
      response: { status: 204 },
    }),
    async (c) => {
      await topics.remove(c.req.valid('param').name);
      return c.body(null, 204);
    },
  );

  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/topics/{name}/subscriptions',
      scope: 'write',
      summary: 'Add a subscription (e-mail ones start pending and get a confirmation mail)',
      tags,
      params: nameParam,
      body: subscriptionInputSchema,
      response: { status: 201 },
    }),
    async (c) =>
      c.json(
        await topics.addSubscription(c.req.valid('param').name, topics.parseSubscription(c.req.valid('json'))),
        201,
      ),
  );

  handle(
    app,
    route(tokens, {
      method: 'delete',
      path: '/api/topics/{name}/subscriptions/{subscription}',
      scope: 'write',
      summary: 'Remove a subscription',
      tags,
      params: subParams,
      response: { status: 204 },
    }),
    async (c) => {
      const p = c.req.valid('param');
      await topics.removeSubscription(p.name, p.subscription);
      return c.body(null, 204);
    },
  );

  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/topics/{name}/subscriptions/{subscription}/confirmation',
      scope: 'write',
      summary: 'Send a pending e-mail subscription a new confirmation mail',
      tags,
      params: subParams,
      response: { status: 202 },
    }),
    async (c) => {
      const p = c.req.valid('param');
      await topics.resendConfirmation(p.name, p.subscription);
      return c.json({ queued: true }, 202);
    },
  );

  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/topics/{name}/publish',
      scope: 'ingest',
      summary: 'Publish an event to a topic (kind defaults to "test", as `tocsin publish` does)',
      tags,
      params: nameParam,
      body: publishInputSchema,
      response: { status: 202 },
    }),
    async (c) => {
      const result = await publisher.publish(c.req.valid('param').name, c.req.valid('json'));
      return c.json({ event: result.events[0], deliveries: result.deliveries }, 202);
    },
  );
}
