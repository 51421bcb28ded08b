/** Queries of command runs and their invocations; every status change is a compare-and-set on the row. */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { CommandRunSpec, CommandRunStatus, InvocationStatus } from '@tocsin/protocol';
import type { CommandInvocationTable, CommandRunTable } from '../db/db-schema-commands.js';
import type { Database } from '../db/db-schema.js';

type Q = Kysely<Database>;

/** An invocation's stored status: `Delivering` is released for delivery, shown as Pending. */
export type StoredInvocationStatus = InvocationStatus | 'Delivering';

export interface RunTarget {
  id: string;
  hostname: string;
}

/** A run without its resolved targets (a list as long as the fleet), as the coordinator reads it at every step. */
export type RunHead = Omit<RunRecord, 'targets'>;

export interface RunRecord {
  id: string;
  command: string;
  spec: CommandRunSpec;
  selector: string;
  expected: number;
  expectedFrom: string;
  targets: RunTarget[];
  status: CommandRunStatus;
  cancelRequested: boolean;
  stopped: boolean;
  reason?: string;
  counts: Record<string, number>;
  startedBy: string;
  createdAt: number;
  endedAt?: number;
}

export interface InvocationRecord {
  id: string;
  runId: string;
  seq: number;
  agentId: string;
  hostname: string;
  status: StoredInvocationStatus;
  releasedAt?: number;
  sentAt?: number;
  cancelSentAt?: number;
  node?: string;
  startedAt?: number;
  endedAt?: number;
  exitCode?: number;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  reason?: string;
}

const num = (v: number | string | null) => (v === null ? undefined : Number(v));

function runOf(r: Selectable<CommandRunTable>): RunRecord {
  return { ...runHeadOf(r), targets: JSON.parse(r.targets) as RunTarget[] };
}

function runHeadOf(r: Omit<Selectable<CommandRunTable>, 'targets'>): RunHead {
  return {
    id: r.id,
    command: r.command,
    spec: JSON.parse(r.spec) as CommandRunSpec,
    selector: r.selector,
    expected: Number(r.expected),
    expectedFrom: r.expected_from,
    status: r.status as CommandRunStatus,
    cancelRequested: Number(r.cancel_requested) === 1,
    stopped: Number(r.stopped) === 1,
    reason: r.reason ?? undefined,
    counts: JSON.parse(r.counts) as Record<string, number>,
    startedBy: r.started_by,
    createdAt: Number(r.created_at),
    endedAt: num(r.ended_at),
  };
}

function invocationOf(r: Selectable<CommandInvocationTable>): InvocationRecord {
  return {
    id: r.id,
    runId: r.run_id,
    seq: Number(r.seq),
    agentId: r.agent_id,
    hostname: r.hostname,
    status: r.status as StoredInvocationStatus,
    releasedAt: num(r.released_at),
    sentAt: num(r.sent_at),
    cancelSentAt: num(r.cancel_sent_at),
    node: r.node ?? undefined,
    startedAt: num(r.started_at),
    endedAt: num(r.ended_at),
    exitCode: num(r.exit_code),
    stdout: r.stdout,
    stderr: r.stderr,
    stdoutTruncated: Number(r.stdout_truncated) === 1,
    stderrTruncated: Number(r.stderr_truncated) === 1,
    reason: r.reason ?? undefined,
  };
}

export async function insertRun(q: Q, r: RunRecord, invocations: InvocationRecord[]): Promise<void> {
  await q
    .insertInto('command_runs')
    .values({
      id: r.id,
      command: r.command,
      spec: JSON.stringify(r.spec),
      selector: r.selector,
      expected: r.expected,
      expected_from: r.expectedFrom,
      targets: JSON.stringify(r.targets),
      status: r.status,
      cancel_requested: 0,
      stopped: 0,
      reason: r.reason ?? null,
      counts: JSON.stringify(r.counts),
      started_by: r.startedBy,
      created_at: r.createdAt,
      ended_at: r.endedAt ?? null,
    })
    .execute();
  for (let i = 0; i < invocations.length; i += 200)
    await q
      .insertInto('command_invocations')
      .values(
        invocations.slice(i, i + 200).map((v) => ({
          id: v.id,
          run_id: v.runId,
          seq: v.seq,
          agent_id: v.agentId,
          hostname: v.hostname,
          status: v.status,
          stdout: '',
          stderr: '',
          stdout_truncated: 0,
          stderr_truncated: 0,
        })),
      )
      .execute();
}

export async function getRun(q: Q, id: string): Promise<RunRecord | undefined> {
  const r = await q.selectFrom('command_runs').selectAll().where('id', '=', id).executeTakeFirst();
  return r && runOf(r);
}

