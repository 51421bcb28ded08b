/** The probe fields that hold credentials: redacted in views and exports, kept when an update sends them redacted. */
import { REDACTED } from '@tocsin/protocol';
import { keepUrlPassword, redactUrl } from './monitor-input.js';

/** The fields of an object probe's `s3` that are secrets (the access key id is not). */
const S3_SECRETS = ['secretAccessKey', 'sessionToken'];

/** Probe fields that hold credentials: printed back as the redaction marker. */
export function redactProbe(probe: Record<string, unknown>): Record<string, unknown> {
  const out = { ...probe };
  if (typeof out.url === 'string') out.url = redactUrl(out.url);
  const auth = out.auth as Record<string, unknown> | undefined;
  if (auth)
    out.auth = {
      ...auth,
      ...(auth.password !== undefined ? { password: REDACTED } : {}),
      ...(auth.token !== undefined ? { token: REDACTED } : {}),
    };
  if (out.headers && typeof out.headers === 'object')
    out.headers = Object.fromEntries(Object.keys(out.headers).map((k) => [k, REDACTED]));
  const s3 = out.s3 as Record<string, unknown> | undefined;
  if (s3) out.s3 = Object.fromEntries(Object.entries(s3).map(([k, v]) => [k, S3_SECRETS.includes(k) ? REDACTED : v]));
  return out;
}

/** A redacted credential in an update keeps the stored one. */
export function keepSecrets(
  incoming: Record<string, unknown>,
  stored: Record<string, unknown> | undefined,
): Record<string, unknown> {
  if (!stored) return incoming;
  const out = { ...incoming };
  if (typeof out.url === 'string' && typeof stored.url === 'string') out.url = keepUrlPassword(out.url, stored.url);
  const a = out.auth as Record<string, unknown> | undefined;
  const sa = stored.auth as Record<string, unknown> | undefined;
  if (a && sa)
    out.auth = {
      ...a,
      ...(a.password === REDACTED ? { password: sa.password } : {}),
      ...(a.token === REDACTED ? { token: sa.token } : {}),
    };
  const h = out.headers as Record<string, string> | undefined;
  const sh = stored.headers as Record<string, string> | undefined;
  if (h)
    out.headers = Object.fromEntries(
      Object.entries(h).map(([k, v]) => [k, v === REDACTED && sh?.[k] !== undefined ? sh[k] : v]),
    );
  const s3 = out.s3 as Record<string, unknown> | undefined;
  const ss3 = stored.s3 as Record<string, unknown> | undefined;
  if (s3 && ss3)
    out.s3 = Object.fromEntries(
      Object.entries(s3).map(([k, v]) => [k, v === REDACTED && S3_SECRETS.includes(k) ? ss3[k] : v]),
    );
  return out;
}
