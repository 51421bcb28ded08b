import type { Kysely } from 'kysely';
import type { AppModule, BaseContext } from '../app-module.js';
import type { Database } from '../db/db-schema.js';
import type { LiveChange } from '../live/live-hub.js';
import type { TokenService } from '../tokens/token-service.js';
import { createChannelRegistry, type ChannelRegistry } from './channels/channel-registry.js';
import { closeHttpAgents } from './channels/http-sender.js';
import { registerDeliveryRoutes } from './delivery-routes.js';
import { DeliveryService } from './delivery-service.js';
import { OutboxWorker, type OutboxOptions } from './outbox-worker.js';
import { clearLeases, outboxStats, pruneOutbox } from './outbox-store.js';
import { PublishService } from './publish-service.js';
import { SharedRateLimiter } from './shared-rate-limiter.js';
import { registerSubscriptionTestRoutes } from './subscription-test-routes.js';
import { SubscriptionTestService } from './subscription-test-service.js';
import { registerTemplatePreviewRoutes } from './template-preview-routes.js';
import { TemplatePreviewService } from './template-preview-service.js';
import { listTopics } from './topic-store.js';

export interface NotifyModule extends AppModule {
  outbox: OutboxWorker;
  publisher: PublishService;
  deliveries: DeliveryService;
  /** Wakes the outbox worker after a commit that queued deliveries. */
  wake: () => void;
}

export interface NotifyOptions {
  tokens: TokenService;
  channels?: ChannelRegistry;
  outbox?: Partial<OutboxOptions>;
}

/** The names of the topics that exist. */
export async function topicNamesOf(q: Kysely<Database>): Promise<Set<string>> {
  return new Set((await listTopics(q)).map((t) => t.name));
}

/** The outbox side of notify: publishing, the outbox worker and its channels, deliveries and subscription tests. */
export function notifyModule(ctx: BaseContext, options: NotifyOptions): NotifyModule {
  const { db, clock, settings, telemetry } = ctx;
  const channels =
    options.channels ?? createChannelRegistry({ smtpUrl: settings.smtpUrl, mailFrom: settings.mailFrom });
  const links = {
    unsubscribe: (sub: { unsubscribeToken: string }) => `${ctx.publicUrl()}/unsubscribe/${sub.unsubscribeToken}`,
    confirm: (token: string) => `${ctx.publicUrl()}/confirm/${token}`,
  };
  const logger = ctx.logger.child({ component: 'outbox' });
  // On PostgreSQL several nodes may send to one destination: its rate is shared through the database.
  const shared = ctx.handle.dialect === 'postgres' ? new SharedRateLimiter(db, 'postgres') : undefined;
  const outboxOptions = {
    nodeId: ctx.nodeId,
    limiter: shared,
    live: (change: LiveChange) => ctx.live.emit(change),
    ...options.outbox,
  };
  const outbox = new OutboxWorker(db, clock, ctx.scheduler, channels, links, logger, telemetry, outboxOptions);
  const wake = () => outbox.wake();
  const publisher = new PublishService(db, clock, wake);
  const deliveries = new DeliveryService(db, clock, wake);
  const tests = new SubscriptionTestService(db, clock, wake);
  const previews = new TemplatePreviewService(clock, ctx.publicUrl);

  telemetry.gauge('tocsin_deliveries', 'Deliveries in the outbox by status.', async () => {
    const s = await outboxStats(db);
    return Object.entries(s.byStatus).map(([status, value]) => ({ labels: { status }, value }));
  });
  const oldestHelp = 'Age of the oldest delivery not yet sent (0 when none).';
  telemetry.gauge('tocsin_outbox_oldest_pending_seconds', oldestHelp, async () => {
    const s = await outboxStats(db);
    return [{ value: s.oldestPendingAt === null ? 0 : Math.max(0, (clock.now() - s.oldestPendingAt) / 1000) }];
  });

  return {
    name: 'notify',
    outbox,
    publisher,
    deliveries,
    wake,
    routes(app) {
      registerSubscriptionTestRoutes(app, options.tokens, tests);
      registerDeliveryRoutes(app, options.tokens, deliveries);
      registerTemplatePreviewRoutes(app, options.tokens, previews);
    },
    retention: [
      {
        domain: 'deliveries',
        async prune(now) {
          const pruned = await pruneOutbox(db, now - settings.retention.delivered, now - settings.retention.dead);
          if (pruned.deliveries || pruned.events) ctx.logger.info('pruned the outbox', pruned);
        },
      },
      // Buckets of destinations no longer sent to (idle an hour, full again).
      ...(shared ? [{ domain: 'rate-buckets', prune: (now: number) => shared.prune(now).then(() => {}) }] : []),
    ],
    async load() {
      // One process owns a SQLite file: leases left by a crashed run are void.
      if (ctx.handle.dialect === 'sqlite') await clearLeases(db);
    },
    start: () => outbox.start(),
    async close() {
      await outbox.stop();
      await channels.close();
      closeHttpAgents();
    },
  };
}
