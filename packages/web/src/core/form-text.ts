/**
 * Form inputs' text to API values and back, for every form: what is typed wrong stays as typed, so the zod schema
 * (the API's own) names the mistake at its field.
 */
import { printDuration } from '@tocsin/protocol';

/** A number when the text is one, else the text (for the schema to refuse with its own message). */
export function numberOrText(text: string): number | string {
  const n = Number(text.trim());
  return text.trim() !== '' && Number.isFinite(n) ? n : text;
}

/** Comma- or line-separated items, trimmed, empty ones dropped. */
export function listOf(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `env=prod, team=web` (or one a line) to `{ env: 'prod', team: 'web' }`; a bare key has an empty value. */
export function parseTags(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of listOf(text)) {
    const i = item.indexOf('=');
    if (i === -1) out[item] = '';
    else out[item.slice(0, i).trim()] = item.slice(i + 1).trim();
  }
  return out;
}

/** Tags as the tags input shows them: `env=prod, edge`. */
export function tagsText(tags: Record<string, string>): string {
  return Object.entries(tags)
    .map(([k, v]) => (v ? `${k}=${v}` : k))
    .join(', ');
}

/** Milliseconds as a duration input shows them (`1h30m`); empty for none or zero. */
export function durationText(ms: number | null | undefined): string {
  return ms ? printDuration(ms, 'd', 's') : '';
}
