/**
 * Status pages and their incidents: the admin side. A page lists monitors,
 * heartbeats and groups by name; a name that does not exist is a 400 naming
 * the item (`items.2.name`).
 *
 * Incident states: investigating → identified → monitoring → resolved, in
 * any order; each update carries one. An update with `resolved` resolves the
 * incident (resolvedAt set); a later update with another status reopens it
 * (resolvedAt cleared). Every write tells the listeners (the public cache,
 * and through the change bus the other nodes) which slug changed, and, once
 * committed and unless part of a caller's transaction (a config apply), the
 * live stream: `status-page` (name: the slug) or `incident` (name: its id,
 * with `page`, `title` and `status`), created | updated | deleted.
 */
import type { Kysely } from 'kysely';
import {
  incidentInputSchema,
  incidentUpdateInputSchema,
  statusPageInputSchema,
  type FieldIssue,
  type IncidentInput,
  type IncidentUpdateInput,
  type StatusPageItem,
  type StatusPageSpec,
} from '@tocsin/protocol';
import { localChangeBus, type ChangeBus } from '../cluster/change-bus.js';
import type { Clock } from '../core/clock.js';
import { fieldIssuesOf, invalid, notFound, TocsinError } from '../core/errors.js';
import { uuidv7 } from '../core/ids.js';
import type { Database } from '../db/db-schema.js';
import type { LiveChange } from '../live/live-hub.js';
import * as store from './status-page-store.js';

/** The change-bus topic of status pages and incidents, by slug. */
export const STATUS_PAGES_TOPIC = 'status_pages';

/** What an item may name, by type: the names that exist (or will, in a config file being applied). */
export type ItemNames = Record<StatusPageItem['type'], ReadonlySet<string>>;

type Edit = 'created' | 'updated' | 'deleted';

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export function incidentView(i: store.IncidentRecord) {
  return {
    id: i.id,
    title: i.title,
    impact: i.impact,
    status: i.status,
    createdAt: new Date(i.createdAt).toISOString(),
    resolvedAt: iso(i.resolvedAt),
    updates: i.updates.map((u) => ({
      id: u.id,
      status: u.status,
      body: u.body,
      createdAt: new Date(u.createdAt).toISOString(),
    })),
  };
}

export type IncidentView = ReturnType<typeof incidentView>;

/** The issues of items naming what does not exist; paths carry `prefix` (a config file's place). */
export function missingItems(items: readonly StatusPageItem[], names: ItemNames, prefix = ''): FieldIssue[] {
  const at = (i: number) => [prefix, 'items', String(i), 'name'].filter((p) => p !== '').join('.');
  return items.flatMap((item, i) =>
    names[item.type].has(item.name) ? [] : [{ path: at(i), message: `${item.type} '${item.name}' does not exist` }],
  );
}

