/**
 * The rules of the Healthchecks Management API v3 on Tocsin heartbeats:
 * create with `unique` (upsert), partial update, pause and resume (409 when
 * not paused), pings, flips and channels (topics). A check is a heartbeat;
 * its uuid is the heartbeat's ping UUID.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { HeartbeatSpec } from '@tocsin/protocol';
import type { Clock } from '../core/clock.js';
import { TocsinError } from '../core/errors.js';
import { uuidv7, uuidv7Floor } from '../core/ids.js';
import type { Database } from '../db/db-schema.js';
import {
  channelOf,
  flipsOf,
  pingNumberMs,
  pingNumberOf,
  tagsFromHc,
  tagsToHc,
  uniqueKeyOf,
  type HcSpec,
} from './hc-api-mapping.js';
import type { HeartbeatEntry, HeartbeatRegistry } from './heartbeat-registry.js';
import type { HeartbeatService } from './heartbeat-service.js';
import * as store from './heartbeat-store.js';

/** What the API needs of topics: their names and subscription protocols. */
export type TopicLister = () => Promise<{ name: string; subscriptions: Record<string, unknown>[] }[]>;

const DEFAULT_TIMEOUT_S = 86_400;
const DEFAULT_GRACE_S = 3_600;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UNIQUE_KEY = /^[A-Za-z0-9]{40}$/;
const VALID_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** Tocsin field paths as the Healthchecks fields they come from. */
const HC_FIELDS: Record<string, string> = {
  period: 'timeout',
  cron: 'schedule',
  timezone: 'tz',
  description: 'desc',
  topics: 'channels',
  displayName: 'name',
};

function badRequest(message: string): TocsinError {
  return new TocsinError('validation_failed', message);
}

/** A stored spec back in input form: durations as text, so it parses again unchanged. */
function inputOf(spec: HeartbeatSpec, slug: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...spec, slug };
  for (const k of ['period', 'grace', 'maxRuntime', 'minRuntime', 'tooOften'] as const)
    if (typeof out[k] === 'number') out[k] = `${out[k]}ms`;
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

