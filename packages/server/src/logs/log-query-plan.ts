/**
 * What a query needs before it reads a block: its time range and order from the parameters (with field-named
 * 400s), its compiled filter pattern, the terms every matching message must hold (to skip blocks by their bloom
 * filter and their text), and where the previous page stopped (the cursor).
 */
import type { z } from 'zod';
import type { logQuerySchema } from '@tocsin/protocol';
import { TocsinError, invalid } from '../core/errors.js';
import { compileFilterPattern, type FilterPattern } from './filter-pattern.js';
import { parseFilterPattern } from './filter-pattern-parser.js';
import type { JsonNode } from './filter-pattern-syntax.js';
import { bloomMayHold } from './log-block-bytes.js';

export type LogQueryParams = z.output<typeof logQuerySchema>;

/** A place in a query's order: an event's time, block and position in it. */
export interface Position {
  t: number;
  b: string;
  i: number;
}

export interface QueryPlan {
  group: string;
  start: number;
  end: number;
  order: 'asc' | 'desc';
  limit: number;
  minLevel: number;
  pattern: FilterPattern;
  /** The pattern matches every event (no test per event). */
  matchesAll: boolean;
  /**
   * Terms that must all be in a matching message (`all`), or of which one must (`any`); none: no pruning.
   * `json`: string values of a JSON pattern, in the message only when it has no `\u` escape.
   */
  terms?: { mode: 'all' | 'any'; bytes: Buffer[]; json?: boolean };
  after?: Position;
}

const HOUR = 3_600_000;

function timeOf(text: string | undefined, field: string, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isSafeInteger(ms) || ms < 0)
    throw invalid([{ path: field, message: `'${text}' is neither epoch milliseconds nor an ISO 8601 time` }]);
  return ms;
}

/** Whether JSON may write a character of `t` escaped: `"`, `\\`, `/` or a control character. */
function hasEscapable(t: string): boolean {
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c === 0x2f) return true;
  }
  return false;
}

/**
 * The string values a JSON pattern's `=` comparisons joined by `&&` need, as they must appear in the message's
 * text: without a character JSON may write escaped (`"`, `\\`, `/`, controls) and not number-like (a number's
 * text may differ from the value compared), so that, in a message without `\u` escapes, the value is verbatim.
 */
function jsonLiterals(n: JsonNode): string[] {
  if (n.kind === 'and') return [...jsonLiterals(n.left), ...jsonLiterals(n.right)];
  if (n.kind !== 'compare' || n.op !== '=' || n.value.kind !== 'text') return [];
  const t = n.value.text;
  return t.length >= 3 && !hasEscapable(t) && !/^[0-9.eE+-]*$/.test(t) ? [t] : [];
}

/**
 * The terms a message must hold: a plain-text pattern's terms, a JSON pattern's string values (`jsonLiterals`);
 * space-delimited patterns have none.
 */
function requiredTerms(text: string): QueryPlan['terms'] {
  const { node } = parseFilterPattern(text);
  if (node.kind === 'json') {
    const literals = jsonLiterals(node.root);
    return literals.length ? { mode: 'all', bytes: literals.map((l) => Buffer.from(l)), json: true } : undefined;
  }
  if (node.kind !== 'terms') return undefined;
  const include = node.terms.filter((t) => t.mode === 'include');
  const exclude = node.terms.filter((t) => t.mode === 'exclude');
  if (include.length) {
    const bytes = include.filter((t) => t.text !== undefined).map((t) => Buffer.from(t.text!));
    return bytes.length ? { mode: 'all', bytes } : undefined;
  }
  const optional = node.terms.filter((t) => t.mode === 'optional');
  if (exclude.length || optional.length === 0 || optional.some((t) => t.text === undefined)) return undefined;
  return { mode: 'any', bytes: optional.map((t) => Buffer.from(t.text!)) };
}

export function encodeCursor(p: Position, order: 'asc' | 'desc'): string {
  return Buffer.from(JSON.stringify({ ...p, o: order })).toString('base64url');
}

function decodeCursor(text: string, order: 'asc' | 'desc'): Position {
  const bad = (why: string) => invalid([{ path: 'cursor', message: why }]);
  let p: { t?: unknown; b?: unknown; i?: unknown; o?: unknown };
  try {
    p = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as typeof p;
  } catch {
    throw bad('not a cursor of this API (pass the `next` of the previous page as it was)');
  }
  if (typeof p.t !== 'number' || typeof p.b !== 'string' || typeof p.i !== 'number')
    throw bad('not a cursor of this API (pass the `next` of the previous page as it was)');
  if (p.o !== order) throw bad(`this cursor pages a query in ${String(p.o)} order; ask with order=${String(p.o)}`);
  return { t: p.t, b: p.b, i: p.i };
}

/** Validates and compiles the parameters of `GET /api/logs/query`. */
export function planQuery(params: LogQueryParams & { minLevel?: number }, now: number): QueryPlan {
  const end = timeOf(params.end, 'end', now);
  const start = timeOf(params.start, 'start', end - HOUR);
  if (start > end) throw invalid([{ path: 'start', message: 'must not be after end' }]);
  let pattern: FilterPattern;
  let terms: QueryPlan['terms'];
  try {
    pattern = compileFilterPattern(params.pattern);
    terms = requiredTerms(params.pattern);
  } catch (err) {
    if (!(err instanceof TocsinError)) throw err;
    throw new TocsinError('validation_failed', `pattern: ${err.message}`, {
      issues: [{ path: 'pattern', message: err.message }],
      ...(err.details as object),
    });
  }
  return {
    group: params.group,
    start,
    end,
    order: params.order,
    limit: params.limit,
    minLevel: params.minLevel ?? 0,
    pattern,
    matchesAll: pattern.kind === 'all',
    terms,
    after: params.cursor === undefined ? undefined : decodeCursor(params.cursor, params.order),
  };
}

/** Whether a block whose messages' trigrams are `bloom` (with `\u` escapes or not) may hold a match. */
export function bloomAllows(plan: QueryPlan, bloom: Buffer, escapes: boolean): boolean {
  const t = plan.terms;
  if (!t || (t.json && escapes)) return true;
  return t.mode === 'all' ? t.bytes.every((b) => bloomMayHold(bloom, b)) : t.bytes.some((b) => bloomMayHold(bloom, b));
}

/** Whether a block's messages (their UTF-8 bytes together) may hold a match: the terms are in the text. */
export function textAllows(plan: QueryPlan, text: Buffer): boolean {
  const t = plan.terms;
  if (!t) return true;
  if (t.json && text.includes('\\u')) return true;
  return t.mode === 'all' ? t.bytes.every((b) => text.includes(b)) : t.bytes.some((b) => text.includes(b));
}

/** Compares two positions in time, then block, then position order. */
export function comparePositions(a: Position, b: Position): number {
  return a.t - b.t || (a.b < b.b ? -1 : a.b > b.b ? 1 : 0) || a.i - b.i;
}
