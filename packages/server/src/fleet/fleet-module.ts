/**
 * The fleet: enrolment, agents and their WebSocket hub, liveness, host metrics, log shipping and agent groups.
 * The run-command service plugs into `hub` (an AgentLink: send to an agent connected here, hear its command
 * frames) and `directory` (targets from the database, and command signatures).
 *
 * In a cluster every node serves agents: a revocation or a newer connection made through one node is
 * announced on the change bus (topic `agents`), and the node holding the old connection closes it.
 */
import type { AppContext, AppModule } from '../app-module.js';
import type { TopicReferrer } from '../notify/topic-service.js';
import { agentGroupConfigSection } from './agent-group-config.js';
import { registerAgentGroupRoutes } from './agent-group-routes.js';
import { AGENT_GROUPS_TOPIC, AgentGroupService } from './agent-group-service.js';
import { AgentHub, CLOSE_REVOKED, CONNECT_PATH, PING_EVERY_MS, type AgentLink } from './agent-hub.js';
import { AgentIngest, type FleetIngestSeams } from './agent-ingest.js';
import { AgentLiveness, LIVENESS_EVERY_MS, LIVENESS_JOB } from './agent-liveness.js';
import { registerAgentRoutes } from './agent-routes.js';
import { AGENTS_TOPIC, AgentService, type AgentDirectory } from './agent-service.js';
import { EnrollLimiter } from './enrollment-limiter.js';
import { registerEnrollmentRoutes } from './enrollment-routes.js';
import { EnrollmentService } from './enrollment-service.js';
import { pruneTokens } from './enrollment-store.js';
import { ProbeFanOut } from './probe-fanout.js';
import { ProbeRelay } from './probe-relay.js';
import type { RemoteProber } from '../monitors/location-ports.js';

/** How often agents are told to send metrics (the CloudWatch agent's default interval). */
const METRICS_EVERY_MS = 60_000;
/** Enrolment tokens are listed this long after they expired or were revoked. */
const KEEP_TOKENS_MS = 30 * 86_400_000;

export interface FleetModule extends AppModule {
  hub: AgentLink;
  directory: AgentDirectory;
  agents: AgentService;
  groups: AgentGroupService;
  enrollment: EnrollmentService;
  liveness: AgentLiveness;
  /** The hub itself (ping rounds, connections here): for tests and the UI's counts. */
  agentHub: AgentHub;
  /** Monitors' probes sent to their agent locations connected here, and the answers back. */
  prober: RemoteProber;
  /** Refuses to delete a topic an agent group names. */
  topicReferrer: TopicReferrer;
}

export function fleetModule(ctx: AppContext, seams: FleetIngestSeams): FleetModule {
  const logger = ctx.logger.child({ component: 'fleet' });
  const enrollment = new EnrollmentService(ctx.db, ctx.clock);
  const limiter = new EnrollLimiter(ctx.clock);
  const groups = new AgentGroupService(ctx.db, ctx.cluster.changes, ctx.topicNames);
  const agents = new AgentService(ctx.db, ctx.clock, {
    changes: ctx.cluster.changes,
    publisher: ctx.publisher,
    groups,
    enrollment,
  });
  const ingest = new AgentIngest(ctx.db, ctx.clock, seams);
  const datapoints = ctx.telemetry.counter('tocsin_agent_datapoints_total', 'Host datapoints taken from agents.');
  const hub = new AgentHub({
    agents,
    ingest,
    nodeId: ctx.nodeId,
    logger,
    metricsEveryMs: METRICS_EVERY_MS,
    onDatapoints: (n) => datapoints.inc({}, n),
  });
  agents.onRevoked = (id) => hub.disconnect(id, CLOSE_REVOKED, 'revoked');
  const relay = new ProbeRelay(
    ctx.db,
    ctx.cluster.changes,
    ctx.clock,
    ctx.nodeId,
    { send: (id, frame) => hub.send(id, frame), connected: () => hub.connected() },
    logger,
  );
  const prober = new ProbeFanOut(
    {
      nodeId: ctx.nodeId,
      relay,
      logger,
      locations: (selector) => agents.probeLocations(selector),
      sign: (fields) => agents.signProbe(fields),
      send: (id, frame) => hub.send(id, frame),
      isConnectedHere: (id) => hub.isConnectedHere(id),
      onProbeResult: (h) => hub.onProbeResult(h),
      onDisconnect: (h) => hub.onDisconnect(h),
    },
    ctx.clock,
  );
  const liveness = new AgentLiveness(ctx.db, ctx.clock, {
    fence: ctx.cluster.fence,
    changes: ctx.cluster.changes,
    onOffline: (ids) => void hub.changed(ids).catch((err) => logger.warn('closing offline agents failed', { err })),
    publisher: ctx.publisher,
    groups,
    sink: ctx.sink,
    offlineAfterMs: ctx.settings.agentOfflineAfterMs,
  });
  ctx.cluster.changes.on(AGENT_GROUPS_TOPIC, { changed: (n) => groups.changed(n), resync: () => groups.load() });
  ctx.cluster.changes.on(AGENTS_TOPIC, { changed: (ids) => hub.changed(ids), resync: () => hub.resync() });
  // Each node pings the connections it holds.
  ctx.every({ name: 'agent-ping', everyMs: PING_EVERY_MS, everyNode: true, run: () => hub.pingRound() });
  ctx.every({
    name: LIVENESS_JOB,
    everyMs: LIVENESS_EVERY_MS,
    firstAt: (now) => Math.floor(now / LIVENESS_EVERY_MS) * LIVENESS_EVERY_MS + LIVENESS_EVERY_MS,
    // The datapoints are of their due minute: after a pause, each missed minute gets its own.
    catchUp: true,
    run: (dueAt) => liveness.run(dueAt),
  });
  ctx.every({
    name: 'agent-enroll-limiter-prune',
    everyMs: 15 * 60_000,
    everyNode: true,
    run: async () => limiter.prune(),
  });
  return {
    name: 'fleet',
    hub,
    agentHub: hub,
    directory: agents,
    agents,
    groups,
    enrollment,
    liveness,
    prober,
    topicReferrer: { section: 'agent_groups', namesOf: (topic) => groups.namingTopic(topic) },
    configSections: [agentGroupConfigSection(groups, ctx.topicNames)],
    upgrades: [{ prefix: CONNECT_PATH, handler: hub.upgrade }],
    retention: [
      { domain: 'enrollment-tokens', prune: (now) => pruneTokens(ctx.db, now - KEEP_TOKENS_MS) },
      // Rows a node stopped before deleting (a check deletes its own as it ends).
      { domain: 'probe-relays', prune: (now) => relay.prune(now - 3600_000) },
    ],
    routes(app) {
      // Before /api/agents/{id}: its paths would match these.
      registerEnrollmentRoutes(app, ctx.tokens, enrollment, limiter);
      registerAgentRoutes(app, ctx.tokens, agents);
      registerAgentGroupRoutes(app, ctx.tokens, groups, () => agents.list());
    },
    async load() {
      await enrollment.load();
      await groups.load();
    },
    endStreams: () => void hub.close(),
    close: () => hub.close(),
  };
}