export class StatusPageService {
  private readonly listeners: ((slug: string) => void)[] = [];
  private readonly changes: ChangeBus;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    /** The names items may use now. */
    private readonly names: () => ItemNames,
    private readonly publicUrl: () => string,
    changes?: ChangeBus,
    private readonly live: (change: LiveChange) => void = () => {},
  ) {
    this.changes = changes ?? localChangeBus;
  }

  private pageEdited(q: Kysely<Database>, slug: string, state: Edit): void {
    if (q === this.db) this.live({ type: 'status-page', name: slug, state, at: this.clock.now() });
  }

  private incidentEdited(slug: string, i: { id: string; title: string; status: string }, state: Edit): void {
    const { id, title, status } = i;
    this.live({ type: 'incident', name: id, state, at: this.clock.now(), page: slug, title, status });
  }

  /** Calls `listener` with the slug of each page whose page or incidents changed (here, or elsewhere via `changed`). */
  onChange(listener: (slug: string) => void): void {
    this.listeners.push(listener);
  }

  /** Slugs changed through another node. */
  changed(slugs: readonly string[]): void {
    for (const slug of slugs) for (const l of this.listeners) l(slug);
  }

  /** Tells the other nodes (when `q` commits); local listeners are told by the caller once the write is done. */
  private async announce(q: Kysely<Database>, slug: string): Promise<void> {
    await this.changes.publish(q, STATUS_PAGES_TOPIC, [slug]);
  }

  /** Validates a page's schema (issues prefixed by `prefix`); names are checked by `put`. */
  parse(input: unknown, prefix = ''): StatusPageSpec {
    const parsed = statusPageInputSchema.safeParse(input);
    if (!parsed.success) throw invalid(fieldIssuesOf(parsed.error.issues, prefix));
    const seen = new Set<string>();
    const dupes = parsed.data.items.flatMap((item, i) => {
      const key = `${item.type}/${item.name}`;
      if (seen.has(key))
        return [{ path: [prefix, 'items', i].filter((p) => p !== '').join('.'), message: `${key} is listed twice` }];
      seen.add(key);
      return [];
    });
    if (dupes.length) throw invalid(dupes);
    return parsed.data;
  }

  view(p: store.StatusPageRecord) {
    return {
      ...p.spec,
      url: `${this.publicUrl()}/status/${p.spec.slug}`,
      createdAt: new Date(p.createdAt).toISOString(),
      updatedAt: new Date(p.updatedAt).toISOString(),
    };
  }

  async list(q: Kysely<Database> = this.db): Promise<store.StatusPageRecord[]> {
    return store.listPages(q);
  }

  async find(slug: string, q: Kysely<Database> = this.db): Promise<store.StatusPageRecord | undefined> {
    return store.pageBySlug(q, slug);
  }

  async get(slug: string, q: Kysely<Database> = this.db): Promise<store.StatusPageRecord> {
    const p = await store.pageBySlug(q, slug);
    if (!p) throw notFound('status page', slug);
    return p;
  }

  /** Creates or replaces the page; `names` overrides what items may name (a config file declaring them). */
  async put(
    spec: StatusPageSpec,
    q: Kysely<Database> = this.db,
    names: ItemNames = this.names(),
  ): Promise<{ page: store.StatusPageRecord; created: boolean }> {
    const issues = missingItems(spec.items, names);
    if (issues.length) throw invalid(issues);
    const now = this.clock.now();
    const existing = await store.pageBySlug(q, spec.slug);
    const page = { id: existing?.id ?? uuidv7(now), spec, createdAt: existing?.createdAt ?? now, updatedAt: now };
    await store.upsertPage(q, page);
    await this.announce(q, spec.slug);
    // Inside a caller's transaction (config apply) this runs before its commit: a build in between shows the old
    // page for at most the cache's 30 s.
    this.changed([spec.slug]);
    this.pageEdited(q, spec.slug, existing ? 'updated' : 'created');
    return { page, created: !existing };
  }

  /** Creates a new page; a slug that is taken is a 409 (PUT replaces instead). */
  async create(spec: StatusPageSpec): Promise<store.StatusPageRecord> {
    const issues = missingItems(spec.items, this.names());
    if (issues.length) throw invalid(issues);
    const now = this.clock.now();
    const page = { id: uuidv7(now), spec, createdAt: now, updatedAt: now };
    const inserted = await this.db.transaction().execute(async (trx) => {
      if (!(await store.insertPage(trx, page))) return false;
      await this.announce(trx, spec.slug);
      return true;
    });
    if (!inserted)
      throw new TocsinError('conflict', `a status page with slug '${spec.slug}' already exists; pick another slug`, {
        issues: [{ path: 'slug', message: `there is already a status page '${spec.slug}'; pick another slug` }],
      });
    this.changed([spec.slug]);
    this.pageEdited(this.db, spec.slug, 'created');
    return page;
  }

  async remove(slug: string, q: Kysely<Database> = this.db): Promise<void> {
    if (!(await store.deletePage(q, slug))) throw notFound('status page', slug);
    await this.announce(q, slug);
    this.changed([slug]);
    this.pageEdited(q, slug, 'deleted');
  }

  /** The page's incidents, newest first (all, or open and resolved since `resolvedSince`). */
  async incidents(slug: string, resolvedSince?: number): Promise<store.IncidentRecord[]> {
    const page = await this.get(slug);
    return store.listIncidents(this.db, page.id, { resolvedSince });
  }

  parseIncident(input: unknown): IncidentInput {
    const parsed = incidentInputSchema.safeParse(input);
    if (!parsed.success) throw invalid(fieldIssuesOf(parsed.error.issues));
    return parsed.data;
  }

  parseUpdate(input: unknown): IncidentUpdateInput {
    const parsed = incidentUpdateInputSchema.safeParse(input);
    if (!parsed.success) throw invalid(fieldIssuesOf(parsed.error.issues));
    return parsed.data;
  }

  /** Opens an incident with its first update (a `resolved` status records one already over). */
  async createIncident(slug: string, input: IncidentInput): Promise<store.IncidentRecord> {
    const now = this.clock.now();
    const id = uuidv7(now);
    await this.db.transaction().execute(async (trx) => {
      const page = await this.get(slug, trx);
      const resolvedAt = input.status === 'resolved' ? now : null;
      const incident = { id, pageId: page.id, title: input.title, impact: input.impact, status: input.status };
      await store.insertIncident(trx, { ...incident, createdAt: now, resolvedAt });
      await store.insertIncidentUpdate(trx, id, {
        id: uuidv7(now),
        status: input.status,
        body: input.body,
        createdAt: now,
      });
      await this.announce(trx, slug);
    });
    this.changed([slug]);
    const created = await this.incident(slug, id);
    this.incidentEdited(slug, created, 'created');
    return created;
  }

  /** Adds an update; its status becomes the incident's (resolved resolves it, any other reopens it). */
  async addUpdate(slug: string, incidentId: string, input: IncidentUpdateInput): Promise<store.IncidentRecord> {
    const now = this.clock.now();
    await this.db.transaction().execute(async (trx) => {
      const current = await this.incident(slug, incidentId, trx);
      const resolvedAt = input.status === 'resolved' ? (current.resolvedAt ?? now) : null;
      await store.setIncidentStatus(trx, incidentId, input.status, resolvedAt);
      await store.insertIncidentUpdate(trx, incidentId, {
        id: uuidv7(now),
        status: input.status,
        body: input.body,
        createdAt: now,
      });
      await this.announce(trx, slug);
    });
    this.changed([slug]);
    const updated = await this.incident(slug, incidentId);
    this.incidentEdited(slug, updated, 'updated');
    return updated;
  }

  async removeIncident(slug: string, incidentId: string): Promise<void> {
    const gone = await this.db.transaction().execute(async (trx) => {
      const found = await this.incident(slug, incidentId, trx);
      if (!(await store.deleteIncident(trx, found.pageId, incidentId))) throw notFound('incident', incidentId);
      await this.announce(trx, slug);
      return found;
    });
    this.changed([slug]);
    this.incidentEdited(slug, gone, 'deleted');
  }

  async incident(slug: string, id: string, q: Kysely<Database> = this.db): Promise<store.IncidentRecord> {
    const page = await this.get(slug, q);
    const [found] = await store.listIncidents(q, page.id, { id });
    if (!found) throw notFound('incident', id);
    return found;
  }
}
