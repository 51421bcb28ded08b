import type { AppModule, BaseContext } from '../app-module.js';
import type { TokenService } from '../tokens/token-service.js';
import { DEFAULT_LOGIN_LIMITS, LoginLimiter, type LoginLimits } from './login-limiter.js';
import type { ScryptParams } from './password-hash.js';
import { registerSessionRoutes } from './session-routes.js';
import { DEFAULT_SESSION_TIMINGS, SessionService, type SessionTimings } from './session-service.js';
import { SetupService } from './setup-service.js';
import { registerUserRoutes } from './user-routes.js';
import { UserService } from './user-service.js';

/** How often slid session expiries, kept in memory, are written; and how often idle limiter buckets go. */
const SESSION_FLUSH_MS = 60_000;

export interface UsersModule extends AppModule {
  users: UserService;
  sessions: SessionService;
  setup: SetupService;
  limiter: LoginLimiter;
}

export interface UsersOptions {
  /** Tests: cheaper hashes. */
  scrypt?: ScryptParams;
  sessions?: Partial<SessionTimings>;
  logins?: Partial<LoginLimits>;
}

/**
 * Users, their sessions and the first-run setup. Plugs the session cookie
 * into the token service, so every route accepts it beside bearer tokens.
 */
export function usersModule(ctx: BaseContext, tokens: TokenService, options: UsersOptions = {}): UsersModule {
  const users = new UserService(ctx.db, ctx.clock, options.scrypt);
  const sessions = new SessionService(ctx.db, ctx.clock, { ...DEFAULT_SESSION_TIMINGS, ...options.sessions });
  const limiter = new LoginLimiter(ctx.clock, { ...DEFAULT_LOGIN_LIMITS, ...options.logins });
  const setup = new SetupService(users, tokens, ctx.logger, {
    dataDir: ctx.settings.dataDir,
    publicUrl: ctx.publicUrl,
  });
  tokens.acceptSessions(sessions);
  return {
    name: 'users',
    users,
    sessions,
    setup,
    limiter,
    routes(app) {
      registerSessionRoutes(app, { tokens, users, sessions, setup, limiter, publicUrl: ctx.publicUrl });
      registerUserRoutes(app, tokens, users, sessions);
    },
    retention: [{ domain: 'sessions', prune: (now) => sessions.prune(now) }],
    start() {
      setup.prepare().catch((err) => ctx.logger.warn('first-run setup code could not be made', { err }));
      ctx.every({
        name: 'session-last-seen-flush',
        everyMs: SESSION_FLUSH_MS,
        everyNode: true,
        run: async () => {
          limiter.prune();
          await sessions.flush();
        },
      });
    },
    async close() {
      await sessions.flush().catch((err) => ctx.logger.warn('session last-seen update failed', { err }));
    },
  };
}
