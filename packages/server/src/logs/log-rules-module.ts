/**
 * Log rules as a resource (`/api/log-rules`, the `log_rules` config
 * section, other nodes told through the change bus) and the route stage
 * that sends matching lines to topics. The rule modules of the other kinds
 * (metric filters, log alarms) read `catalog`.
 */
import type { LogRuleSpec } from '@tocsin/protocol';
import type { AppContext, AppModule } from '../app-module.js';
import type { TopicReferrer } from '../notify/topic-service.js';
import type { LogRuleCatalog, LogsCore, PipelineStatusPart } from './log-pipeline.js';
import { logRuleConfigSection } from './rules/log-rule-config.js';
import { registerLogRuleRoutes, type RuleStats } from './rules/log-rule-routes.js';
import { LOG_RULES_TOPIC, LogRuleService } from './rules/log-rule-service.js';
import { RouteStage, type BatchPublisher } from './rules/route-stage.js';
import type { RouteStats } from './rules/route-throttle.js';

/** How often window ends, breaker cool-downs and the publish queue are looked at. */
export const ROUTE_TICK_MS = 1_000;

export interface LogRulesModule extends AppModule {
  catalog: LogRuleCatalog;
  rules: LogRuleService;
  routeStage: RouteStage;
  /** The `rules` part of `GET /api/logs/pipeline`: per-rule stats. */
  statusPart: PipelineStatusPart;
  /** Log rules that name a topic, so that the topic is not deleted under them (for topicsModule's list). */
  topicReferrer: TopicReferrer;
  /** What the `log-routes` job does each second: window ends, breaker cool-downs, the queue, the counters. */
  tick(now: number): Promise<void>;
  /** Live stats of rules of another kind (a metric filter's, a log alarm's), shown by `/api/log-rules`. */
  addStats(kind: LogRuleSpec['kind'], stats: RuleStats): void;
}

export function logRulesModule(ctx: AppContext, core: LogsCore): LogRulesModule {
  const logger = ctx.logger.child({ component: 'log-rules' });
  const rules = new LogRuleService({
    db: ctx.db,
    clock: ctx.clock,
    topicNames: ctx.topicNames,
    ownAddress: () => ({ publicUrl: ctx.publicUrl(), host: ctx.settings.host, port: ctx.settings.port }),
    publish: (q, names) => ctx.cluster.changes.publish(q, LOG_RULES_TOPIC, names),
  });
  const publish: BatchPublisher = async (batch) => {
    let deliveries = 0;
    await ctx.db.transaction().execute(async (trx) => {
      for (const q of batch) deliveries += (await ctx.publisher.publishIn(trx, q.topics, q.input)).deliveries;
    });
    if (deliveries > 0) ctx.wakeOutbox();
  };
  const stage = new RouteStage({ publish, publicUrl: ctx.publicUrl, logger, patternOf: (r) => rules.patternOf(r) });
  core.pipeline.addStage(stage);
  rules.onChange(() => stage.setRules(rules.routes()));
  ctx.cluster.changes.on(LOG_RULES_TOPIC, {
    changed: (names) => rules.changed(names),
    resync: () => rules.resync(),
  });
  const counters = routeCounters(ctx, stage);
  const routeStats: RuleStats = (r) => {
    const s = stage.statsOf(r.name);
    return s && { ...s };
  };
  const providers = new Map<string, RuleStats>([['route', routeStats]]);
  const stats: RuleStats = (r) => providers.get(r.kind)?.(r);
  const tick = async (now: number) => {
    await stage.tick(now);
    counters.report();
  };
  return {
    tick,
    name: 'log-rules',
    catalog: rules,
    rules,
    routeStage: stage,
    statusPart: {
      name: 'rules',
      status: () => ({
        rules: rules.list().map((r) => ({ name: r.name, kind: r.kind, enabled: r.enabled, stats: stats(r) ?? {} })),
        queued: stage.queued,
      }),
    },
    topicReferrer: { section: 'log_rules', namesOf: (topic) => rules.namingTopic(topic) },
    addStats: (kind, provider) => void providers.set(kind, provider),
    configSections: [logRuleConfigSection(rules, ctx.topicNames)],
    routes: (app) => registerLogRuleRoutes(app, ctx.tokens, rules, stats),
    load: () => rules.load(),
    start() {
      ctx.every({
        name: 'log-routes',
        everyMs: ROUTE_TICK_MS,
        // Each node throttles and publishes the matches of the lines it ingested.
        everyNode: true,
        run: () => tick(ctx.clock.now()),
      });
    },
    async close() {
      await stage.close();
      counters.report();
    },
  };
}

/** The route counters of `/metrics`, fed from the stats by difference (the hot path only adds numbers). */
function routeCounters(ctx: AppContext, stage: RouteStage): { report(): void } {
  const t = ctx.telemetry;
  const matches = t.counter('tocsin_log_rule_matches_total', 'Log lines matched by a route rule.');
  const routed = t.counter('tocsin_log_routed_total', 'Notifications a log route published.');
  const suppressed = t.counter(
    'tocsin_log_route_suppressed_total',
    "Matches of a log route counted into its key's next notification (throttled), or held by its breaker.",
  );
  t.gauge('tocsin_log_route_breaker_open', 'Whether a log route circuit breaker is open (1) or closed (0).', () =>
    Object.entries(stage.stats()).map(([rule, s]) => ({ labels: { rule }, value: s.breaker === 'open' ? 1 : 0 })),
  );
  const seen = new Map<string, RouteStats>();
  return {
    report() {
      for (const [rule, s] of Object.entries(stage.stats())) {
        const before = seen.get(rule);
        const d = (k: 'matched' | 'routed' | 'suppressed' | 'held') => s[k] - (before?.[k] ?? 0);
        if (d('matched') > 0) matches.inc({ rule }, d('matched'));
        if (d('routed') > 0) routed.inc({ rule }, d('routed'));
        if (d('suppressed') + d('held') > 0) suppressed.inc({ rule }, d('suppressed') + d('held'));
        seen.set(rule, s);
      }
    },
  };
}
