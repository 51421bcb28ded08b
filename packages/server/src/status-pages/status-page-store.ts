import type { Kysely } from 'kysely';
import type { IncidentImpact, IncidentStatus, StatusPageItem, StatusPageSpec } from '@tocsin/protocol';
import type { Database } from '../db/db-schema.js';

type Q = Kysely<Database>;

export interface StatusPageRecord {
  id: string;
  spec: StatusPageSpec;
  createdAt: number;
  updatedAt: number;
}

export interface IncidentUpdateRecord {
  id: string;
  status: IncidentStatus;
  body: string;
  createdAt: number;
}

export interface IncidentRecord {
  id: string;
  pageId: string;
  title: string;
  impact: IncidentImpact;
  status: IncidentStatus;
  createdAt: number;
  resolvedAt: number | null;
  /** Oldest first. */
  updates: IncidentUpdateRecord[];
}

type PageRow = Awaited<ReturnType<typeof selectPages>>[number];

function selectPages(q: Q) {
  return q.selectFrom('status_pages').selectAll().execute();
}

function pageOf(r: PageRow): StatusPageRecord {
  const spec: StatusPageSpec = { slug: r.slug, title: r.title, items: JSON.parse(r.items) as StatusPageItem[] };
  if (r.description !== null) spec.description = r.description;
  if (r.logo_url !== null) spec.logoUrl = r.logo_url;
  if (r.footer !== null) spec.footer = r.footer;
  return { id: r.id, spec, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) };
}

/** Every page, by slug. */
export async function listPages(q: Q): Promise<StatusPageRecord[]> {
  const rows = await q.selectFrom('status_pages').selectAll().orderBy('slug').execute();
  return rows.map(pageOf);
}

export async function pageBySlug(q: Q, slug: string): Promise<StatusPageRecord | undefined> {
  const r = await q.selectFrom('status_pages').selectAll().where('slug', '=', slug).executeTakeFirst();
  return r ? pageOf(r) : undefined;
}

/** Writes the page, replacing the one of the same slug (its id and creation time stay). */
export async function upsertPage(q: Q, page: StatusPageRecord): Promise<void> {
  const s = page.spec;
  const fields = {
    title: s.title,
    description: s.description ?? null,
    logo_url: s.logoUrl ?? null,
    footer: s.footer ?? null,
    items: JSON.stringify(s.items),
    updated_at: page.updatedAt,
  };
  await q
    .insertInto('status_pages')
    .values({ id: page.id, slug: s.slug, created_at: page.createdAt, ...fields })
    .onConflict((oc) => oc.column('slug').doUpdateSet(fields))
    .execute();
}

/** Writes a new page unless its slug is taken (by a page written at the same time too); says whether it did. */
export async function insertPage(q: Q, page: StatusPageRecord): Promise<boolean> {
  const s = page.spec;
  const result = await q
    .insertInto('status_pages')
    .values({
      id: page.id,
      slug: s.slug,
      title: s.title,
      description: s.description ?? null,
      logo_url: s.logoUrl ?? null,
      footer: s.footer ?? null,
      items: JSON.stringify(s.items),
      created_at: page.createdAt,
      updated_at: page.updatedAt,
    })
    .onConflict((oc) => oc.column('slug').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Deletes the page with its incidents and their updates; says whether there was one. */
export async function deletePage(q: Q, slug: string): Promise<boolean> {
  const page = await q.selectFrom('status_pages').select('id').where('slug', '=', slug).executeTakeFirst();
  if (!page) return false;
  const incidents = q.selectFrom('incidents').select('id').where('page_id', '=', page.id);
  await q.deleteFrom('incident_updates').where('incident_id', 'in', incidents).execute();
  await q.deleteFrom('incidents').where('page_id', '=', page.id).execute();
  await q.deleteFrom('status_pages').where('id', '=', page.id).execute();
  return true;
}

export async function insertIncident(q: Q, i: Omit<IncidentRecord, 'updates'>): Promise<void> {
  await q
    .insertInto('incidents')
    .values({
      id: i.id,
      page_id: i.pageId,
      title: i.title,
      impact: i.impact,
      status: i.status,
      created_at: i.createdAt,
      resolved_at: i.resolvedAt,
    })
    .execute();
}

/** Sets an incident's status (and when it was resolved, or null). */
export async function setIncidentStatus(
  q: Q,
  id: string,
  status: IncidentStatus,
  resolvedAt: number | null,
): Promise<void> {
  await q.updateTable('incidents').set({ status, resolved_at: resolvedAt }).where('id', '=', id).execute();
}

export async function insertIncidentUpdate(q: Q, incidentId: string, u: IncidentUpdateRecord): Promise<void> {
  await q
    .insertInto('incident_updates')
    .values({ id: u.id, incident_id: incidentId, status: u.status, body: u.body, created_at: u.createdAt })
    .execute();
}

/** Deletes one incident of the page with its updates; says whether there was one. */
export async function deleteIncident(q: Q, pageId: string, id: string): Promise<boolean> {
  const found = await q
    .selectFrom('incidents')
    .select('id')
    .where('id', '=', id)
    .where('page_id', '=', pageId)
    .executeTakeFirst();
  if (!found) return false;
  await q.deleteFrom('incident_updates').where('incident_id', '=', id).execute();
  await q.deleteFrom('incidents').where('id', '=', id).execute();
  return true;
}

/**
 * The page's incidents, newest first, each with its updates: all of them, or (with `resolvedSince`) the open
 * ones and those resolved at or after that time.
 */
export async function listIncidents(
  q: Q,
  pageId: string,
  options: { resolvedSince?: number; id?: string; limit?: number } = {},
): Promise<IncidentRecord[]> {
  let sel = q.selectFrom('incidents').selectAll().where('page_id', '=', pageId);
  if (options.id !== undefined) sel = sel.where('id', '=', options.id);
  const since = options.resolvedSince;
  if (since !== undefined)
    sel = sel.where((eb) => eb.or([eb('resolved_at', 'is', null), eb('resolved_at', '>=', since)]));
  const rows = await sel
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit ?? 500)
    .execute();
  if (rows.length === 0) return [];
  const updates = await q
    .selectFrom('incident_updates')
    .selectAll()
    .where(
      'incident_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const byIncident = new Map<string, IncidentUpdateRecord[]>();
  for (const u of updates) {
    const list = byIncident.get(u.incident_id) ?? [];
    list.push({ id: u.id, status: u.status as IncidentStatus, body: u.body, createdAt: Number(u.created_at) });
    byIncident.set(u.incident_id, list);
  }
  return rows.map((r) => ({
    id: r.id,
    pageId: r.page_id,
    title: r.title,
    impact: r.impact as IncidentImpact,
    status: r.status as IncidentStatus,
    createdAt: Number(r.created_at),
    resolvedAt: r.resolved_at === null ? null : Number(r.resolved_at),
    updates: byIncident.get(r.id) ?? [],
  }));
}
