/**
 * The log ingest edge on a real socket for route tests: the real routes and auth (API tokens in a real SQLite
 * database), a real LogPipeline whose appender keeps events in an array and can be told to refuse (backpressure),
 * and counters that keep what the pipeline counted.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { LogEvent, LogGroupSpec } from '@tocsin/protocol';
import type { AppContext } from '../app-module.js';
import { type LogIngestSettings, logIngestDefaults, type Settings } from '../config/settings.js';
import { FakeClock } from '../core/clock.js';
import { silentLogger } from '../core/logger.js';
import { createHttpApp } from '../http/http-app.js';
import { type LogIngestModule, logIngestModule } from '../logs/log-ingest-module.js';
import { type DropReason, type LogAppender, LogPipeline, type PipelineCounters } from '../logs/log-pipeline.js';
import { TokenService } from '../tokens/token-service.js';
import { testDatabases } from './test-databases.js';

/** Keeps appended events; refuses the next `refuse` admits with `retryAfterSeconds`. */
export class ArrayAppender implements LogAppender {
  readonly events: LogEvent[] = [];
  refuse = 0;
  retryAfterSeconds = 2;
  admit(): { ok: true } | { ok: false; retryAfterSeconds: number } {
    if (this.refuse > 0) {
      this.refuse--;
      return { ok: false, retryAfterSeconds: this.retryAfterSeconds };
    }
    return { ok: true };
  }
  append(events: readonly LogEvent[]): void {
    this.events.push(...events);
  }
}

export class RecordingCounters implements PipelineCounters {
  readonly droppedBy: Partial<Record<DropReason, number>> = {};
  ingestedLines = 0;
  ingested(_format: string, n: number): void {
    this.ingestedLines += n;
  }
  dropped(reason: DropReason, n: number): void {
    this.droppedBy[reason] = (this.droppedBy[reason] ?? 0) + n;
  }
  stageFailed(): void {}
}

export interface IngestHarness {
  url: string;
  appender: ArrayAppender;
  counters: RecordingCounters;
  clock: FakeClock;
  groups: LogGroupSpec[];
  module: LogIngestModule;
  tokens: { ingest: string; read: string; service: TokenService };
  close(): Promise<void>;
}

export async function startIngestHarness(overrides: Partial<LogIngestSettings> = {}): Promise<IngestHarness> {
  const sqlite = (await testDatabases()).find((d) => d.name === 'sqlite')!;
  const db = await sqlite.create();
  const clock = new FakeClock(Date.UTC(2026, 11, 2, 12));
  const service = new TokenService(db.handle.db, clock);
  const ingest = (await service.create('shipper', 'ingest')).token;
  const read = (await service.create('reader', 'read')).token;
  const appender = new ArrayAppender();
  const counters = new RecordingCounters();
  const pipeline = new LogPipeline(appender, counters);
  const groups: LogGroupSpec[] = [];
  const settings = { logIngest: { ...logIngestDefaults, ...overrides } } as Settings;
  // The module reads only these parts of the context.
  const ctx = { settings, clock, logger: silentLogger, tokens: service } as unknown as AppContext;
  const module = logIngestModule(ctx, { pipeline, groupSpecs: () => groups });
  const app = createHttpApp(silentLogger, (a) => module.routes?.(a));
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    appender,
    counters,
    clock,
    groups,
    module,
    tokens: { ingest, read, service },
    async close() {
      await module.close?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.dispose();
    },
  };
}
