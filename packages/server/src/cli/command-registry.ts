import type { Command } from './command.js';

/**
 * A command whose module is loaded only when it runs, so that `tocsin run`
 * on a cron host loads neither the server nor its database drivers. With
 * `defaultAction`, the noun alone runs that verb (`tocsin tokens` lists).
 */
function lazy(summary: string, load: () => Promise<Command>, defaultAction?: string): Command {
  return {
    summary,
    run: async (argv) => (await load()).run(argv.length === 0 && defaultAction ? [defaultAction] : argv),
  };
}

/** Sub-commands of `tocsin`, by name; adding one is one file and one line here. */
export const commands: Record<string, Command> = {
  start: lazy('run the server', async () => (await import('./start-command.js')).startCommand),
  apply: lazy(
    'apply a config file (prints the diff first)',
    async () => (await import('./apply-command.js')).applyCommand,
  ),
  validate: lazy(
    'check a config file offline (no server), printing FILE:LINE errors',
    async () => (await import('./validate-command.js')).validateCommand,
  ),
  export: lazy(
    'print the current state as a config file',
    async () => (await import('./export-command.js')).exportCommand,
  ),
  publish: lazy('publish an event to a topic', async () => (await import('./publish-command.js')).publishCommand),
  topics: lazy(
    'list topics, or show one with its subscriptions and their state',
    async () => (await import('./topics-command.js')).topicsCommand,
  ),
  subscriptions: lazy(
    'list subscriptions, or send one a test notification',
    async () => (await import('./subscriptions-command.js')).subscriptionsCommand,
  ),
  deliveries: lazy(
    'list deliveries and replay dead letters',
    async () => (await import('./deliveries-command.js')).deliveriesCommand,
    'list',
  ),
  tokens: lazy(
    'create, list and revoke API tokens',
    async () => (await import('./tokens-command.js')).tokensCommand,
    'list',
  ),
  users: lazy(
    'create, list and delete users of the web UI',
    async () => (await import('./users-command.js')).usersCommand,
    'list',
  ),
  monitors: lazy(
    'list monitors, show one with its recent results, pause or resume one',
    async () => (await import('./monitors-command.js')).monitorsCommand,
  ),
  heartbeats: lazy(
    'list heartbeats, show one with its pings, pause or resume one',
    async () => (await import('./heartbeats-command.js')).heartbeatsCommand,
  ),
  command: lazy(
    'run a command on the agents matching tags, verifying how many hosts ran it; list and show runs',
    async () => (await import('./command-runs-command.js')).commandRunsCommand,
    'list',
  ),
  run: lazy('run a command and report it to a heartbeat', async () => (await import('./run-command.js')).runCommand),
  alarms: lazy(
    'list alarms, show one’s history, set one’s state',
    async () => (await import('./alarms-command.js')).alarmsCommand,
  ),
  cluster: lazy(
    'show the nodes sharing the work, what each owns, their lag and versions',
    async () => (await import('./cluster-command.js')).clusterCommand,
    'status',
  ),
  logs: lazy(
    'query a log group, tail it live, send lines to it',
    async () => (await import('./logs-command.js')).logsCommand,
  ),
  metrics: lazy(
    'list series, put a datapoint, query a statistic',
    async () => (await import('./metrics-command.js')).metricsCommand,
  ),
  pipeline: lazy(
    "show the log pipeline's health: ingest, drops, rules, queue, watchdog",
    async () => (await import('./pipeline-command.js')).pipelineCommand,
    'status',
  ),
  agents: lazy(
    'list, show, tag and revoke agents; make enrolment tokens',
    async () => (await import('./agents-command.js')).agentsCommand,
    'list',
  ),
  'agent-groups': lazy(
    'list agent groups: selector, expected size, members online',
    async () => (await import('./agents-command.js')).agentGroupsCommand,
    'list',
  ),
  archive: lazy(
    'list archive jobs, run one (backfill) with progress, list and read back archived days',
    async () => (await import('./archive-command.js')).archiveCommand,
  ),
};
