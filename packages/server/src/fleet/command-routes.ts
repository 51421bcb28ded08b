import { z } from 'zod';
import { commandRunInputSchema, commandRunStatuses } from '@tocsin/protocol';
import { handle, route, type App } from '../http/route-kit.js';
import type { TokenService } from '../tokens/token-service.js';
import type { CommandService } from './command-service.js';
import type { InvocationRecord, RunRecord } from './command-store.js';

const tags = ['commands'];
const idParam = z.object({ id: z.string().min(1).max(64) });
const iso = (ms?: number) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** A run as the API shows it: the audit (who, when, what, where, expected) and the outcome. */
export function runView(r: RunRecord): Record<string, unknown> {
  return {
    id: r.id,
    command: r.command,
    targets: r.spec.targets,
    selector: r.selector,
    expected: r.expected,
    expectedFrom: r.expectedFrom,
    targetCount: r.targets.length,
    hosts: r.targets,
    status: r.status,
    reason: r.reason,
    counts: r.counts,
    cancelRequested: r.cancelRequested,
    stoppedByMaxErrors: r.stopped,
    startedBy: r.startedBy,
    createdAt: iso(r.createdAt),
    endedAt: iso(r.endedAt),
    maxConcurrency: r.spec.maxConcurrency,
    maxErrors: r.spec.maxErrors,
    deliveryTimeout: r.spec.deliveryTimeout,
    executionTimeout: r.spec.executionTimeout,
    topics: r.spec.topics,
    comment: r.spec.comment,
  };
}

export function invocationView(i: InvocationRecord): Record<string, unknown> {
  return {
    id: i.id,
    agentId: i.agentId,
    hostname: i.hostname,
    status: i.status === 'Delivering' ? 'Pending' : i.status,
    sent: i.sentAt !== undefined,
    exitCode: i.exitCode ?? null,
    stdout: i.stdout,
    stderr: i.stderr,
    stdoutTruncated: i.stdoutTruncated,
    stderrTruncated: i.stderrTruncated,
    reason: i.reason,
    releasedAt: iso(i.releasedAt),
    startedAt: iso(i.startedAt),
    endedAt: iso(i.endedAt),
  };
}

/** `/api/commands`: start a run (admin only), follow it, cancel it; the run list is the audit. */
export function registerCommandRoutes(app: App, tokens: TokenService, commands: CommandService): void {
  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/commands',
      scope: 'admin',
      summary: 'Run a command on the agents matching tags (or ids), verifying how many hosts ran it',
      tags,
      body: commandRunInputSchema,
      bodyCheckedByHandler: true,
      response: { description: 'Started', status: 201 },
    }),
    async (c) => {
      const p = c.get('principal');
      const by = p ? `${p.kind}:${p.name}` : 'unknown';
      const run = await commands.start(await c.req.json().catch(() => undefined), by);
      return c.json(runView(run), 201);
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/commands',
      scope: 'read',
      summary: 'Command runs, newest first (the audit: who ran what, where, and how it went), by agent and status',
      tags,
      query: z.object({
        limit: z.coerce.number().int().min(1).max(200).optional(),
        before: z.string().min(1).max(64).optional(),
        /** Runs that targeted this agent id. */
        agent: z.string().min(1).max(64).optional(),
        status: z.enum(commandRunStatuses).optional(),
      }),
    }),
    async (c) => {
      const q = c.req.valid('query');
      const limit = q.limit ?? 50;
      const runs = await commands.list(limit, q.before, { agent: q.agent, status: q.status });
      return c.json({ runs: runs.map(runView), next: runs.length === limit ? runs.at(-1)!.id : undefined });
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/commands/{id}',
      scope: 'read',
      summary: 'One run with its invocations: status, exit code, output and times per host',
      tags,
      params: idParam,
    }),
    async (c) => {
      const id = c.req.valid('param').id;
      const run = await commands.get(id);
      return c.json({ ...runView(run), invocations: (await commands.invocations(id)).map(invocationView) });
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/commands/{id}/cancel',
      scope: 'admin',
      summary: 'Cancel a run: invocations not sent are Cancelled, running ones are sent command.cancel',
      tags,
      params: idParam,
      response: { description: 'Cancelling', status: 202 },
    }),
    async (c) => c.json(runView(await commands.cancel(c.req.valid('param').id)), 202),
  );
}
