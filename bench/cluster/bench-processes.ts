/**
 * What the cluster bench started and must end: its processes (servers, the target) by pid, and its PostgreSQL
 * schemas by name. Each is registered when made and forgotten when ended, and the list is kept in a state file in
 * the temp dir with the bench's own pid, so that a run that died before it could clean up (kill -9, a crash) is
 * cleaned up by the next one: at start, if the run that wrote the file is gone, each listed pid whose command line
 * is still one this tree started is killed, and each listed schema is dropped.
 *
 * States of an entry: registered → forgotten (stopped, dropped). On exit, whatever is still registered is killed
 * (SIGKILL; a schema cannot be dropped synchronously, so it waits for the next run and is named on stderr).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { randomToken } from '../../packages/server/src/core/ids.js';
import { MIGRATION_LOCK_KEY } from '../../packages/server/src/db/database.js';
import { POSTGRES_URL, postgresUrlWithSchema } from '../../packages/server/src/test-support/test-databases.js';

const STATE_FILE = path.join(os.tmpdir(), 'tocsin-bench-cluster-state.json');

interface State {
  owner: number;
  pids: number[];
  schemas: string[];
}

const state: State = { owner: process.pid, pids: [], schemas: [] };
/** Substrings of the command line of a process the bench starts (so that a reused pid is left alone). */
let markers: string[] = [];

function save(): void {
  if (state.pids.length || state.schemas.length) writeFileSync(STATE_FILE, JSON.stringify(state));
  else rmSync(STATE_FILE, { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function ours(pid: number): boolean {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    return markers.some((m) => cmd.includes(m));
  } catch {
    return false;
  }
}

export function registerPid(pid: number): void {
  state.pids.push(pid);
  save();
}

export function forgetPid(pid: number): void {
  state.pids = state.pids.filter((p) => p !== pid);
  save();
}

async function withAdmin<T>(f: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return await f(c);
  } finally {
    await c.end().catch(() => {});
  }
}

async function dropSchema(schema: string): Promise<void> {
  await withAdmin(async (c) => {
    // Not while a migration anywhere lists the database's tables (see MIGRATION_LOCK_KEY).
    await c.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await c.query(`drop schema if exists ${schema} cascade`);
    await c.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
  });
}

/** A fresh schema of its own for one phase; the URL selects it (search_path) for every node of that phase. */
export async function createSchema(): Promise<{ schema: string; url: string; drop(): Promise<void> }> {
  const schema = `bench_cluster_${randomToken(10).toLowerCase()}`;
  await withAdmin((c) => c.query(`create schema ${schema}`));
  state.schemas.push(schema);
  save();
  return {
    schema,
    url: postgresUrlWithSchema(schema),
    async drop() {
      await dropSchema(schema);
      state.schemas = state.schemas.filter((s) => s !== schema);
      save();
    },
  };
}

/** Ends what an earlier run left, if that run is gone; `commandMarkers` as for the processes of this run. */
export async function cleanLeftovers(commandMarkers: string[]): Promise<void> {
  markers = commandMarkers;
  if (!existsSync(STATE_FILE)) return;
  let old: State;
  try {
    old = JSON.parse(readFileSync(STATE_FILE, 'utf8')) as State;
  } catch {
    rmSync(STATE_FILE, { force: true });
    return;
  }
  if (old.owner !== process.pid && alive(old.owner)) {
    throw new Error(`another cluster bench (pid ${old.owner}) is running; see ${STATE_FILE}`);
  }
  for (const pid of old.pids) {
    if (alive(pid) && ours(pid)) {
      console.log(`killing pid ${pid}, left running by an earlier run`);
      process.kill(pid, 'SIGKILL');
    }
  }
  for (const schema of old.schemas) {
    if (!/^bench_cluster_[a-z0-9]+$/.test(schema)) continue;
    console.log(`dropping schema ${schema}, left by an earlier run`);
    await dropSchema(schema);
  }
  rmSync(STATE_FILE, { force: true });
}

/** SIGKILLs every registered process still running (for 'exit': synchronous). */
export function killRegistered(): void {
  for (const pid of state.pids) if (alive(pid) && ours(pid)) process.kill(pid, 'SIGKILL');
  state.pids = [];
  if (state.schemas.length) {
    process.stderr.write(`schemas left for the next run to drop: ${state.schemas.join(', ')}\n`);
  }
  save();
}

/** Drops every registered schema (after the processes using it have ended). */
export async function dropRegisteredSchemas(): Promise<void> {
  for (const schema of [...state.schemas]) {
    await dropSchema(schema).catch((err: unknown) =>
      process.stderr.write(`could not drop schema ${schema}: ${(err as Error).message}\n`),
    );
    state.schemas = state.schemas.filter((s) => s !== schema);
    save();
  }
}
