/**
 * Starting, cancelling and reading command runs. A run's targets are resolved once, at start, through the agent
 * directory, and stored with the expected count: the body's `expected`, else the group's expected size, else
 * the number of targets. Agents offline at start are still targets (they end Undeliverable). A run with no
 * target ends at once, Failed. States and the rollout: see command-coordinator.ts.
 */
import { commandRunInputSchema, printSelector, type CommandRunSpec } from '@tocsin/protocol';
import type { AppContext } from '../app-module.js';
import { TocsinError, fieldIssuesOf, invalid, notFound } from '../core/errors.js';
import { uuidv7 } from '../core/ids.js';
import type { CommandCoordinator } from './command-coordinator.js';
import { COMMANDS_TOPIC } from './command-delivery.js';
import { countStatuses } from './command-rollout.js';
import type { AgentDirectory } from './command-ports.js';
import * as store from './command-store.js';

export const RUNS_PAGE_MAX = 200;

export class CommandService {
  constructor(
    private readonly ctx: AppContext,
    private readonly directory: AgentDirectory,
    private readonly coordinator: CommandCoordinator,
    /** Makes the run's coordinator key due now (on the node that owns it). */
    private readonly wake: (runId: string) => void,
  ) {}

  parse(body: unknown): CommandRunSpec {
    const parsed = commandRunInputSchema.safeParse(body);
    if (!parsed.success) throw invalid(fieldIssuesOf(parsed.error.issues));
    return parsed.data;
  }

  /** Starts a run; `startedBy` is who asked (`token:NAME`, `user:NAME`, `alarm:NAME`). */
  async start(body: unknown, startedBy: string): Promise<store.RunRecord> {
    const spec = this.parse(body);
    if (spec.maxConcurrency === 0) throw invalid([{ path: 'maxConcurrency', message: 'at least 1' }]);
    const known = await this.ctx.topicNames(this.ctx.db);
    const unknown = spec.topics.find((t) => !known.has(t));
    if (unknown) throw invalid([{ path: 'topics', message: `topic '${unknown}' does not exist` }]);
    const matched = await this.directory.match(spec.targets);
    const targets = matched.map((a) => ({ id: a.id, hostname: a.hostname }));
    let expected = spec.expected;
    let expectedFrom = 'body';
    if (expected === undefined && spec.group) {
      expected = await this.directory.groupExpectedSize(spec.group);
      if (expected === undefined)
        throw invalid([{ path: 'group', message: `agent group '${spec.group}' does not exist` }]);
      expectedFrom = `group:${spec.group}`;
    }
    if (expected === undefined) {
      expected = targets.length;
      expectedFrom = 'targets';
    }
    const now = this.ctx.clock.now();
    const run: store.RunRecord = {
      id: uuidv7(now),
      command: spec.command,
      spec,
      selector: selectorText(spec),
      expected,
      expectedFrom,
      targets,
      status: 'InProgress',
      cancelRequested: false,
      stopped: false,
      counts: {},
      startedBy,
      createdAt: now,
    };
    const invocations: store.InvocationRecord[] = targets.map((t, seq) => ({
      id: uuidv7(now),
      runId: run.id,
      seq,
      agentId: t.id,
      hostname: t.hostname,
      status: 'Pending',
      stdout: '',
      stderr: '',
      stdoutTruncated: false,
      stderrTruncated: false,
    }));
    await this.ctx.db.transaction().execute(async (trx) => {
      await store.insertRun(trx, run, invocations);
      await this.ctx.cluster.changes.publish(trx, COMMANDS_TOPIC, [run.id]);
    });
    if (targets.length === 0) await this.coordinator.finish(run, countStatuses([]), 0);
    else this.wake(run.id);
    return (await store.getRun(this.ctx.db, run.id))!;
  }

  /** Cancels a run in progress: what is not sent is Cancelled at once, what runs is sent command.cancel. */
  async cancel(id: string): Promise<store.RunRecord> {
    const run = await this.get(id);
    if (run.status !== 'InProgress') throw new TocsinError('conflict', `run '${id}' has already ended (${run.status})`);
    await this.ctx.db.transaction().execute(async (trx) => {
      await store.setRunFlags(trx, id, { cancel_requested: 1 });
      await this.ctx.cluster.changes.publish(trx, COMMANDS_TOPIC, [id]);
    });
    this.wake(id);
    return this.get(id);
  }

  async get(id: string): Promise<store.RunRecord> {
    const run = await store.getRun(this.ctx.db, id);
    if (!run) throw notFound('command run', id);
    return run;
  }

  invocations(id: string): Promise<store.InvocationRecord[]> {
    return store.listInvocations(this.ctx.db, id);
  }

  /** Runs, newest first, of the filter's agent and status when given. */
  list(limit: number, before?: string, filter: store.RunFilter = {}): Promise<store.RunRecord[]> {
    return store.listRuns(this.ctx.db, { limit: Math.min(limit, RUNS_PAGE_MAX), before, ...filter });
  }
}

export function selectorText(spec: Pick<CommandRunSpec, 'targets'>): string {
  const parts: string[] = [];
  if (spec.targets.tags) parts.push(printSelector(spec.targets.tags));
  if (spec.targets.agents) parts.push(`agents ${spec.targets.agents.join(',')}`);
  return parts.join(' and ');
}
