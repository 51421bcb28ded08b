/**
 * The database of the server on this host, opened by a CLI command with
 * `--local` (no server, no token): found with the server's own settings
 * (--data-dir, --database-url or their variables) and migrated.
 */
import { existsSync } from 'node:fs';
import type { Kysely } from 'kysely';
import { TocsinError } from '../core/errors.js';
import { loadSettings, settingSpecs } from '../config/settings.js';
import { describeConnectError, migrate, openDatabase, redactDatabaseUrl } from './database.js';
import type { Database } from './db-schema.js';

export async function withLocalDatabase<T>(
  flags: { 'data-dir'?: string; 'database-url'?: string },
  run: (db: Kysely<Database>) => Promise<T>,
  where: { env: NodeJS.ProcessEnv; cwd: string },
): Promise<T> {
  const settings = loadSettings(
    { 'data-dir': flags['data-dir'], 'database-url': flags['database-url'] },
    where.env,
    where.cwd,
  );
  const url = settings.databaseUrl;
  if (url.startsWith('sqlite:') && !existsSync(url.slice(7))) {
    throw new TocsinError(
      'not_found',
      `no Tocsin database at ${url.slice(7)}: give the ${settingSpecs.dataDir.env} (--${settingSpecs.dataDir.flag}) ` +
        `or ${settingSpecs.databaseUrl.env} (--${settingSpecs.databaseUrl.flag}) the server uses`,
    );
  }
  const handle = openDatabase(url, { poolSize: 1 });
  try {
    try {
      await migrate(handle);
    } catch (err) {
      const where = url.startsWith('sqlite:') ? url.slice(7) : redactDatabaseUrl(url);
      throw new TocsinError('unavailable', `${where}: ${describeConnectError(err)}`);
    }
    return await run(handle.db);
  } finally {
    await handle.close();
  }
}
