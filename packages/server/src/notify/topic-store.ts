import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Protocol } from '@tocsin/protocol';
import type { Database, SubscriptionTable, TopicTable } from '../db/db-schema.js';
import type { Subscription, SubscriptionStatus, Topic } from './notify-types.js';

type Q = Kysely<Database>;

function toTopic(row: Selectable<TopicTable>): Topic {
  return {
    id: row.id,
    name: row.name,
    displayName: row.display_name,
    tags: JSON.parse(row.tags),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toSubscription(row: Selectable<SubscriptionTable> & { topic_name: string }): Subscription {
  return {
    id: row.id,
    topicId: row.topic_id,
    topicName: row.topic_name,
    name: row.name,
    protocol: row.protocol as Protocol,
    spec: JSON.parse(row.spec),
    secrets: JSON.parse(row.secrets),
    status: row.status,
    unsubscribeToken: row.unsubscribe_token,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function listTopics(q: Q): Promise<Topic[]> {
  const rows = await q.selectFrom('topics').selectAll().orderBy('name').execute();
  return rows.map(toTopic);
}

export async function findTopic(q: Q, name: string): Promise<Topic | undefined> {
  const row = await q.selectFrom('topics').selectAll().where('name', '=', name).executeTakeFirst();
  return row && toTopic(row);
}

export async function findTopicsByName(q: Q, names: readonly string[]): Promise<Topic[]> {
  if (names.length === 0) return [];
  const rows = await q
    .selectFrom('topics')
    .selectAll()
    .where('name', 'in', [...names])
    .execute();
  return rows.map(toTopic);
}

export async function insertTopic(q: Q, topic: Topic): Promise<void> {
  await q
    .insertInto('topics')
    .values({
      id: topic.id,
      name: topic.name,
      display_name: topic.displayName,
      tags: JSON.stringify(topic.tags),
      created_at: topic.createdAt,
      updated_at: topic.updatedAt,
    })
    .execute();
}

export async function updateTopic(q: Q, topic: Topic): Promise<void> {
  await q
    .updateTable('topics')
    .set({ display_name: topic.displayName, tags: JSON.stringify(topic.tags), updated_at: topic.updatedAt })
    .where('id', '=', topic.id)
    .execute();
}

export async function deleteTopic(q: Q, id: string): Promise<void> {
  await q.deleteFrom('subscriptions').where('topic_id', '=', id).execute();
  await q.deleteFrom('topics').where('id', '=', id).execute();
}

function subscriptionQuery(q: Q) {
  return q
    .selectFrom('subscriptions')
    .innerJoin('topics', 'topics.id', 'subscriptions.topic_id')
    .selectAll('subscriptions')
    .select('topics.name as topic_name');
}

export async function listSubscriptions(q: Q, topicId?: string): Promise<Subscription[]> {
  let query = subscriptionQuery(q);
  if (topicId) query = query.where('subscriptions.topic_id', '=', topicId);
  const rows = await query.orderBy('topics.name').orderBy('subscriptions.name').execute();
  return rows.map(toSubscription);
}

export async function subscriptionsOfTopics(q: Q, topicIds: readonly string[]): Promise<Subscription[]> {
  if (topicIds.length === 0) return [];
  const rows = await subscriptionQuery(q)
    .where('subscriptions.topic_id', 'in', [...topicIds])
    .execute();
  return rows.map(toSubscription);
}

export async function findSubscription(q: Q, id: string): Promise<Subscription | undefined> {
  const row = await subscriptionQuery(q).where('subscriptions.id', '=', id).executeTakeFirst();
  return row && toSubscription(row);
}

export async function findSubscriptionsByIds(q: Q, ids: readonly string[]): Promise<Subscription[]> {
  if (ids.length === 0) return [];
  const rows = await subscriptionQuery(q)
    .where('subscriptions.id', 'in', [...ids])
    .execute();
  return rows.map(toSubscription);
}

export async function findSubscriptionByConfirmHash(
  q: Q,
  hash: string,
): Promise<(Subscription & { confirmExpiresAt: number | null }) | undefined> {
  const row = await subscriptionQuery(q).where('subscriptions.confirm_token_hash', '=', hash).executeTakeFirst();
  return row && { ...toSubscription(row), confirmExpiresAt: row.confirm_expires_at };
}

export async function findSubscriptionByUnsubscribeToken(q: Q, token: string): Promise<Subscription | undefined> {
  const row = await subscriptionQuery(q).where('subscriptions.unsubscribe_token', '=', token).executeTakeFirst();
  return row && toSubscription(row);
}

export async function insertSubscription(
  q: Q,
  sub: Subscription,
  confirm?: { tokenHash: string; expiresAt: number },
): Promise<void> {
  await q
    .insertInto('subscriptions')
    .values({
      id: sub.id,
      topic_id: sub.topicId,
      name: sub.name,
      protocol: sub.protocol,
      spec: JSON.stringify(sub.spec),
      secrets: JSON.stringify(sub.secrets),
      status: sub.status,
      confirm_token_hash: confirm?.tokenHash ?? null,
      confirm_expires_at: confirm?.expiresAt ?? null,
      unsubscribe_token: sub.unsubscribeToken,
      created_at: sub.createdAt,
      updated_at: sub.updatedAt,
    })
    .execute();
}

export async function updateSubscriptionSpec(q: Q, sub: Subscription): Promise<void> {
  await q
    .updateTable('subscriptions')
    .set({ spec: JSON.stringify(sub.spec), secrets: JSON.stringify(sub.secrets), updated_at: sub.updatedAt })
    .where('id', '=', sub.id)
    .execute();
}

export async function setSubscriptionStatus(
  q: Q,
  id: string,
  status: SubscriptionStatus,
  now: number,
  confirm?: { tokenHash: string; expiresAt: number } | null,
): Promise<void> {
  const set: Updateable<SubscriptionTable> = { status, updated_at: now };
  if (confirm !== undefined) {
    set.confirm_token_hash = confirm?.tokenHash ?? null;
    set.confirm_expires_at = confirm?.expiresAt ?? null;
  }
  await q.updateTable('subscriptions').set(set).where('id', '=', id).execute();
}

export async function deleteSubscription(q: Q, id: string): Promise<void> {
  await q.deleteFrom('subscriptions').where('id', '=', id).execute();
}
