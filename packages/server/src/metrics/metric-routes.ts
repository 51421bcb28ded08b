import { z } from 'zod';
import { putMetricDataSchema, statisticSchema } from '@tocsin/protocol';
import { TocsinError } from '../core/errors.js';
import { handle, route, type App } from '../http/route-kit.js';
import type { TokenService } from '../tokens/token-service.js';
import type { MetricService } from './metric-service.js';
import { metricsOf, namespacesOf } from './metric-catalog.js';
import { registerOtlpRoutes } from './otlp-routes.js';

const tags = ['metrics'];

export function registerMetricRoutes(app: App, tokens: TokenService, metrics: MetricService, now: () => number): void {
  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/metrics',
      scope: 'ingest',
      summary: "Put datapoints (CloudWatch's PutMetricData shape); answered once stored",
      tags,
      body: putMetricDataSchema,
      bodyCheckedByHandler: true,
      response: { status: 202 },
    }),
    async (c) => c.json({ accepted: await metrics.put(await c.req.json()) }, 202),
  );
  registerOtlpRoutes(app, tokens, metrics);
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/metrics',
      scope: 'read',
      summary: 'List series',
      tags,
      query: z.object({ namespace: z.string().optional() }),
    }),
    async (c) => c.json({ series: await metrics.list(c.req.valid('query').namespace) }),
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/metrics/namespaces',
      scope: 'read',
      summary: 'Namespaces, each with how many metrics and series it holds',
      tags,
    }),
    async (c) => c.json({ namespaces: namespacesOf(await metrics.list()) }),
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/metrics/namespaces/{namespace}',
      scope: 'read',
      summary: "A namespace's metrics, each with its dimension keys and their values",
      tags,
      params: z.object({ namespace: z.string().min(1).max(256) }),
    }),
    async (c) => {
      const namespace = c.req.valid('param').namespace;
      return c.json({ namespace, metrics: metricsOf(await metrics.list(namespace)) });
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/metrics/query',
      scope: 'read',
      summary: 'A statistic per period over a time range',
      tags,
      query: z.object({
        namespace: z.string(),
        name: z.string(),
        dimensions: z.string().optional().describe('JSON object, e.g. {"Monitor":"api"}'),
        statistic: statisticSchema,
        period: z.coerce.number().int().min(10).describe('seconds'),
        from: z.iso.datetime({ offset: true }).optional(),
        to: z.iso.datetime({ offset: true }).optional(),
      }),
    }),
    async (c) => {
      const q = c.req.valid('query');
      let dimensions: Record<string, string> = {};
      try {
        dimensions = q.dimensions ? JSON.parse(q.dimensions) : {};
      } catch {
        throw new TocsinError('validation_failed', 'dimensions: a JSON object such as {"Monitor":"api"}', {
          issues: [{ path: 'dimensions', message: 'a JSON object' }],
        });
      }
      const periodMs = q.period * 1000;
      const to = q.to ? Date.parse(q.to) : Math.floor(now() / periodMs) * periodMs;
      const from = q.from ? Date.parse(q.from) : to - 60 * periodMs;
      const n = Math.ceil((to - from) / periodMs);
      if (n < 1 || n > 10_000)
        throw new TocsinError('validation_failed', 'from: the range must hold 1 to 10,000 periods', {
          issues: [{ path: 'from', message: 'range too long or empty' }],
        });
      const values = await metrics.periods(
        { namespace: q.namespace, name: q.name, dimensions },
        q.statistic,
        periodMs,
        to,
        n,
      );
      return c.json({
        statistic: q.statistic,
        period: q.period,
        datapoints: values.map((v) => ({ time: new Date(v.start).toISOString(), value: v.value })),
      });
    },
  );
}