export class HcApiService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly registry: HeartbeatRegistry,
    private readonly heartbeats: HeartbeatService,
    private readonly topics: TopicLister,
  ) {}

  /**
   * Checks with every given tag (Healthchecks' tag words) and, when given, the slug; oldest first, as Healthchecks
   * lists them.
   */
  list(tags: readonly string[], slug?: string): HeartbeatEntry[] {
    return this.byAge().filter((e) => {
      const words = tagsToHc(e.spec.tags).split(' ');
      return tags.every((t) => words.includes(t)) && (slug === undefined || slug === '' || e.row.slug === slug);
    });
  }

  /** A check by uuid, or (where Healthchecks allows it) by unique_key; undefined when the path names none. */
  find(id: string, byUniqueKey = false): HeartbeatEntry | undefined {
    if (UUID.test(id)) return this.registry.uuid(id);
    if (byUniqueKey && UNIQUE_KEY.test(id)) return this.registry.all().find((e) => uniqueKeyOf(e.row.pingUuid) === id);
    return undefined;
  }

  /** Whether a path segment has the shape of a check id (else Healthchecks has no such route: 404). */
  static isCheckId(id: string, byUniqueKey = false): boolean {
    return UUID.test(id) || (byUniqueKey && UNIQUE_KEY.test(id));
  }

  async pingCounts(entries: readonly HeartbeatEntry[]): Promise<Map<string, number>> {
    return store.countPings(this.db, entries.length > 50 ? undefined : entries.map((e) => e.row.id));
  }

  /** Creates a check, or with `unique` updates the first matching one; `created` tells 201 from 200. */
  async create(spec: HcSpec): Promise<{ entry: HeartbeatEntry; created: boolean }> {
    const existing = this.lookup(spec);
    if (existing) return { entry: await this.update(existing, spec), created: false };
    const uuid = randomUUID();
    const hcName = spec.name ?? '';
    const name = this.nameFor(hcName || spec.slug || `check-${uuid.slice(0, 8)}`);
    const input: Record<string, unknown> = {
      name,
      slug: spec.slug || this.slugFor(name),
      timezone: spec.tz ?? 'UTC',
      grace: `${spec.grace ?? DEFAULT_GRACE_S}s`,
      manualResume: spec.manual_resume ?? false,
      tags: tagsFromHc(spec.tags ?? ''),
      topics: spec.channels === undefined ? [] : await this.topicsFor(spec.channels),
    };
    if (hcName !== name) input.displayName = hcName;
    if (spec.desc) input.description = spec.desc;
    if (spec.schedule !== undefined) input.cron = spec.schedule;
    else input.period = `${spec.timeout ?? DEFAULT_TIMEOUT_S}s`;
    await this.heartbeats.create(this.parse(input), undefined, uuid);
    return { entry: this.registry.uuid(uuid)!, created: true };
  }

  /** Changes the fields the body gives; the others stay. */
  async update(e: HeartbeatEntry, spec: HcSpec): Promise<HeartbeatEntry> {
    const input = inputOf(e.spec, e.row.slug);
    if (spec.name !== undefined) {
      const name = this.nameFor(spec.name || String(e.row.name), e);
      input.name = name;
      if (spec.name !== name) input.displayName = spec.name;
      else delete input.displayName;
    }
    if (spec.slug !== undefined) input.slug = spec.slug || this.slugFor(String(input.name), e);
    if (spec.tags !== undefined) input.tags = tagsFromHc(spec.tags);
    if (spec.desc !== undefined) {
      if (spec.desc) input.description = spec.desc;
      else delete input.description;
    }
    // As in Healthchecks, a schedule wins over a timeout given with it.
    if (spec.schedule !== undefined) {
      input.cron = spec.schedule;
      delete input.period;
    } else if (spec.timeout !== undefined) {
      input.period = `${spec.timeout}s`;
      delete input.cron;
    }
    if (spec.tz !== undefined) input.timezone = spec.tz;
    if (spec.grace !== undefined) input.grace = `${spec.grace}s`;
    if (spec.manual_resume !== undefined) input.manualResume = spec.manual_resume;
    if (spec.channels !== undefined) input.topics = await this.topicsFor(spec.channels);
    await this.heartbeats.replace(e.row.name, this.parse(input));
    return this.registry.uuid(e.row.pingUuid)!;
  }

  async remove(e: HeartbeatEntry): Promise<void> {
    await this.heartbeats.remove(e.row.name);
  }

  /** Pauses (a paused check stays as it is) and records the change as a flip. */
  async pause(e: HeartbeatEntry): Promise<HeartbeatEntry> {
    if (e.runtime.state === 'PAUSED') return e;
    await this.heartbeats.setPaused(e.row.name, true);
    return this.recordChange(e);
  }

  /** Resumes a paused check; 409 "check is not paused" otherwise, as Healthchecks answers. */
  async resume(e: HeartbeatEntry): Promise<HeartbeatEntry> {
    if (e.runtime.state !== 'PAUSED') throw new TocsinError('conflict', 'check is not paused');
    await this.heartbeats.setPaused(e.row.name, false);
    return this.recordChange(e);
  }

  async pings(e: HeartbeatEntry, limit: number) {
    return store.listPingsWithoutBody(this.db, e.row.id, limit);
  }

  /** The stored body of ping number `n` (see pingNumberOf), or undefined. */
  async pingBody(e: HeartbeatEntry, n: number): Promise<string | undefined> {
    const ms = pingNumberMs(n);
    const rows = await store.pingsInIdRange(this.db, e.row.id, uuidv7Floor(ms), uuidv7Floor(ms + 1));
    return rows.find((r) => pingNumberOf(r.id) === n)?.body || undefined;
  }

  /** Flips between `from` and `to` (epoch ms), newest first. */
  async flips(e: HeartbeatEntry, from: number, to: number): Promise<{ at: number; up: 0 | 1 }[]> {
    return flipsOf(await store.listChangesBetween(this.db, e.row.id, from, to)).reverse();
  }

  async channels(): Promise<{ id: string; name: string; kind: string }[]> {
    return (await this.topics()).map(channelOf);
  }

  private lookup(spec: HcSpec): HeartbeatEntry | undefined {
    const unique = spec.unique ?? [];
    if (unique.length === 0 || unique.some((f) => spec[f] === undefined)) return undefined;
    const tags = spec.tags === undefined ? undefined : tagsToHc(tagsFromHc(spec.tags));
    const matches = (e: HeartbeatEntry) =>
      unique.every((f) => {
        if (f === 'name') return (e.spec.displayName ?? e.spec.name) === spec.name;
        if (f === 'slug') return e.row.slug === spec.slug;
        if (f === 'tags') return tagsToHc(e.spec.tags) === tags;
        if (f === 'timeout') return e.spec.period === spec.timeout! * 1000;
        return e.spec.grace === spec.grace! * 1000;
      });
    return this.byAge().find(matches);
  }

  private byAge(): HeartbeatEntry[] {
    return this.registry.all().sort((a, b) => a.row.createdAt - b.row.createdAt || (a.row.id < b.row.id ? -1 : 1));
  }

  /** A Tocsin name for a Healthchecks name (free text): itself when valid and free, else a safe, free variant. */
  private nameFor(hcName: string, self?: HeartbeatEntry): string {
    const safe = hcName
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[^A-Za-z0-9]+/, '')
      .slice(0, 120);
    const base = VALID_NAME.test(hcName) ? hcName : safe || 'check';
    const taken = (n: string) => {
      const other = this.registry.name(n);
      return other !== undefined && other !== self;
    };
    let name = base;
    for (let i = 2; taken(name); i++) name = `${base.slice(0, 120)}-${i}`;
    return name;
  }

  private slugFor(name: string, self?: HeartbeatEntry): string {
    const base = name
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .slice(0, 90);
    const taken = (s: string) => {
      const other = this.registry.slug(s);
      return other !== undefined && other !== self;
    };
    let slug = base;
    for (let i = 2; taken(slug); i++) slug = `${base}-${i}`;
    return slug;
  }

  /** Healthchecks' channels field: "*" every topic, "" none, else topic channel ids or names, comma-separated. */
  private async topicsFor(channels: string): Promise<string[]> {
    const all = await this.channels();
    if (channels === '*') return all.map((c) => c.name);
    if (channels === '') return [];
    const names = new Set<string>();
    for (const s of channels.split(',')) {
      if (s === '') throw badRequest('empty channel identifier');
      const matches = all.filter((c) => c.id === s || c.name === s);
      if (matches.length === 0) throw badRequest(`invalid channel identifier: ${s}`);
      if (matches.length > 1) throw badRequest(`non-unique channel identifier: ${s}`);
      names.add(matches[0].name);
    }
    return [...names];
  }

  /** Tocsin's own checks (cron, slug, ranges), with the message naming the Healthchecks field. */
  private parse(input: Record<string, unknown>): HeartbeatSpec & { slug: string } {
    try {
      return this.heartbeats.parse(input);
    } catch (err) {
      if (!(err instanceof TocsinError)) throw err;
      const issues = (err.details as { issues?: { path: string; message: string }[] } | undefined)?.issues ?? [
        { path: '', message: err.message },
      ];
      const first = issues[0];
      const field = HC_FIELDS[first.path.split('.')[0]] ?? first.path.split('.')[0];
      throw badRequest(`json validation error: ${field ? `${field}: ` : ''}${first.message}`);
    }
  }

  /** Pause and resume are state changes the API lists as flips. */
  private async recordChange(before: HeartbeatEntry): Promise<HeartbeatEntry> {
    const after = this.registry.uuid(before.row.pingUuid)!;
    const at = this.clock.now();
    const reason = after.runtime.state === 'PAUSED' ? 'paused' : 'resumed';
    await store.insertChanges(this.db, [
      {
        id: uuidv7(at),
        heartbeat_id: after.row.id,
        at,
        from_state: before.runtime.state,
        to_state: after.runtime.state,
        reason,
      },
    ]);
    return after;
  }
}
