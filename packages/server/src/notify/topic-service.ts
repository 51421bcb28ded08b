/**
 * Topics and subscriptions, as SNS has them.
 *
 * Subscription states:
 *   (created, e-mail) ──▶ pending ──confirm link within 3 days──▶ confirmed
 *   (created, other)  ──▶ confirmed
 *   pending | confirmed ──unsubscribe link──▶ unsubscribed
 *   e-mail endpoint changed ──▶ pending again, with a new confirmation mail
 * Only confirmed subscriptions receive events.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  subscriptionInputSchema,
  topicInputSchema,
  type FieldIssue,
  type SubscriptionSpec,
  type TopicSpec,
} from '@tocsin/protocol';
import type { Clock } from '../core/clock.js';
import { TocsinError, fieldIssuesOf, invalid, notFound } from '../core/errors.js';
import { randomToken, uuidv7 } from '../core/ids.js';
import { redactedIssues } from '../core/redacted-values.js';
import type { Database } from '../db/db-schema.js';
import { channelSpecIssues } from './channels/spec-checks.js';
import type { Subscription, Topic } from './notify-types.js';
import { insertDeliveries, insertEvent } from './outbox-store.js';
import { mergeSecrets, splitSpec, subscriptionView } from './subscription-spec.js';
import * as store from './topic-store.js';

export const CONFIRM_VALIDITY_MS = 3 * 86400_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface TopicView {
  name: string;
  displayName: string | null;
  tags: Record<string, string>;
  subscriptions: (Record<string, unknown> & { id: string; status: string })[];
  createdAt: string;
  updatedAt: string;
}

/**
 * What names topics in another domain (monitors, heartbeats, alarms): a
 * topic they name cannot be deleted. Each domain gives one, in app.ts, so
 * that this module reads no other domain's tables.
 */
export interface TopicReferrer {
  /** The config section of those resources; a config document that has it checks its references itself. */
  section: string;
  /** The resources naming `topic`, as people call them (`monitor 'api'`). */
  namesOf(topic: string): string[];
}

/** Looks a `${VAR}` ref up by a subscription field name. */
export type RefLookup = (subscriptionIndex: number, field: string) => string | undefined;

