/**
 * `tocsin users … --local`: user commands on the database itself, on the
 * server's host, with no server and no token (the first admin made on the
 * host, a locked-out admin's new password). A running server sees the change
 * at once (a deleted user's sessions end with their rows).
 */
import { systemClock } from '../core/clock.js';
import { withLocalDatabase } from '../db/local-database.js';
import { UserService } from './user-service.js';

export async function withLocalUsers<T>(
  flags: { 'data-dir'?: string; 'database-url'?: string },
  run: (users: UserService) => Promise<T>,
  where: { env: NodeJS.ProcessEnv; cwd: string },
): Promise<T> {
  return withLocalDatabase(flags, (db) => run(new UserService(db, systemClock)), where);
}
