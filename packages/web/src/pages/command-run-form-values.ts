/**
 * The Run command form's values (strings, as the inputs hold them) to a `POST /api/commands` body. Empty inputs are
 * left out so the schema's defaults apply; what is typed wrong stays as typed, for commandRunInputSchema to name.
 */
import { listOf, numberOrText } from '../core/form-text.js';

/** One key=value row of the tag selector; a value `prod|stage` is any of them. */
export interface TagRow {
  key: string;
  value: string;
}

export const runFormInitial = {
  command: '',
  /** `tags` or `agents`. */
  targetBy: 'tags',
  /** The tag rows as JSON (TagRow[]): the form holds strings only. */
  tags: JSON.stringify([{ key: 'role', value: '' }] satisfies TagRow[]),
  agents: '',
  /** `count`, `group`, or `targets` (as many as the targets found). */
  expectBy: 'count',
  expected: '',
  group: '',
  maxConcurrency: '',
  maxErrors: '',
  deliveryTimeout: '',
  executionTimeout: '',
  topics: '',
  comment: '',
};

export type RunFormValues = typeof runFormInitial;

export function tagRowsOf(text: string): TagRow[] {
  try {
    const rows = JSON.parse(text) as unknown;
    return Array.isArray(rows) ? (rows as TagRow[]) : [];
  } catch {
    return [];
  }
}

/** The rows as a selector; a row without a key is dropped, a value with `|` is a list of values. */
export function selectorOf(rows: TagRow[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const r of rows) {
    const key = r.key.trim();
    if (!key) continue;
    const value = r.value.trim();
    out[key] = value.includes('|') ? value.split('|').map((v) => v.trim()) : value;
  }
  return out;
}

const countOrShare = (text: string) => {
  const t = text.trim();
  return /^\d+$/.test(t) ? Number(t) : t;
};

export function runBody(v: RunFormValues): Record<string, unknown> {
  const b: Record<string, unknown> = { command: v.command.trim() };
  b.targets = v.targetBy === 'agents' ? { agents: listOf(v.agents) } : { tags: selectorOf(tagRowsOf(v.tags)) };
  if (v.expectBy === 'count') b.expected = v.expected.trim() === '' ? '' : numberOrText(v.expected);
  if (v.expectBy === 'group') b.group = v.group.trim();
  const put = (key: string, value: string, as: (s: string) => unknown = (s) => s.trim()) => {
    if (value.trim() !== '') b[key] = as(value);
  };
  put('maxConcurrency', v.maxConcurrency, countOrShare);
  put('maxErrors', v.maxErrors, countOrShare);
  put('deliveryTimeout', v.deliveryTimeout);
  put('executionTimeout', v.executionTimeout);
  const topics = listOf(v.topics);
  if (topics.length) b.topics = topics;
  put('comment', v.comment);
  return b;
}
