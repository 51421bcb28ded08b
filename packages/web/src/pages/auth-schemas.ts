/**
 * Checks of the session forms' bodies, in the shape of a zod schema's safeParse. They mirror the contract's
 * bodies; once @tocsin/protocol exports its user schemas (user.ts), the forms take those instead.
 */
import type { SchemaLike } from '../components/form.js';

type Check = [field: string, ok: (v: Record<string, unknown>) => boolean, message: string];

function schemaOf(checks: Check[]): SchemaLike {
  return {
    safeParse(value) {
      const v = value as Record<string, unknown>;
      const issues = checks.filter(([, ok]) => !ok(v)).map(([path, , message]) => ({ path: [path], message }));
      return issues.length ? { success: false, error: { issues } } : { success: true };
    },
  };
}

const text = (k: string) => (v: Record<string, unknown>) => typeof v[k] === 'string' && (v[k] as string).length > 0;
const longEnough = (k: string) => (v: Record<string, unknown>) => String(v[k] ?? '').length >= 8;

export const loginBodySchema = schemaOf([
  ['name', text('name'), 'your user name'],
  ['password', text('password'), 'your password'],
  ['totp', (v) => v.totp === undefined || /^\d{6}$/.test(String(v.totp)), 'the 6 digits your authenticator app shows'],
]);

export const setupBodySchema = schemaOf([
  ['name', (v) => /^[A-Za-z0-9._-]{1,64}$/.test(String(v.name ?? '')), 'a user name: letters, digits, . _ -'],
  ['password', longEnough('password'), 'at least 8 characters'],
  ['setupCode', text('setupCode'), 'the setup code from the server log or data/setup-code, or an admin API token'],
]);

export const passwordBodySchema = schemaOf([
  ['current', text('current'), 'your current password'],
  ['password', longEnough('password'), 'at least 8 characters'],
]);

export const totpCodeSchema = schemaOf([
  ['code', (v) => /^\d{6}$/.test(String(v.code ?? '')), 'the 6 digits your authenticator app shows'],
]);