export class TopicService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    /** Called after a commit that queued deliveries (confirmation mails). */
    private readonly onQueued: () => void = () => {},
    private readonly referrers: readonly TopicReferrer[] = [],
  ) {}

  /** What names a topic, from the sections `except` (a config document's own sections, which it checks itself). */
  referrersOf(topic: string, except: ReadonlySet<string> = new Set()): string[] {
    return this.referrers.filter((r) => !except.has(r.section)).flatMap((r) => r.namesOf(topic));
  }

  view(topic: Topic, subs: Subscription[]): TopicView {
    return {
      name: topic.name,
      displayName: topic.displayName,
      tags: topic.tags,
      subscriptions: subs.map((s) => ({ id: s.id, status: s.status, ...subscriptionView(s) })),
      createdAt: new Date(topic.createdAt).toISOString(),
      updatedAt: new Date(topic.updatedAt).toISOString(),
    };
  }

  async list(): Promise<TopicView[]> {
    const [topics, subs] = await Promise.all([store.listTopics(this.db), store.listSubscriptions(this.db)]);
    return topics.map((t) =>
      this.view(
        t,
        subs.filter((s) => s.topicId === t.id),
      ),
    );
  }

  async get(name: string, q: Kysely<Database> = this.db): Promise<{ topic: Topic; subscriptions: Subscription[] }> {
    const topic = await store.findTopic(q, name);
    if (!topic) throw notFound('topic', name);
    return { topic, subscriptions: await store.listSubscriptions(q, topic.id) };
  }

  parseTopic(input: unknown): TopicSpec {
    const parsed = topicInputSchema.safeParse(input);
    if (!parsed.success) throw invalid(fieldIssuesOf(parsed.error.issues));
    const issues = (parsed.data.subscriptions ?? []).flatMap((s, j) => channelSpecIssues(s, `subscriptions.${j}.`));
    if (issues.length) throw invalid(issues);
    checkUniqueNames(parsed.data.subscriptions ?? []);
    return parsed.data;
  }

  parseSubscription(input: unknown): SubscriptionSpec {
    const parsed = subscriptionInputSchema.safeParse(input);
    if (!parsed.success) throw invalid(fieldIssuesOf(parsed.error.issues));
    const issues = channelSpecIssues(parsed.data);
    if (issues.length) throw invalid(issues);
    return parsed.data;
  }

  async create(spec: TopicSpec, refs: RefLookup = () => undefined, q?: Kysely<Database>): Promise<TopicView> {
    const run = async (trx: Kysely<Database>): Promise<TopicView> => {
      if (await store.findTopic(trx, spec.name))
        throw new TocsinError('conflict', `topic '${spec.name}' already exists`);
      rejectUnresolved(spec.subscriptions ?? [], []);
      const now = this.clock.now();
      const topic: Topic = {
        id: uuidv7(now),
        name: spec.name,
        displayName: spec.displayName ?? null,
        tags: spec.tags ?? {},
        createdAt: now,
        updatedAt: now,
      };
      await store.insertTopic(trx, topic);
      const subs: Subscription[] = [];
      for (const [i, s] of (spec.subscriptions ?? []).entries())
        subs.push(await this.insertSubscription(trx, topic, s, (f) => refs(i, f)));
      return this.view(topic, subs);
    };
    return this.inTransaction(q, run);
  }

  /**
   * Replaces a topic's settings and its subscriptions: subscriptions are
   * matched by name, changed in place, created, and (with `prune`) removed.
   */
  async replace(
    name: string,
    spec: TopicSpec,
    options: { prune: boolean; refs?: RefLookup },
    q?: Kysely<Database>,
  ): Promise<TopicView> {
    if (spec.name !== name)
      throw invalid([{ path: 'name', message: `does not match the topic in the URL ('${name}')` }]);
    const refs = options.refs ?? (() => undefined);
    return this.inTransaction(q, async (trx) => {
      const { topic, subscriptions } = await this.get(name, trx);
      rejectUnresolved(spec.subscriptions ?? [], subscriptions);
      const now = this.clock.now();
      const updated: Topic = { ...topic, displayName: spec.displayName ?? null, tags: spec.tags ?? {}, updatedAt: now };
      await store.updateTopic(trx, updated);
      const wanted = spec.subscriptions ?? [];
      const kept: Subscription[] = [];
      for (const [i, s] of wanted.entries()) {
        const split = splitSpec(s, (f) => refs(i, f));
        const existing = subscriptions.find((x) => x.name === split.name);
        if (!existing) {
          kept.push(await this.insertSubscription(trx, topic, s, (f) => refs(i, f)));
          continue;
        }
        const next: Subscription = {
          ...existing,
          spec: split.publicSpec,
          secrets: mergeSecrets(existing.secrets, split.secrets),
          updatedAt: now,
        };
        await store.updateSubscriptionSpec(trx, next);
        if (
          existing.protocol === 'email' &&
          existing.spec.endpoint !== next.spec.endpoint &&
          existing.status !== 'unsubscribed'
        ) {
          await this.requestConfirmation(trx, next);
          next.status = 'pending';
        }
        kept.push(next);
      }
      for (const s of subscriptions) {
        if (kept.some((k) => k.id === s.id)) continue;
        if (options.prune) await store.deleteSubscription(trx, s.id);
        else kept.push(s);
      }
      return this.view(updated, kept);
    });
  }

  /**
   * Deletes a topic and its subscriptions; refused (409) while monitors,
   * heartbeats or alarms name it, since their alerts would go nowhere.
   * `referrersChecked`: the caller (a config apply) has checked them against what it applies.
   */
  async remove(name: string, q?: Kysely<Database>, options: { referrersChecked?: boolean } = {}): Promise<void> {
    await this.inTransaction(q, async (trx) => {
      const { topic } = await this.get(name, trx);
      const referrers = options.referrersChecked ? [] : this.referrersOf(name);
      if (referrers.length) {
        throw new TocsinError(
          'conflict',
          `topic '${name}' is named by ${referrers.join(', ')}; ` +
            `change or delete ${referrers.length > 1 ? 'those' : 'that'} first`,
          { referrers },
        );
      }
      await store.deleteTopic(trx, topic.id);
    });
  }

  async addSubscription(topicName: string, spec: SubscriptionSpec): Promise<TopicView> {
    return this.inTransaction(undefined, async (trx) => {
      const { topic, subscriptions } = await this.get(topicName, trx);
      const name = splitSpec(spec).name;
      rejectUnresolved([spec], [], (_, field) => field);
      if (subscriptions.some((s) => s.name === name)) {
        throw new TocsinError(
          'conflict',
          `topic '${topicName}' already has a subscription named '${name}'; give this one another name`,
        );
      }
      const sub = await this.insertSubscription(trx, topic, spec, () => undefined);
      return this.view(topic, [...subscriptions, sub]);
    });
  }

  async removeSubscription(topicName: string, subName: string): Promise<void> {
    const { subscriptions } = await this.get(topicName);
    const sub = subscriptions.find((s) => s.name === subName);
    if (!sub) throw notFound('subscription', `${topicName}/${subName}`);
    await store.deleteSubscription(this.db, sub.id);
  }

  /** Sends a new confirmation mail to a pending e-mail subscription. */
  async resendConfirmation(topicName: string, subName: string): Promise<void> {
    const { subscriptions } = await this.get(topicName);
    const sub = subscriptions.find((s) => s.name === subName);
    if (!sub) throw notFound('subscription', `${topicName}/${subName}`);
    if (sub.protocol !== 'email' || sub.status !== 'pending') {
      throw new TocsinError(
        'conflict',
        `subscription '${subName}' is ${sub.status}; only pending e-mail subscriptions are confirmed`,
      );
    }
    await this.inTransaction(undefined, (trx) => this.requestConfirmation(trx, sub));
  }

  /** The pending subscription a confirmation link stands for; 404 when unknown, used or expired. */
  async findByConfirmToken(token: string): Promise<Subscription> {
    const sub = await store.findSubscriptionByConfirmHash(this.db, hashToken(token));
    if (!sub) throw new TocsinError('not_found', 'this confirmation link is not valid; it may have been used already');
    if (sub.confirmExpiresAt !== null && sub.confirmExpiresAt < this.clock.now()) {
      throw new TocsinError(
        'not_found',
        'this confirmation link has expired (links are valid for 3 days); ask for a new one',
      );
    }
    return sub;
  }

  /** Confirms by the token of a confirmation link. */
  async confirm(token: string): Promise<Subscription> {
    const sub = await this.findByConfirmToken(token);
    await store.setSubscriptionStatus(this.db, sub.id, 'confirmed', this.clock.now(), null);
    return { ...sub, status: 'confirmed' };
  }

  async findByUnsubscribeToken(token: string): Promise<Subscription> {
    const sub = await store.findSubscriptionByUnsubscribeToken(this.db, token);
    if (!sub) throw new TocsinError('not_found', 'this unsubscribe link is not valid');
    return sub;
  }

  async unsubscribe(token: string): Promise<Subscription> {
    const sub = await this.findByUnsubscribeToken(token);
    await store.setSubscriptionStatus(this.db, sub.id, 'unsubscribed', this.clock.now(), null);
    return { ...sub, status: 'unsubscribed' };
  }

  private async insertSubscription(
    trx: Kysely<Database>,
    topic: Topic,
    spec: SubscriptionSpec,
    refOf: (field: string) => string | undefined,
  ): Promise<Subscription> {
    const now = this.clock.now();
    const { name, publicSpec, secrets } = splitSpec(spec, refOf);
    const sub: Subscription = {
      id: uuidv7(now),
      topicId: topic.id,
      topicName: topic.name,
      name,
      protocol: spec.protocol,
      spec: publicSpec,
      secrets,
      status: spec.protocol === 'email' ? 'pending' : 'confirmed',
      unsubscribeToken: randomToken(32),
      createdAt: now,
      updatedAt: now,
    };
    await store.insertSubscription(trx, sub);
    if (sub.status === 'pending') await this.requestConfirmation(trx, sub);
    return sub;
  }

  /** Queues a confirmation mail (a delivery like any other: retried, dead-lettered, replayable). */
  private async requestConfirmation(trx: Kysely<Database>, sub: Subscription): Promise<void> {
    const now = this.clock.now();
    const token = randomToken(32);
    await store.setSubscriptionStatus(trx, sub.id, 'pending', now, {
      tokenHash: hashToken(token),
      expiresAt: now + CONFIRM_VALIDITY_MS,
    });
    const eventId = uuidv7(now);
    await insertEvent(
      trx,
      {
        id: eventId,
        topic: sub.topicName,
        kind: 'subscription.confirm',
        severity: 'info',
        source: { type: 'topic', name: sub.topicName, tags: {} },
        title: `Confirm your subscription to ${sub.topicName}`,
        text: '',
        attributes: { confirmToken: token, subscription: sub.name },
        dedupKey: eventId,
        time: now,
      },
      sub.topicId,
      now,
    );
    await insertDeliveries(trx, [{ id: uuidv7(now), eventId, subscriptionId: sub.id, purpose: 'confirmation' }], now);
  }

  private async inTransaction<T>(
    q: Kysely<Database> | undefined,
    run: (trx: Kysely<Database>) => Promise<T>,
  ): Promise<T> {
    if (q) return run(q);
    const result = await this.db.transaction().execute(run);
    this.onQueued();
    return result;
  }
}

