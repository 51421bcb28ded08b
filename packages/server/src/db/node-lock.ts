/**
 * One running server per database, until nodes share work. The lock is held
 * for the life of the process; a second `tocsin start` on the same database
 * refuses to start instead of running every check and sending every alert
 * a second time.
 *
 * States: free ──acquire──▶ held ──release (or process exit, even SIGKILL)──▶ free.
 *
 * SQLite: an exclusive SQLite lock on `<database file>.lock`, an empty
 * SQLite file opened with no busy wait. SQLite's locks are POSIX record
 * locks that the kernel drops when the holding process ends however it ends,
 * so a SIGKILLed holder leaves nothing stale, and a reused PID cannot fake
 * a holder. The holder's PID is written beside it, in `<database file>.pid`,
 * only to be named in the refusal; the lock alone decides.
 *
 * PostgreSQL: a session-level advisory lock keyed by the schema, taken on a
 * connection of its own that stays open; PostgreSQL drops it when that
 * session ends (a node killed, its socket closed).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { TocsinError } from '../core/errors.js';
import { describeConnectError, redactDatabaseUrl } from './database.js';

/** First key of the two-key advisory lock; the second is the schema's hash. */
export const NODE_LOCK_CLASS = 720_587;

export interface NodeLock {
  release(): Promise<void>;
}

export interface NodeLockOptions {
  /** The setting to name in errors: the data dir for the default SQLite file, else the database URL. */
  setting: string;
  /** PostgreSQL only: the schema (tests); otherwise the URL's search_path or the default. */
  schema?: string;
  /** Shown to a node that is refused (PostgreSQL's application_name). */
  nodeId: string;
  /** PostgreSQL only: the lock's connection ended while held, so the lock is gone. */
  onLost?: (err: Error) => void;
}

/** Takes the lock of the database at `url` or throws a one-line TocsinError naming the setting and the holder. */
export async function acquireNodeLock(url: string, options: NodeLockOptions): Promise<NodeLock> {
  return url.startsWith('sqlite:') ? lockSqlite(url.slice('sqlite:'.length), options) : lockPostgres(url, options);
}

function lockSqlite(file: string, options: NodeLockOptions): NodeLock {
  if (file === ':memory:') return { release: async () => {} };
  const dir = path.dirname(file);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new TocsinError('unavailable', `${options.setting}: cannot create the directory ${dir}: ${errnoText(err)}`);
  }
  const lockFile = `${file}.lock`;
  const pidFile = `${file}.pid`;
  let lockDb: BetterSqlite3.Database;
  try {
    lockDb = new BetterSqlite3(lockFile, { timeout: 0 });
    lockDb.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
      const holder = readHolder(pidFile);
      throw new TocsinError(
        'conflict',
        `${options.setting}: ${dir} is in use by another Tocsin server (${holder}); two servers on one database ` +
          'would run every check and send every alert twice, so stop that one first or give this one another data dir',
      );
    }
    throw new TocsinError('unavailable', `${options.setting}: cannot write to ${dir}: ${sqliteErrorText(err, dir)}`);
  }
  try {
    writeFileSync(pidFile, `${process.pid} ${os.hostname()} ${new Date().toISOString()}\n`);
  } catch (err) {
    lockDb.close();
    throw new TocsinError('unavailable', `${options.setting}: cannot write to ${dir}: ${errnoText(err)}`);
  }
  return {
    async release() {
      if (!lockDb.open) return;
      // The PID file goes first: once the lock is free, a new holder writes its own.
      rmSync(pidFile, { force: true });
      lockDb.close();
    },
  };
}

function readHolder(pidFile: string): string {
  try {
    const [pid, host] = readFileSync(pidFile, 'utf8').trim().split(' ');
    if (/^\d+$/.test(pid ?? '')) return host && host !== os.hostname() ? `PID ${pid} on ${host}` : `PID ${pid}`;
  } catch {
    // Written just after the lock is taken; it may not be there yet.
  }
  return 'PID unknown';
}

function errnoText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const what: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'read-only file system',
    ENOTDIR: 'a part of the path is a file',
    EEXIST: 'a file of that name exists',
    ENOSPC: 'no space left',
  };
  return e.code ? `${what[e.code] ?? e.message} (${e.code})` : String(e.message ?? err);
}

function sqliteErrorText(err: unknown, dir: string): string {
  const e = err as { code?: string; message?: string };
  if (e.code === 'SQLITE_CANTOPEN' || e.code === 'SQLITE_READONLY') {
    return `${e.message}; check that ${dir} is a writable directory (${e.code})`;
  }
  return errnoText(err);
}

const RETRIES = 5;
/** The second key: the schema's hash (advisory locks are per database already). */
const schemaKey = "hashtext(coalesce(current_schema(), ''))";

async function lockPostgres(url: string, options: NodeLockOptions): Promise<NodeLock> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 10_000,
    application_name: `tocsin ${options.nodeId}`.slice(0, 63),
    options: options.schema ? `-c search_path=${options.schema}` : undefined,
  });
  // Until connected, errors come from connect(); afterwards, a closed session loses the lock.
  let held = false;
  let released = false;
  client.on('error', (err) => {
    if (held && !released) options.onLost?.(err);
  });
  client.on('end', () => {
    if (held && !released) options.onLost?.(new Error('the connection holding the node lock closed'));
  });
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    const why = describeConnectError(err);
    throw new TocsinError('unavailable', `${options.setting}: cannot connect to ${redactDatabaseUrl(url)}: ${why}`);
  }
  try {
    // A holder killed a moment ago may still have a session that PostgreSQL has not ended yet.
    for (let attempt = 1; ; attempt++) {
      const { rows } = await client.query<{ ok: boolean }>(`select pg_try_advisory_lock($1, ${schemaKey}) as ok`, [
        NODE_LOCK_CLASS,
      ]);
      const row = rows[0];
      if (row?.ok) break;
      if (attempt === RETRIES) throw await refusal(client, options);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
  }
  held = true;
  return {
    async release() {
      if (released) return;
      released = true;
      await client.end().catch(() => {});
    },
  };
}

async function refusal(client: pg.Client, options: NodeLockOptions): Promise<TocsinError> {
  const { rows } = await client.query<{ schema: string; db: string; app: string | null; addr: string | null }>(
    `select current_schema() as schema, current_database() as db, a.application_name as app, a.client_addr::text as addr
       from pg_locks l left join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted
        and l.classid = $1 and l.objid = (${schemaKey})::oid and l.objsubid = 2
        and l.database = (select oid from pg_database where datname = current_database())`,
    [NODE_LOCK_CLASS],
  );
  const r = rows[0];
  const holder = r?.app ? `'${r.app.replace(/^tocsin /, '')}'${r.addr ? ` from ${r.addr}` : ''}` : 'another node';
  const where = r ? `database ${r.db}, schema ${r.schema}` : 'this database and schema';
  return new TocsinError(
    'conflict',
    `${options.setting}: another Tocsin node (${holder}) already runs on ${where}; ` +
      'sharing work between nodes is not there yet, so one node at a time may run on a database and schema',
  );
}
