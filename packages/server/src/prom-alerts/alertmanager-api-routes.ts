/**
 * Alertmanager's API v2, the part that senders use: `POST /api/v2/alerts` (Prometheus, vmalert, the Loki and
 * Grafana rulers post `postableAlerts` to it; answered 200 with an empty body, as Alertmanager does),
 * `GET /api/v2/alerts` (the firing alerts held, as `gettableAlerts`) and `GET /api/v2/status` (for tools that
 * check an Alertmanager before using it). A token with the `ingest` or `write` scope, as a bearer token or as
 * the basic auth password (Prometheus's `alertmanagers` config has `authorization` and `basic_auth`); the reads
 * take a `read` token.
 */
import { postableAlertSchema, postableAlertsSchema } from '@tocsin/protocol';
import { fieldIssuesOf, invalid } from '../core/errors.js';
import { version } from '../core/version.js';
import { handle, route, type App } from '../http/route-kit.js';
import type { TokenService } from '../tokens/token-service.js';
import type { AlertService } from './alert-service.js';

const tags = ['alerts'];

export interface AlertmanagerApiDeps {
  tokens: TokenService;
  alerts: AlertService;
  startedAt: number;
  nodeId: string;
}

export function registerAlertmanagerApiRoutes(app: App, deps: AlertmanagerApiDeps): void {
  handle(
    app,
    route(deps.tokens, {
      method: 'post',
      path: '/api/v2/alerts',
      scope: 'ingest',
      orScope: 'write',
      basicAuth: true,
      summary:
        "Alerts in Alertmanager's API v2 shape (a JSON array of postableAlert), routed to topics by alert_routes",
      tags,
      body: postableAlertSchema.describe('one alert; send a JSON array of them, as Prometheus does'),
      bodyCheckedByHandler: true,
      response: { description: 'Taken (an empty body, as Alertmanager answers)', contentType: 'text/plain' },
    }),
    async (c) => {
      const parsed = postableAlertsSchema.safeParse(await c.req.json());
      if (!parsed.success) throw invalid(fieldIssuesOf(parsed.error.issues, 'alerts'));
      await deps.alerts.receive(parsed.data);
      return c.body(null, 200);
    },
  );
  handle(
    app,
    route(deps.tokens, {
      method: 'get',
      path: '/api/v2/alerts',
      scope: 'read',
      basicAuth: true,
      summary: 'The firing alerts held, as Alertmanager lists them (gettableAlerts); receivers are the routes',
      tags,
    }),
    async (c) => {
      const rows = await deps.alerts.firing();
      return c.json(
        rows.map((r) => ({
          labels: r.labels,
          annotations: r.annotations,
          startsAt: new Date(r.startsAt).toISOString(),
          endsAt: new Date(r.endsAt).toISOString(),
          updatedAt: new Date(r.updatedAt).toISOString(),
          fingerprint: r.fingerprint,
          receivers: [{ name: r.route }],
          status: { state: r.sentAt === null ? 'unprocessed' : 'active', silencedBy: [], inhibitedBy: [] },
          ...(r.generatorUrl ? { generatorURL: r.generatorUrl } : {}),
        })),
      );
    },
  );
  handle(
    app,
    route(deps.tokens, {
      method: 'get',
      path: '/api/v2/status',
      scope: 'read',
      basicAuth: true,
      summary: "Alertmanager's status answer, for senders that check it: ready, one peer (this node), no config",
      tags,
    }),
    (c) =>
      c.json({
        cluster: { name: deps.nodeId, status: 'ready', peers: [{ name: deps.nodeId, address: '' }] },
        versionInfo: { version: `tocsin-${version}`, branch: '', revision: '', buildUser: '', buildDate: '' },
        config: { original: '' },
        uptime: new Date(deps.startedAt).toISOString(),
      }),
  );
}
