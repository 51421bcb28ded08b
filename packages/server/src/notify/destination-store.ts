import type { Kysely, Selectable } from 'kysely';
import type { Protocol } from '@tocsin/protocol';
import type { Database, DestinationTable } from '../db/db-schema.js';
import type { Subscription } from './notify-types.js';

type Q = Kysely<Database>;

export interface Destination extends Subscription {
  owner: string;
  configKey: string;
}

/**
 * A destination in the shape of a subscription: its events carry its id as their topic id, its label as their
 * topic.
 */
function toDestination(row: Selectable<DestinationTable>): Destination {
  return {
    id: row.id,
    topicId: row.id,
    topicName: row.label,
    owner: row.owner,
    name: row.name,
    protocol: row.protocol as Protocol,
    spec: JSON.parse(row.spec),
    secrets: JSON.parse(row.secrets),
    status: 'confirmed',
    unsubscribeToken: '',
    createdAt: row.created_at,
    updatedAt: row.created_at,
    configKey: row.config_key,
  };
}

export async function listDestinations(q: Q): Promise<Destination[]> {
  return (await q.selectFrom('destinations').selectAll().orderBy('label').orderBy('name').execute()).map(toDestination);
}

export async function findDestinationsByIds(q: Q, ids: readonly string[]): Promise<Destination[]> {
  if (ids.length === 0) return [];
  return (
    await q
      .selectFrom('destinations')
      .selectAll()
      .where('id', 'in', [...ids])
      .execute()
  ).map(toDestination);
}

export async function destinationsOf(q: Q, owner: string): Promise<Destination[]> {
  return (await q.selectFrom('destinations').selectAll().where('owner', '=', owner).execute()).map(toDestination);
}

export async function insertDestination(q: Q, d: Destination): Promise<void> {
  await q
    .insertInto('destinations')
    .values({
      id: d.id,
      owner: d.owner,
      label: d.topicName,
      name: d.name,
      protocol: d.protocol,
      spec: JSON.stringify(d.spec),
      secrets: JSON.stringify(d.secrets),
      config_key: d.configKey,
      created_at: d.createdAt,
    })
    .execute();
}

export async function deleteDestinations(q: Q, ids: readonly string[]): Promise<void> {
  if (ids.length)
    await q
      .deleteFrom('destinations')
      .where('id', 'in', [...ids])
      .execute();
}
