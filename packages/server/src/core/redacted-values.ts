import { REDACTED, type FieldIssue } from '@tocsin/protocol';
import { invalid } from './errors.js';

/**
 * `<redacted>` stands for a stored secret (export prints it so): a value
 * still holding it once stored secrets were merged in has none behind it,
 * and would be stored and sent as the literal text.
 */
export function redactedIssues(value: unknown, path: string): FieldIssue[] {
  if (value === REDACTED) {
    return [
      {
        path,
        message:
          `is ${REDACTED} (how an export prints a secret), but no stored value stands behind it here: ` +
          'give the real value or a ${VAR} reference ' +
          '(tocsin export --include-secrets makes a backup that holds them)',
      },
    ];
  }
  const at = (k: string | number) => (path ? `${path}.${k}` : String(k));
  if (Array.isArray(value)) return value.flatMap((v, i) => redactedIssues(v, at(i)));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => redactedIssues(v, at(k)));
  return [];
}

/** Throws a 400 naming every field still holding the redaction marker. */
export function rejectRedacted(value: unknown, path = ''): void {
  const issues = redactedIssues(value, path);
  if (issues.length) throw invalid(issues);
}
