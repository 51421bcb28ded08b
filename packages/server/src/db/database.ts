import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type MigrationProvider } from 'kysely';
import { TocsinError } from '../core/errors.js';
import type { Database } from './db-schema.js';
import { migrations } from './migrations.js';

export type DialectName = 'sqlite' | 'postgres';

export interface Db {
  db: Kysely<Database>;
  dialect: DialectName;
  /**
   * SQLite only: the connection under `db`, for hot reads that run one
   * prepared statement thousands of times a minute (Kysely prepares anew
   * each time). Reads only: writes go through `db` and its transactions.
   */
  sqlite?: BetterSqlite3.Database;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** PostgreSQL only: the schema to use (tests give each run its own). */
  schema?: string;
  poolSize?: number;
  /**
   * PostgreSQL only: a session idle inside a transaction this long is ended by the server, so that a node
   * frozen in the middle of one (SIGSTOP, a long pause) cannot hold its locks on lease rows for ever.
   */
  idleInTransactionMs?: number;
}

// int8 (bigint) and numeric come back as strings by default; our values fit in a double.
const pgTypes = {
  getTypeParser(oid: number, format?: unknown) {
    if (oid === 20 || oid === 1700) return (v: string) => (v === null ? null : Number(v));
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/** Opens `sqlite:/path` or `postgres://…`; does not migrate (see `migrate`). */
export function openDatabase(url: string, options: OpenOptions = {}): Db {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    const sqlite = new BetterSqlite3(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    return { db, dialect: 'sqlite', sqlite, close: () => db.destroy() };
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    types: pgTypes,
    options: options.schema ? `-c search_path=${options.schema}` : undefined,
  });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const idleMs = options.idleInTransactionMs;
  // Queued before any query of the client, so it holds from its first transaction on.
  if (idleMs)
    pool.on('connect', (client) => {
      client.query(`set idle_in_transaction_session_timeout = ${Math.round(idleMs)}`).catch(() => {});
    });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', close: () => db.destroy() };
}

/** The URL as it may be shown: the password replaced by `***`. */
/** Whether the database answers a trivial query (readiness). */
export async function databaseAnswers(handle: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(handle.db);
    return true;
  } catch {
    return false;
  }
}

export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}

/** One line on why a connection failed (node gives an AggregateError with no message when every address refuses). */
export function describeConnectError(err: unknown): string {
  const e = err as { code?: string; message?: string; errors?: { code?: string; message?: string }[] };
  const first = e.errors?.[0];
  const text = e.message || first?.message || e.code || first?.code || String(err);
  const code = e.code ?? first?.code;
  return code && !text.includes(code) ? `${text} (${code})` : text;
}

const provider: MigrationProvider = { getMigrations: async () => migrations };

/**
 * The PostgreSQL advisory lock migrations hold. Kysely's migrator lists the
 * tables of every schema of the database (its introspection), and that
 * query fails when a schema is dropped while it runs; whatever drops
 * schemas (the tests, each with its own) takes this lock too. It also makes
 * nodes that start together migrate one after the other.
 */
export const MIGRATION_LOCK_KEY = 7_205_871_003;

/** Runs every migration not yet applied; throws with the failing migration's name. */
export async function migrate(handle: Db): Promise<void> {
  if (handle.dialect === 'sqlite') return runMigrator(handle.db, undefined);
  await handle.db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      // Name the schema: otherwise Kysely takes a migration table in any other schema of the database for ours.
      const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(conn)).rows[0]?.s;
      await runMigrator(conn, schema);
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
    }
  });
}

async function runMigrator(db: Kysely<Database>, migrationTableSchema: string | undefined): Promise<void> {
  const migrator = new Migrator({ db, provider, migrationTableSchema });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new TocsinError('unavailable', `migration ${failed} failed: ${(error as Error).message}`);
  }
}
