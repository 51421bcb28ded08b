/**
 * The log ingest edge: the HTTP ingest routes (ingest/log-ingest-routes.ts, ingest/aws-ingest-routes.ts) and the
 * syslog listeners (ingest/syslog-listener.ts), all into `core.pipeline` through one LogIngestService (rate
 * limit, group routing, drop counts). Its status part `listeners` shows the syslog listeners.
 */
import type { AppContext, AppModule } from '../app-module.js';
import { logIngestDefaults } from '../config/settings.js';
import { registerAwsIngestRoutes } from './ingest/aws-ingest-routes.js';
import { IngestRateLimit } from './ingest/ingest-rate-limit.js';
import type { IngestRouteDeps } from './ingest/ingest-route-kit.js';
import { LogIngestService } from './ingest/log-ingest-service.js';
import { registerLogIngestRoutes } from './ingest/log-ingest-routes.js';
import { SyslogListeners } from './ingest/syslog-listener.js';
import type { LogsCore, PipelineStatusPart } from './log-pipeline.js';

export interface LogIngestModule extends AppModule {
  service: LogIngestService;
  listeners: SyslogListeners;
  /** For `GET /api/logs/pipeline`: the syslog listeners' state. */
  statusParts: PipelineStatusPart[];
}

export function logIngestModule(ctx: AppContext, core: LogsCore): LogIngestModule {
  const settings = ctx.settings.logIngest ?? logIngestDefaults;
  const rateLimit = new IngestRateLimit(ctx.clock, settings.rateLimit);
  const service = new LogIngestService(core, ctx.clock, rateLimit);
  const deps: IngestRouteDeps = {
    service,
    caps: { maxBytes: settings.maxBodyBytes, maxInflatedBytes: settings.maxInflatedBytes },
    now: () => ctx.clock.now(),
  };
  const listeners = new SyslogListeners(service, ctx.clock, ctx.logger, {
    host: settings.syslogHost,
    tcpPort: settings.syslogTcpPort,
    udpPort: settings.syslogUdpPort,
    group: settings.syslogGroup,
  });
  return {
    name: 'log-ingest',
    service,
    listeners,
    statusParts: [listeners],
    routes(app) {
      registerLogIngestRoutes(app, ctx.tokens, deps);
      registerAwsIngestRoutes(app, ctx.tokens, deps);
    },
    start() {
      listeners.start().catch((err) => ctx.logger.error('syslog listeners failed to start', { err }));
    },
    close: () => listeners.close(),
  };
}
