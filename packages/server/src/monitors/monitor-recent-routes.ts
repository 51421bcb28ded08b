import { z } from 'zod';
import type { Clock } from '../core/clock.js';
import { handle, route, type App } from '../http/route-kit.js';
import { SharedAnswer } from '../http/shared-answer.js';
import type { TokenService } from '../tokens/token-service.js';
import type { MonitorService } from './monitor-service.js';
import { RECENT_RESULTS, type RecentResults } from './recent-results.js';

const series = z.object({
  latencyMs: z.array(z.number()),
  up: z.array(z.boolean()),
  lastAt: z.string().nullable(),
});
const recentSchema = z.object({ keep: z.number(), monitors: z.record(z.string(), series) });

/**
 * Every open monitor list reads this answer (megabytes at 10,000 monitors) on a timer: it is built at most this
 * often and sent to all as the same bytes, compressed once (bench/ui).
 */
export const RECENT_SHARED_MS = 5_000;

/**
 * `GET /api/monitors-recent`: every monitor's last checks (latencies and up/down, oldest first) for the list's
 * sparklines and uptime bars, in one answer from memory, at most RECENT_SHARED_MS old. A path of its own, beside
 * `/api/monitors/{name}`, so that no monitor's name is shadowed.
 */
export function registerRecentRoutes(
  app: App,
  tokens: TokenService,
  monitors: MonitorService,
  recent: RecentResults,
  clock: Clock,
): void {
  const shared = new SharedAnswer(clock, RECENT_SHARED_MS, () => {
    const out: Record<string, z.infer<typeof series>> = {};
    for (const e of monitors.entries()) {
      const s = recent.of(e.monitor.name);
      out[e.monitor.name] = {
        latencyMs: s.latencyMs,
        up: s.up,
        lastAt: s.lastAt === null ? null : new Date(s.lastAt).toISOString(),
      };
    }
    return { keep: RECENT_RESULTS, monitors: out };
  });
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/monitors-recent',
      scope: 'read',
      summary: `Every monitor's last ${RECENT_RESULTS} checks (latency, up/down), oldest first, from memory`,
      tags: ['monitors'],
      response: { schema: recentSchema },
    }),
    (c) => shared.send(c),
  );
}
