import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { SESSION_COOKIE } from '../http/route-kit.js';

/**
 * The session cookie's flags: HttpOnly, SameSite=Lax, Path=/, and Secure
 * when the public URL is https or the request itself came over https
 * (X-Forwarded-Proto is not trusted: no setting says a proxy is in front).
 * It lives as long as a session may (30 days); the server ends it sooner.
 */
export function sessionCookieOptions(c: Context, publicUrl: string, maxAgeMs: number) {
  const secure = publicUrl.startsWith('https:') || new URL(c.req.url).protocol === 'https:';
  return {
    httpOnly: true,
    sameSite: 'Lax' as const,
    path: '/',
    secure,
    maxAge: Math.floor(maxAgeMs / 1000),
  };
}

export function setSessionCookie(c: Context, value: string, publicUrl: string, maxAgeMs: number): void {
  setCookie(c, SESSION_COOKIE, value, sessionCookieOptions(c, publicUrl, maxAgeMs));
}

export function clearSessionCookie(c: Context, publicUrl: string): void {
  deleteCookie(c, SESSION_COOKIE, sessionCookieOptions(c, publicUrl, 0));
}

export function sessionCookieOf(c: Context): string | undefined {
  return getCookie(c, SESSION_COOKIE);
}
