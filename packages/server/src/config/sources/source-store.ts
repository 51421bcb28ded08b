/**
 * Sources and the outcome of each one's last read, as rows of the `kv`
 * table (`source:<name>` holds the input as written, `source-read:<name>`
 * the last read), so that every node of a cluster sees the same list and the
 * node that reads a source records what every node answers.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/db-schema.js';

type Q = Kysely<Database>;

const SPEC = 'source:';
const READ = 'source-read:';

export type StoredSource = Record<string, unknown> & { name: string };

/** What the last read of a source found. */
export interface SourceOutcome {
  /** Epoch ms of the read's start. */
  at: number;
  ok: boolean;
  /** Why the read, parse or apply failed; the monitors stayed as they were. */
  error?: string;
  /** Entries of the list. */
  entries: number;
  created: number;
  updated: number;
  deleted: number;
  /** Entries left alone: a monitor of that name exists and another source (or a person) made it. */
  skipped: string[];
}

async function put(q: Q, key: string, value: string): Promise<void> {
  await q
    .insertInto('kv')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}

async function prefixed(q: Q, prefix: string): Promise<{ key: string; value: string }[]> {
  return q.selectFrom('kv').select(['key', 'value']).where('key', 'like', `${prefix}%`).orderBy('key').execute();
}

export class SourceStore {
  constructor(private readonly db: Q) {}

  async list(q: Q = this.db): Promise<StoredSource[]> {
    return (await prefixed(q, SPEC)).map((r) => JSON.parse(r.value) as StoredSource);
  }

  async get(name: string, q: Q = this.db): Promise<StoredSource | undefined> {
    const row = await q
      .selectFrom('kv')
      .select('value')
      .where('key', '=', SPEC + name)
      .executeTakeFirst();
    return row ? (JSON.parse(row.value) as StoredSource) : undefined;
  }

  async put(q: Q, source: StoredSource): Promise<void> {
    await put(q, SPEC + source.name, JSON.stringify(source));
  }

  /** Deletes a source and the record of its reads (the monitors it made stay). */
  async remove(q: Q, name: string): Promise<void> {
    await q
      .deleteFrom('kv')
      .where('key', 'in', [SPEC + name, READ + name])
      .execute();
  }

  async outcomes(q: Q = this.db): Promise<Map<string, SourceOutcome>> {
    const rows = await prefixed(q, READ);
    return new Map(rows.map((r) => [r.key.slice(READ.length), JSON.parse(r.value) as SourceOutcome]));
  }

  async putOutcome(name: string, outcome: SourceOutcome, q: Q = this.db): Promise<void> {
    await put(q, READ + name, JSON.stringify(outcome));
  }
}