const HEAD_COLUMNS = [
  'id',
  'command',
  'spec',
  'selector',
  'expected',
  'expected_from',
  'status',
  'cancel_requested',
  'stopped',
  'reason',
  'counts',
  'started_by',
  'created_at',
  'ended_at',
] as const;

export async function getRunHead(q: Q, id: string): Promise<RunHead | undefined> {
  const r = await q.selectFrom('command_runs').select(HEAD_COLUMNS).where('id', '=', id).executeTakeFirst();
  return r && runHeadOf(r);
}

export interface RunFilter {
  /** Runs that targeted this agent (it has an invocation in them). */
  agent?: string;
  status?: CommandRunStatus;
}

/** Runs, newest first; `before` is the id of the last run of the previous page. */
export async function listRuns(q: Q, options: { limit: number; before?: string } & RunFilter): Promise<RunRecord[]> {
  let sel = q.selectFrom('command_runs').selectAll();
  if (options.before) sel = sel.where('id', '<', options.before);
  if (options.status) sel = sel.where('status', '=', options.status);
  if (options.agent) {
    const targeted = q.selectFrom('command_invocations').select('run_id').where('agent_id', '=', options.agent);
    sel = sel.where('id', 'in', targeted);
  }
  const rows = await sel.orderBy('id', 'desc').limit(options.limit).execute();
  return rows.map(runOf);
}

export async function activeRunIds(q: Q): Promise<string[]> {
  const rows = await q.selectFrom('command_runs').select('id').where('status', '=', 'InProgress').execute();
  return rows.map((r) => r.id);
}

export async function listInvocations(q: Q, runId: string): Promise<InvocationRecord[]> {
  const rows = await q
    .selectFrom('command_invocations')
    .selectAll()
    .where('run_id', '=', runId)
    .orderBy('seq')
    .execute();
  return rows.map(invocationOf);
}

/** What the coordinator needs of an invocation: its status and times, not its output. */
export type InvocationState = Pick<
  InvocationRecord,
  'id' | 'seq' | 'status' | 'releasedAt' | 'sentAt' | 'cancelSentAt' | 'startedAt'
>;

export async function listInvocationStates(q: Q, runId: string): Promise<InvocationState[]> {
  const rows = await q
    .selectFrom('command_invocations')
    .select(['id', 'seq', 'status', 'released_at', 'sent_at', 'cancel_sent_at', 'started_at'])
    .where('run_id', '=', runId)
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    seq: Number(r.seq),
    status: r.status as StoredInvocationStatus,
    releasedAt: num(r.released_at),
    sentAt: num(r.sent_at),
    cancelSentAt: num(r.cancel_sent_at),
    startedAt: num(r.started_at),
  }));
}

/**
 * The invocations of a run counted by status, sent or not and cancel sent or not, with the earliest of their times:
 * all the coordinator needs at each step, in one aggregate query rather than a row an invocation.
 */
export interface ProgressGroup {
  status: StoredInvocationStatus;
  sent: boolean;
  cancelSent: boolean;
  n: number;
  minReleasedAt?: number;
  minStartedAt?: number;
  minCancelSentAt?: number;
}

export async function runProgress(q: Q, runId: string): Promise<ProgressGroup[]> {
  const sent = sql<number>`case when sent_at is null then 0 else 1 end`;
  const cancelSent = sql<number>`case when cancel_sent_at is null then 0 else 1 end`;
  const rows = await q
    .selectFrom('command_invocations')
    .select((eb) => [
      'status',
      sent.as('sent'),
      cancelSent.as('cancel_sent'),
      eb.fn.countAll<number | string>().as('n'),
      eb.fn.min('released_at').as('min_released'),
      eb.fn.min('started_at').as('min_started'),
      eb.fn.min('cancel_sent_at').as('min_cancel'),
    ])
    .where('run_id', '=', runId)
    .groupBy(['status', sent, cancelSent])
    .execute();
  return rows.map((r) => ({
    status: r.status as StoredInvocationStatus,
    sent: Number(r.sent) === 1,
    cancelSent: Number(r.cancel_sent) === 1,
    n: Number(r.n),
    minReleasedAt: num(r.min_released),
    minStartedAt: num(r.min_started),
    minCancelSentAt: num(r.min_cancel),
  }));
}

