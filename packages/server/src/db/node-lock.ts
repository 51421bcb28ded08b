/**
 * One running server per SQLite data dir, one per node id on PostgreSQL. The
 * lock is held for the life of the process; a second `tocsin start` on the
 * same SQLite database refuses to start instead of running every check and
 * sending every alert a second time.
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
 * PostgreSQL: a session-level advisory lock keyed by the schema and the node
 * id, taken on a connection of its own that stays open; PostgreSQL drops it
 * when that session ends (a node killed, its socket closed). Nodes with
 * different ids share the database (see lockPostgres).
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
  /** PostgreSQL only: the lock's session ended and another process with this node id took it meanwhile. */
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
/** The second key: the schema's and the node id's hash (advisory locks are per database already). */
const lockKey = "hashtext(coalesce(current_schema(), '') || '/' || $2)";
/** After the lock's session ended (the database restarted), how often it is tried again. */
const RETAKE_EVERY_MS = 1_000;

/**
 * PostgreSQL: several nodes share one database (cluster/), so the lock is per
 * node id: it keeps a second process with the same id off, as two of them
 * would take each other's leases for their own. When the lock's session ends
 * (the database restarted, the network broke) the lock is taken again once
 * the database answers; only if another process took it meanwhile is it lost.
 */
async function lockPostgres(url: string, options: NodeLockOptions): Promise<NodeLock> {
  let released = false;
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  const onEnd = () => {
    if (released) return;
    client = undefined;
    timer = setTimeout(retake, RETAKE_EVERY_MS);
  };
  const retake = async () => {
    if (released) return;
    try {
      client = await takePostgresLock(url, options, 1, onEnd);
      if (released) await client.end().catch(() => {});
    } catch (err) {
      if (err instanceof TocsinError && err.code === 'conflict') {
        options.onLost?.(new Error(err.message));
        return;
      }
      timer = setTimeout(retake, RETAKE_EVERY_MS);
    }
  };
  client = await takePostgresLock(url, options, RETRIES, onEnd);
  return {
    async release() {
      if (released) return;
      released = true;
      clearTimeout(timer);
      await client?.end().catch(() => {});
    },
  };
}

/** Connects and takes the lock (trying `attempts` times); `onEnd` is called once if the session ends afterwards. */
async function takePostgresLock(
  url: string,
  options: NodeLockOptions,
  attempts: number,
  onEnd: () => void,
): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 10_000,
    application_name: `tocsin ${options.nodeId}`.slice(0, 63),
    options: options.schema ? `-c search_path=${options.schema}` : undefined,
    keepAlive: true,
  });
  let held = false;
  let ended = false;
  const end = () => {
    if (!held || ended) return;
    ended = true;
    onEnd();
  };
  client.on('error', end);
  client.on('end', end);
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
      const { rows } = await client.query<{ ok: boolean }>(`select pg_try_advisory_lock($1, ${lockKey}) as ok`, [
        NODE_LOCK_CLASS,
        options.nodeId,
      ]);
      if (rows[0]?.ok) break;
      if (attempt >= attempts) throw await refusal(client, options);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
  }
  held = true;
  return client;
}

async function refusal(client: pg.Client, options: NodeLockOptions): Promise<TocsinError> {
  const { rows } = await client.query<{ schema: string; db: string; addr: string | null }>(
    `select current_schema() as schema, current_database() as db, a.client_addr::text as addr
       from pg_locks l left join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted
        and l.classid = $1 and l.objid = (${lockKey})::oid and l.objsubid = 2
        and l.database = (select oid from pg_database where datname = current_database())`,
    [NODE_LOCK_CLASS, options.nodeId],
  );
  const r = rows[0];
  const where = r ? `database ${r.db}, schema ${r.schema}` : 'this database and schema';
  return new TocsinError(
    'conflict',
    `${options.setting}: a Tocsin node with the id '${options.nodeId}'${r?.addr ? ` (from ${r.addr})` : ''} ` +
      `already runs on ${where}; give each node its own TOCSIN_NODE_ID (--node-id)`,
  );
}
