import type { AppContext, AppModule } from '../app-module.js';
import { COMMAND_JOB, CommandCoordinator } from './command-coordinator.js';
import { COMMANDS_TOPIC, CommandDelivery } from './command-delivery.js';
import type { CommandPorts } from './command-ports.js';

export type { CommandPorts };
import { registerCommandRoutes } from './command-routes.js';
import { CommandService } from './command-service.js';
import { activeRunIds, pruneRuns } from './command-store.js';

export interface CommandsModule extends AppModule {
  commands: CommandService;
  coordinator: CommandCoordinator;
  delivery: CommandDelivery;
  /** Resolves once the agents' frames and connections taken so far are written. */
  idle(): Promise<void>;
}

/**
 * Run-command on a tagged fleet: runs and invocations in the database, one coordinator key per run (the node that
 * owns it drives the rollout), delivery by whichever node holds the agent's connection.
 */
export function commandsModule(ctx: AppContext, ports: CommandPorts): CommandsModule {
  const wake = (runId: string, at = ctx.clock.now()) => ctx.scheduler.hasten(COMMAND_JOB, runId, at);
  const delivery = new CommandDelivery(ctx, ports.link, ports.directory, wake);
  const coordinator = new CommandCoordinator(ctx, delivery);
  const commands = new CommandService(ctx, ports.directory, coordinator, wake);
  const log = ctx.logger.child({ component: 'commands' });
  ctx.scheduler.addJob({ name: COMMAND_JOB, concurrency: 4, run: (runId) => coordinator.advance(runId) });
  const resync = async () => {
    const ids = await activeRunIds(ctx.db);
    for (const id of ids) wake(id);
    await delivery.deliverHere(ids);
  };
  ctx.cluster.changes.on(COMMANDS_TOPIC, {
    changed: async (ids) => {
      for (const id of ids) wake(id);
      await delivery.deliverHere(ids);
    },
    resync,
  });
  const inFlight = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  ports.link.onConnect((agentId) => {
    track(delivery.agentConnected(agentId).catch((err) => log.warn('command delivery failed', { agentId, err })));
  });
  ports.link.onCommandMessage((agentId, m) => {
    track(delivery.receive(agentId, m).catch((err) => log.warn('command frame not recorded', { agentId, err })));
  });
  return {
    name: 'commands',
    commands,
    coordinator,
    delivery,
    routes: (app) => registerCommandRoutes(app, ctx.tokens, commands),
    retention: [
      {
        domain: 'commands',
        prune: async (now) => {
          while ((await pruneRuns(ctx.db, now - ctx.settings.retention.commands)) > 0);
        },
      },
    ],
    load: resync,
    idle: async () => {
      while (inFlight.size) await Promise.all(inFlight);
    },
    close: async () => {
      while (inFlight.size) await Promise.all(inFlight);
    },
  };
}
