import { handle, route, type App } from '../../http/route-kit.js';
import type { TokenService } from '../../tokens/token-service.js';
import type { PipelineStatusPart } from '../log-pipeline.js';

/**
 * Every part's status by name. A part whose status throws shows `{ error }` in its place: the page that shows a
 * failing pipeline must not fail with it.
 */
export function pipelineStatus(parts: readonly PipelineStatusPart[]): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const part of parts) {
    try {
      out[part.name] = part.status();
    } catch (err) {
      out[part.name] = { error: err instanceof Error ? err.message : String(err) };
    }
  }
  return out;
}

export function registerPipelineStatusRoutes(
  app: App,
  tokens: TokenService,
  parts: () => readonly PipelineStatusPart[],
): void {
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/logs/pipeline',
      scope: 'read',
      summary: "The log pipeline's health, part by part (ingest, storage, rules, listeners, watchdog, …)",
      tags: ['logs'],
    }),
    (c) => c.json({ parts: pipelineStatus(parts()) }),
  );
}
