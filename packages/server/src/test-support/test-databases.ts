import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { randomToken } from '../core/ids.js';
import { MIGRATION_LOCK_KEY, migrate, openDatabase, type Db } from '../db/database.js';

export const POSTGRES_URL = process.env.TOCSIN_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let pgAvailable: Promise<boolean> | undefined;

async function probePostgres(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch (err) {
    if (process.env.CI === 'true') {
      throw new Error(`PostgreSQL at ${POSTGRES_URL} is required in CI: ${(err as Error).message}`);
    }
    process.stderr.write(`PostgreSQL at ${POSTGRES_URL} is not reachable; PostgreSQL variants are skipped\n`);
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  /** A fresh, migrated database; `dispose` drops it. */
  create(): Promise<{ handle: Db; url: string; schema?: string; dispose(): Promise<void> }>;
}

const sqliteVariant: TestDatabase = {
  name: 'sqlite',
  async create() {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tocsin-test-'));
    const url = `sqlite:${path.join(dir, 'tocsin.db')}`;
    const handle = openDatabase(url);
    await migrate(handle);
    return {
      handle,
      url,
      async dispose() {
        await handle.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

/** Creates a schema of its own for one test and drops it afterwards. */
export async function createPostgresSchema(): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = `t_${randomToken(12).toLowerCase()}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  return {
    schema,
    async drop() {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      // Not while a migration anywhere lists the database's tables (see MIGRATION_LOCK_KEY).
      await c.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      await c.end();
    },
  };
}

/** PostgreSQL URL that selects a schema through the connection options. */
export function postgresUrlWithSchema(schema: string): string {
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

const postgresVariant: TestDatabase = {
  name: 'postgres',
  async create() {
    const { schema, drop } = await createPostgresSchema();
    const handle = openDatabase(POSTGRES_URL, { schema, poolSize: 4 });
    await migrate(handle);
    return {
      handle,
      url: postgresUrlWithSchema(schema),
      schema,
      async dispose() {
        await handle.close();
        await drop();
      },
    };
  },
};

/**
 * The databases a store test runs on: SQLite always, PostgreSQL when it is
 * reachable (with CI=true an unreachable PostgreSQL throws, failing the run).
 */
export async function testDatabases(): Promise<TestDatabase[]> {
  pgAvailable ??= probePostgres();
  return (await pgAvailable) ? [sqliteVariant, postgresVariant] : [sqliteVariant];
}

/**
 * Renames a table of a test's database (to make the store fail, then back): on PostgreSQL while no migration lists
 * the database's tables, as a migration of another test's schema fails when a table vanishes under it.
 */
export async function renameTable(handle: Db, from: string, to: string): Promise<void> {
  const rename = sql`alter table ${sql.table(from)} rename to ${sql.id(to)}`;
  if (handle.dialect === 'sqlite') {
    await rename.execute(handle.db);
    return;
  }
  await handle.db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      await rename.execute(conn);
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
    }
  });
}
