import type { Kysely } from 'kysely';
import type { LogRuleSpec } from '@tocsin/protocol';
import type { Database } from '../../db/db-schema.js';

type Q = Kysely<Database>;

export interface LogRuleRecord {
  spec: LogRuleSpec;
  createdAt: number;
  updatedAt: number;
}

function recordOf(r: { spec: string; created_at: number | string; updated_at: number | string }): LogRuleRecord {
  return { spec: JSON.parse(r.spec) as LogRuleSpec, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) };
}

/** Every rule, by name. */
export async function listRules(q: Q): Promise<LogRuleRecord[]> {
  return (await q.selectFrom('log_rules').selectAll().orderBy('name').execute()).map(recordOf);
}

export async function loadRules(q: Q, names: readonly string[]): Promise<LogRuleRecord[]> {
  if (names.length === 0) return [];
  const rows = await q
    .selectFrom('log_rules')
    .selectAll()
    .where('name', 'in', [...names])
    .execute();
  return rows.map(recordOf);
}

/** Writes the rule, replacing the one of the same name (its creation time stays); says whether it was new. */
export async function upsertRule(q: Q, spec: LogRuleSpec, now: number): Promise<LogRuleRecord & { created: boolean }> {
  const existing = await q
    .selectFrom('log_rules')
    .select('created_at')
    .where('name', '=', spec.name)
    .executeTakeFirst();
  const fields = { kind: spec.kind, spec: JSON.stringify(spec), updated_at: now };
  await q
    .insertInto('log_rules')
    .values({ name: spec.name, created_at: now, ...fields })
    .onConflict((oc) => oc.column('name').doUpdateSet(fields))
    .execute();
  const createdAt = existing ? Number(existing.created_at) : now;
  return { spec, createdAt, updatedAt: now, created: !existing };
}

/** Deletes the rule; says whether there was one. */
export async function deleteRule(q: Q, name: string): Promise<boolean> {
  const result = await q.deleteFrom('log_rules').where('name', '=', name).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** A subscription of a topic a route names, with the URLs it sends to (spec and secret fields alike). */
export interface RouteTarget {
  topic: string;
  subscription: string;
  protocol: string;
  urls: string[];
}

/**
 * The subscriptions of these topics with every URL-looking value of their spec and secrets, to refuse a route
 * that would send into Tocsin's own ingest. Read-only, on notify's tables: no notify service offers it yet.
 */
export async function routeTargets(q: Q, topics: readonly string[]): Promise<RouteTarget[]> {
  if (topics.length === 0) return [];
  const rows = await q
    .selectFrom('subscriptions')
    .innerJoin('topics', 'topics.id', 'subscriptions.topic_id')
    .select(['topics.name as topic', 'subscriptions.name', 'subscriptions.protocol', 'subscriptions.spec'])
    .select('subscriptions.secrets')
    .where('topics.name', 'in', [...topics])
    .execute();
  return rows.map((r) => ({
    topic: r.topic,
    subscription: r.name,
    protocol: r.protocol,
    urls: [...urlsIn(JSON.parse(r.spec)), ...urlsIn(JSON.parse(r.secrets))],
  }));
}

function urlsIn(value: unknown, out: string[] = [], depth = 0): string[] {
  if (typeof value === 'string') {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) out.push(value);
  } else if (value && typeof value === 'object' && depth < 4) {
    for (const v of Object.values(value)) urlsIn(v, out, depth + 1);
  }
  return out;
}
