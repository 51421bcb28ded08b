/**
 * Prometheus alerts in: Alertmanager's API v2 for senders (alertmanager-api-routes.ts), the `alert_routes:`
 * section that routes alerts to topics (alert-route-service.ts), and the alerts held by fingerprint with their
 * notifications (alert-service.ts), flushed each second by one node.
 */
import type { AppContext, AppModule } from '../app-module.js';
import type { TopicReferrer } from '../notify/topic-service.js';
import { registerAlertRouteRoutes } from './alert-route-routes.js';
import { alertRouteConfigSection } from './alert-route-config.js';
import { ALERT_ROUTES_TOPIC, AlertRouteService } from './alert-route-service.js';
import { AlertService } from './alert-service.js';
import { pruneResolved } from './alert-store.js';
import { registerAlertmanagerApiRoutes } from './alertmanager-api-routes.js';

export const ALERTS_FLUSH_JOB = 'prom-alerts-flush';
const FLUSH_EVERY_MS = 1000;
/** Resolved alerts are kept this long (a new occurrence within it reuses the row). */
const KEEP_RESOLVED_MS = 7 * 86_400_000;

export interface PromAlertsModule extends AppModule {
  alertRoutes: AlertRouteService;
  alerts: AlertService;
  /** Refuses to delete a topic an alert route names. */
  topicReferrer: TopicReferrer;
}

export function promAlertsModule(ctx: AppContext): PromAlertsModule {
  const routes = new AlertRouteService(ctx.db, ctx.cluster.changes, ctx.topicNames);
  const alerts = new AlertService(ctx.db, ctx.clock, routes, ctx.publisher);
  const startedAt = ctx.clock.now();
  ctx.cluster.changes.on(ALERT_ROUTES_TOPIC, { changed: (n) => routes.changed(n), resync: () => routes.load() });
  ctx.every({ name: ALERTS_FLUSH_JOB, everyMs: FLUSH_EVERY_MS, run: () => alerts.flush() });
  return {
    name: 'prom-alerts',
    alertRoutes: routes,
    alerts,
    topicReferrer: { section: 'alert_routes', namesOf: (topic) => routes.namingTopic(topic) },
    configSections: [alertRouteConfigSection(routes, ctx.topicNames)],
    retention: [{ domain: 'prom-alerts', prune: (now) => pruneResolved(ctx.db, now - KEEP_RESOLVED_MS) }],
    routes(app) {
      registerAlertRouteRoutes(app, ctx.tokens, routes);
      registerAlertmanagerApiRoutes(app, { tokens: ctx.tokens, alerts, startedAt, nodeId: ctx.nodeId });
    },
    load: () => routes.load(),
  };
}