/**
 * Secrets of subscriptions given as `<redacted>` with no stored value behind
 * them (a new subscription, or a field the stored one lacks): `stored` are
 * the topic's subscriptions now; `pathOf` places an issue (`subscriptions.0.routingKey`).
 */
export function unresolvedSecrets(
  subs: readonly SubscriptionSpec[],
  stored: readonly Subscription[],
  pathOf: (index: number, field: string) => string = (i, f) => `subscriptions.${i}.${f}`,
): FieldIssue[] {
  return subs.flatMap((s, i) => {
    const split = splitSpec(s);
    const match = stored.find((x) => x.name === split.name && x.protocol === s.protocol);
    const secrets = match ? mergeSecrets(match.secrets, split.secrets) : split.secrets;
    return Object.entries(secrets).flatMap(([k, v]) => redactedIssues(v.value, pathOf(i, k)));
  });
}

function rejectUnresolved(
  subs: readonly SubscriptionSpec[],
  stored: readonly Subscription[],
  pathOf?: (index: number, field: string) => string,
): void {
  const issues = unresolvedSecrets(subs, stored, pathOf);
  if (issues.length) throw invalid(issues);
}

/** Two subscriptions of one topic may not share a name (given or defaulted). */
export function checkUniqueNames(subs: readonly SubscriptionSpec[], prefix = 'subscriptions'): void {
  const seen = new Map<string, number>();
  const issues = [];
  for (const [i, s] of subs.entries()) {
    const name = splitSpec(s).name;
    const first = seen.get(name);
    if (first !== undefined) {
      issues.push({
        path: `${prefix}.${i}.name`,
        message: `'${name}' is also the name of subscription ${first}; give each subscription of a topic its own name`,
      });
    } else seen.set(name, i);
  }
  if (issues.length) throw invalid(issues);
}
