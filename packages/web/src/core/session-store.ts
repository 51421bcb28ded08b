/**
 * Who is signed in. States: loading ──boot()──▶ signed-in | signed-out (needs setup or login).
 * signed-in ──logout() or a 401──▶ signed-out; signed-out ──signIn(session)──▶ signed-in.
 */
import { api, ApiError, setCsrfToken, setUnauthorizedHandler } from './api-client.js';
import type { Session } from './api-types.js';
import { navigate } from './router.js';
import { createStore } from './store.js';

export type AuthState =
  | { status: 'loading' }
  | { status: 'signed-in'; session: Session }
  | { status: 'signed-out'; setupNeeded: boolean; error?: string };

export const auth = createStore<AuthState>({ status: 'loading' });

const publicPaths = ['/login', '/setup'];

function afterSignIn(): string {
  const next = new URLSearchParams(window.location.search).get('next');
  return next?.startsWith('/') && !next.startsWith('//') ? next : '/';
}

/** Sends the browser to the page a signed-out user needs, keeping where they were going. */
function toSignInPage(setupNeeded: boolean): void {
  const path = window.location.pathname;
  const target = setupNeeded ? '/setup' : '/login';
  if (path === target) return;
  const next = publicPaths.includes(path) ? '' : `?next=${encodeURIComponent(path + window.location.search)}`;
  navigate(target + (setupNeeded ? '' : next), { replace: true });
}

async function signedOut(error?: string): Promise<void> {
  setCsrfToken(undefined);
  let setupNeeded = false;
  try {
    setupNeeded = (await api.get<{ needed: boolean }>('/api/setup', { quiet401: true })).needed;
  } catch {
    // No setup endpoint, or no answer: the login page says what the server says.
  }
  auth.set({ status: 'signed-out', setupNeeded, error });
  toSignInPage(setupNeeded);
}

export function signIn(session: Session): void {
  setCsrfToken(session.csrfToken);
  auth.set({ status: 'signed-in', session });
  if (publicPaths.includes(window.location.pathname)) navigate(afterSignIn(), { replace: true });
}

/** Asks the server who is signed in (GET /api/session); a 401 leads to the setup or login page. */
export async function boot(): Promise<void> {
  setUnauthorizedHandler(() => {
    if (auth.get().status === 'signed-in') void signedOut('Your session has ended; sign in again.');
  });
  try {
    signIn(await api.get<Session>('/api/session', { quiet401: true }));
  } catch (err) {
    await signedOut(err instanceof ApiError && err.status !== 401 ? err.message : undefined);
  }
}

export async function logout(): Promise<void> {
  try {
    await api.del('/api/session', undefined, { quiet401: true });
  } finally {
    await signedOut();
  }
}

/** Whether the signed-in user may change things (editor or admin). */
export function canWrite(state: AuthState): boolean {
  return state.status === 'signed-in' && state.session.user.role !== 'viewer';
}

export function isAdmin(state: AuthState): boolean {
  return state.status === 'signed-in' && state.session.user.role === 'admin';
}
