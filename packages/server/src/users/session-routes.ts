/**
 * Signing in and out, the signed-in user's own account (password, TOTP),
 * and the first-run setup. Shapes: docs/users.md and the contract of issue 12.
 */
import type { Context } from 'hono';
import type { Session } from '@tocsin/protocol';
import {
  loginSchema,
  passwordChangeSchema,
  sessionSchema,
  setupSchema,
  totpCodeBodySchema,
  totpEnrollmentSchema,
} from '@tocsin/protocol';
import { TocsinError } from '../core/errors.js';
import { clientAddress, csrfMatches, CSRF_HEADER, handle, route, type App, type AppEnv } from '../http/route-kit.js';
import type { TokenService } from '../tokens/token-service.js';
import type { LoginLimiter } from './login-limiter.js';
import { clearSessionCookie, sessionCookieOf, setSessionCookie } from './session-cookie.js';
import type { SessionInfo, SessionService } from './session-service.js';
import type { SetupService } from './setup-service.js';
import type { UserService } from './user-service.js';

const tags = ['session'];

export interface SessionRouteDeps {
  tokens: TokenService;
  users: UserService;
  sessions: SessionService;
  setup: SetupService;
  limiter: LoginLimiter;
  publicUrl: () => string;
}

function sessionView(info: SessionInfo): Session {
  return { user: info.user, csrfToken: info.csrfToken, expiresAt: info.expiresAt };
}

/** The signed-in user of a cookie-authenticated request; an API token has no session. */
function userIdOf(c: Context<AppEnv>): string {
  const principal = c.get('principal');
  if (principal?.kind !== 'user' || !principal.userId)
    throw new TocsinError('unauthorized', 'no session: sign in with POST /api/session (an API token has no session)');
  return principal.userId;
}

export function registerSessionRoutes(app: App, d: SessionRouteDeps): void {
  const { tokens, users, sessions, setup, limiter } = d;
  const signIn = async (c: Context, user: SessionInfo['user']) => {
    const made = await sessions.create(user, { ip: clientAddress(c), userAgent: c.req.header('user-agent') });
    setSessionCookie(c, made.cookie, d.publicUrl(), sessions.timings.maxMs);
    return made.session;
  };

  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/setup',
      scope: 'public',
      summary: 'Whether first-run setup is needed',
      tags,
    }),
    async (c) => c.json({ needed: await setup.needed() }),
  );
  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/setup',
      scope: 'public',
      summary: 'Create the first admin with the setup code the server logged (or an admin API token); signs in',
      tags,
      body: setupSchema,
      response: { status: 201, schema: sessionSchema },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const address = clientAddress(c);
      limiter.check('<setup>', address);
      let user: Awaited<ReturnType<typeof setup.complete>>;
      try {
        user = await setup.complete(body);
      } catch (err) {
        if (err instanceof TocsinError && err.code === 'unauthorized') limiter.failed('<setup>', address);
        throw err;
      }
      return c.json(sessionView(await signIn(c, user)), 201);
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/session',
      scope: 'public',
      summary: 'Sign in: sets the session cookie; writes with it need the csrfToken as X-CSRF-Token',
      tags,
      body: loginSchema,
      response: { schema: sessionSchema },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const address = clientAddress(c);
      limiter.check(body.name, address);
      let user: Awaited<ReturnType<typeof users.verifyLogin>>;
      try {
        user = await users.verifyLogin(body.name, body.password, body.totp);
      } catch (err) {
        // A missing TOTP code is the first half of a sign-in, not a failure.
        const totpMissing = body.totp === undefined && isTotpRequired(err);
        if (err instanceof TocsinError && err.code === 'unauthorized' && !totpMissing)
          limiter.failed(body.name, address);
        throw err;
      }
      limiter.succeeded(body.name, address);
      return c.json(sessionView(await signIn(c, user)));
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'get',
      path: '/api/session',
      scope: 'read',
      summary: 'Who is signed in, with the CSRF token for writes',
      tags,
      response: { schema: sessionSchema },
    }),
    async (c) => {
      userIdOf(c);
      const info = await sessions.lookup(sessionCookieOf(c)!);
      if (!info) throw new TocsinError('unauthorized', 'the session has ended: sign in again (POST /api/session)');
      return c.json(sessionView(info));
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'delete',
      path: '/api/session',
      scope: 'public',
      summary: 'Sign out: ends the session and clears its cookie (a live session needs X-CSRF-Token)',
      tags,
      response: { status: 204 },
    }),
    async (c) => {
      const cookie = sessionCookieOf(c);
      const info = cookie ? await sessions.lookup(cookie) : undefined;
      if (cookie && info) {
        if (!csrfMatches(c.req.header(CSRF_HEADER), info.csrfToken))
          throw new TocsinError(
            'forbidden',
            'a write with the session cookie needs the X-CSRF-Token header: send the csrfToken from GET /api/session',
          );
        await sessions.end(cookie);
      }
      clearSessionCookie(c, d.publicUrl());
      return c.body(null, 204);
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'put',
      path: '/api/session/password',
      scope: 'read',
      summary: "Change the signed-in user's password; their other sessions end",
      tags,
      body: passwordChangeSchema,
    }),
    async (c) => {
      const userId = userIdOf(c);
      const body = c.req.valid('json');
      const user = await users.changePassword(userId, body.current, body.password);
      await sessions.endUserSessions(userId, sessionCookieOf(c));
      return c.json({ user });
    },
  );
  registerTotpRoutes(app, d);
}

function registerTotpRoutes(app: App, { tokens, users, sessions }: SessionRouteDeps): void {
  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/session/totp',
      scope: 'read',
      summary: 'Start enrolling a TOTP second factor: a secret to add to an authenticator app, then confirm',
      tags,
      response: { schema: totpEnrollmentSchema },
    }),
    async (c) => c.json(await users.enrollTotp(userIdOf(c))),
  );
  handle(
    app,
    route(tokens, {
      method: 'post',
      path: '/api/session/totp/confirm',
      scope: 'read',
      summary: 'Confirm TOTP enrolment with a code from the app; sign-ins then need a code',
      tags,
      body: totpCodeBodySchema,
    }),
    async (c) => {
      const userId = userIdOf(c);
      const user = await users.confirmTotp(userId, c.req.valid('json').code);
      sessions.forgetUser(userId);
      return c.json({ user });
    },
  );
  handle(
    app,
    route(tokens, {
      method: 'delete',
      path: '/api/session/totp',
      scope: 'read',
      summary: 'Remove the TOTP second factor (needs a current code)',
      tags,
      body: totpCodeBodySchema,
    }),
    async (c) => {
      const userId = userIdOf(c);
      const user = await users.disableTotp(userId, c.req.valid('json').code);
      sessions.forgetUser(userId);
      return c.json({ user });
    },
  );
}

function isTotpRequired(err: unknown): boolean {
  return (
    (err as TocsinError).details !== undefined &&
    (err as { details: { totpRequired?: boolean } }).details.totpRequired === true
  );
}
