import { REDACTED, secretFields, type SubscriptionSpec } from '@tocsin/protocol';
import type { SecretValue, Subscription } from './notify-types.js';
import { stableJson } from '../core/stable-json.js';

/**
 * A subscription's name when the config does not give one: the address for
 * e-mail, host and path for a webhook, the protocol for the rest (their
 * endpoints are secrets and must not become names).
 */
export function defaultSubscriptionName(spec: SubscriptionSpec): string {
  if (spec.name) return spec.name;
  if (spec.protocol === 'email') return spec.endpoint.toLowerCase();
  if (spec.protocol === 'webhook') {
    const u = new URL(spec.endpoint);
    return `${u.host}${u.pathname === '/' ? '' : u.pathname}`.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/-+$/, '');
  }
  return spec.protocol;
}

/** Splits a spec into the stored public part and the secret fields (with their `${VAR}` refs). */
export function splitSpec(
  spec: SubscriptionSpec,
  refOf: (field: string) => string | undefined = () => undefined,
): { name: string; publicSpec: Record<string, unknown>; secrets: Record<string, SecretValue> } {
  const secretNames = secretFields[spec.protocol];
  const publicSpec: Record<string, unknown> = {};
  const secrets: Record<string, SecretValue> = {};
  for (const [k, v] of Object.entries(spec)) {
    if (k === 'name' || k === 'protocol' || v === undefined) continue;
    if (secretNames.includes(k)) {
      const ref = refOf(k);
      secrets[k] = ref ? { value: v, ref } : { value: v };
    } else publicSpec[k] = v;
  }
  return { name: defaultSubscriptionName(spec), publicSpec, secrets };
}

/**
 * Secrets to store when a spec replaces a stored one: a field given as the
 * redaction marker keeps its stored value, so an exported file applies back.
 */
export function mergeSecrets(
  stored: Record<string, SecretValue>,
  incoming: Record<string, SecretValue>,
): Record<string, SecretValue> {
  const out: Record<string, SecretValue> = {};
  for (const [k, v] of Object.entries(incoming)) {
    out[k] = isRedacted(v.value) && stored[k] ? stored[k] : v;
  }
  return out;
}

function isRedacted(v: unknown): boolean {
  if (v === REDACTED) return true;
  if (v && typeof v === 'object') return Object.values(v).every((x) => x === REDACTED);
  return false;
}

/** How a secret is printed back: its `${VAR}` ref, or the redaction marker. */
export function printedSecret(secret: SecretValue): unknown {
  if (secret.ref) return secret.ref;
  if (secret.value && typeof secret.value === 'object') {
    return Object.fromEntries(Object.keys(secret.value).map((k) => [k, REDACTED]));
  }
  return REDACTED;
}

/** The subscription as the API and `tocsin export` show it: secrets never appear. */
export function subscriptionView(sub: Subscription): Record<string, unknown> {
  const view: Record<string, unknown> = { name: sub.name, protocol: sub.protocol };
  for (const [k, v] of Object.entries(sub.spec)) view[k] = v;
  for (const [k, v] of Object.entries(sub.secrets)) view[k] = printedSecret(v);
  return view;
}

/**
 * Field names that differ between a stored subscription and a wanted one (secret values are compared, never
 * printed).
 */
export function changedFields(
  stored: Subscription,
  wanted: { publicSpec: Record<string, unknown>; secrets: Record<string, SecretValue> },
): string[] {
  const fields = new Set([...Object.keys(stored.spec), ...Object.keys(wanted.publicSpec)]);
  const changed = [...fields].filter((f) => stableJson(stored.spec[f]) !== stableJson(wanted.publicSpec[f]));
  const merged = mergeSecrets(stored.secrets, wanted.secrets);
  const secretNames = new Set([...Object.keys(stored.secrets), ...Object.keys(merged)]);
  for (const f of secretNames) {
    const a = stored.secrets[f];
    const b = merged[f];
    if (stableJson(a?.value) !== stableJson(b?.value) || (a?.ref ?? '') !== (b?.ref ?? '')) changed.push(f);
  }
  return changed.sort();
}