/** Releases the first `n` Pending invocations of the run (by seq) in one statement; answers how many moved. */
export async function releasePending(q: Q, runId: string, n: number, now: number): Promise<number> {
  if (n <= 0) return 0;
  const first = q
    .selectFrom('command_invocations')
    .select('id')
    .where('run_id', '=', runId)
    .where('status', '=', 'Pending')
    .orderBy('seq')
    .limit(n);
  const r = await q
    .updateTable('command_invocations')
    .set({ status: 'Delivering', released_at: now })
    .where('id', 'in', first)
    .where('status', '=', 'Pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Cancels, in one statement, what of the run was never sent: Pending, and Delivering not sent yet. */
export async function cancelUnsent(q: Q, runId: string, reason: string, now: number): Promise<number> {
  const r = await q
    .updateTable('command_invocations')
    .set({ status: 'Cancelled', reason, ended_at: now })
    .where('run_id', '=', runId)
    .where((eb) =>
      eb.or([eb('status', '=', 'Pending'), eb.and([eb('status', '=', 'Delivering'), eb('sent_at', 'is', null)])]),
    )
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function getInvocation(q: Q, id: string): Promise<InvocationRecord | undefined> {
  const r = await q.selectFrom('command_invocations').selectAll().where('id', '=', id).executeTakeFirst();
  return r && invocationOf(r);
}

/** Invocations of the agent that are released and not sent, or whose cancel is asked and not sent. */
export async function undeliveredOf(q: Q, agentIds: readonly string[], runIds?: readonly string[]) {
  if (agentIds.length === 0 || runIds?.length === 0) return [];
  let sel = q
    .selectFrom('command_invocations')
    .selectAll()
    .where('agent_id', 'in', [...agentIds])
    .where('status', 'in', ['Delivering', 'InProgress']);
  if (runIds) sel = sel.where('run_id', 'in', [...runIds]);
  return (await sel.execute()).map(invocationOf);
}

/** Invocations of the agents that the server timed out and has not yet told their agent to stop. */
export async function unstoppedOf(q: Q, agentIds: readonly string[], runIds?: readonly string[]) {
  if (agentIds.length === 0 || runIds?.length === 0) return [];
  let sel = q
    .selectFrom('command_invocations')
    .selectAll()
    .where('agent_id', 'in', [...agentIds])
    .where('status', '=', 'TimedOut')
    .where('cancel_sent_at', 'is', null);
  if (runIds) sel = sel.where('run_id', 'in', [...runIds]);
  return (await sel.execute()).map(invocationOf);
}

type InvocationChange = Partial<Omit<CommandInvocationTable, 'id' | 'run_id' | 'seq' | 'agent_id' | 'hostname'>>;

/**
 * Moves an invocation from one of `from` to the change's status (or sets fields) only if its status is still one
 * of `from`; `extra` narrows it further (sent_at null). Says whether it moved.
 */
export async function casInvocation(
  q: Q,
  id: string,
  from: readonly StoredInvocationStatus[],
  change: InvocationChange,
  extra: { unsent?: boolean; agentId?: string; cancelUnsent?: boolean } = {},
): Promise<boolean> {
  let upd = q
    .updateTable('command_invocations')
    .set(change)
    .where('id', '=', id)
    .where('status', 'in', [...from]);
  if (extra.unsent) upd = upd.where('sent_at', 'is', null);
  if (extra.cancelUnsent) upd = upd.where('cancel_sent_at', 'is', null);
  if (extra.agentId) upd = upd.where('agent_id', '=', extra.agentId);
  const r = await upd.executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function setRunFlags(q: Q, id: string, flags: { cancel_requested?: number; stopped?: number }) {
  await q.updateTable('command_runs').set(flags).where('id', '=', id).where('status', '=', 'InProgress').execute();
}

/** Ends a run that is still in progress; says whether this call ended it. */
export async function finishRun(
  q: Q,
  id: string,
  end: { status: CommandRunStatus; reason: string; counts: Record<string, number>; endedAt: number },
): Promise<boolean> {
  const r = await q
    .updateTable('command_runs')
    .set({ status: end.status, reason: end.reason, counts: JSON.stringify(end.counts), ended_at: end.endedAt })
    .where('id', '=', id)
    .where('status', '=', 'InProgress')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Deletes ended runs created before `cutoff`, with their invocations. */
export async function pruneRuns(q: Q, cutoff: number): Promise<number> {
  const old = await q
    .selectFrom('command_runs')
    .select('id')
    .where('created_at', '<', cutoff)
    .where('status', '!=', 'InProgress')
    .limit(1000)
    .execute();
  const ids = old.map((r) => r.id);
  if (!ids.length) return 0;
  await q.deleteFrom('command_invocations').where('run_id', 'in', ids).execute();
  await q.deleteFrom('command_runs').where('id', 'in', ids).execute();
  return ids.length;
}
