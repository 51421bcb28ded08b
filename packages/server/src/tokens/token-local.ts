/**
 * `tocsin tokens … --local`: the token commands on the database itself, for
 * the host the server runs on, with no server and no token needed (a lost
 * admin token, a first start whose output is gone). The database is found
 * with the server's own settings (--data-dir, --database-url or their
 * variables); a running server sees new and revoked tokens at once.
 */
import { systemClock } from '../core/clock.js';
import { withLocalDatabase } from '../db/local-database.js';
import { TokenService } from './token-service.js';

export async function withLocalTokens<T>(
  flags: { 'data-dir'?: string; 'database-url'?: string },
  run: (tokens: TokenService) => Promise<T>,
  where: { env: NodeJS.ProcessEnv; cwd: string },
): Promise<T> {
  return withLocalDatabase(flags, (db) => run(new TokenService(db, systemClock)), where);
}
