/**
 * `tocsin tokens … --local`: the token commands on the database itself, for
 * the host the server runs on, with no server and no token needed (a lost
 * admin token, a first start whose output is gone). The database is found
 * with the server's own settings (--data-dir, --database-url or their
 * variables); a running server sees new and revoked tokens at once.
 */
import { existsSync } from 'node:fs';
import { systemClock } from '../core/clock.js';
import { TocsinError } from '../core/errors.js';
import { loadSettings, settingSpecs } from '../config/settings.js';
import { describeConnectError, migrate, openDatabase, redactDatabaseUrl } from '../db/database.js';
import { TokenService } from './token-service.js';

export async function withLocalTokens<T>(
  flags: { 'data-dir'?: string; 'database-url'?: string },
  run: (tokens: TokenService) => Promise<T>,
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
    return await run(new TokenService(handle.db, systemClock));
  } finally {
    await handle.close();
  }
}
