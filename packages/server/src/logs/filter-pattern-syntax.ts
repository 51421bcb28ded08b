/**
 * The syntax tree of a CloudWatch Logs filter pattern, its documented
 * quotas, and the character scanner the parsers share. The three pattern
 * kinds (terms, JSON `{ … }`, space-delimited `[ … ]`) are described at
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
 */
import { TocsinError } from '../core/errors.js';

/** PutMetricFilter / PutSubscriptionFilter: `filterPattern` is at most 1,024 characters. */
export const MAX_FILTER_PATTERN_LENGTH = 1024;
/** At most 2 regex (`%…%`) in one filter pattern. */
export const MAX_REGEX_PER_PATTERN = 2;
/** At most 5 filter patterns containing regex per log group (metric and subscription filters): the caller's check. */
export const MAX_REGEX_PATTERNS_PER_LOG_GROUP = 5;
/** At most one wildcard (`*`, `[*]`) in one JSON property selector. */
export const MAX_WILDCARDS_PER_SELECTOR = 1;
/** At most three wildcard selectors in one JSON filter pattern. */
export const MAX_WILDCARD_SELECTORS_PER_PATTERN = 3;

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** The right-hand side of a comparison. */
export type ValueNode =
  | { kind: 'any' } // a lone `*`: any value
  | { kind: 'text'; text: string; leading: boolean; trailing: boolean } // `*` at either end is a wildcard
  | { kind: 'number'; value: number; raw: string }
  | { kind: 'regex'; regex: RegExp; source: string };

export const WILDCARD: unique symbol = Symbol('wildcard');
export type SelectorStep = string | number | typeof WILDCARD;

export interface Selector {
  text: string;
  steps: SelectorStep[];
}

export type JsonNode =
  | { kind: 'and' | 'or'; left: JsonNode; right: JsonNode }
  | { kind: 'compare'; selector: Selector; op: CompareOp; value: ValueNode }
  | { kind: 'is'; selector: Selector; value: null | true | false }
  | { kind: 'notExists'; selector: Selector };

export type FieldNode =
  | { kind: 'and' | 'or'; left: FieldNode; right: FieldNode }
  | { kind: 'compare'; field: string; op: CompareOp; value: ValueNode };

export interface DelimitedField {
  kind: 'field';
  name: string | undefined;
  condition: FieldNode | undefined;
}
export type DelimitedItem = { kind: 'ellipsis' } | DelimitedField;

/** One term of an unstructured pattern: a word, a quoted phrase or a regex. */
export interface TermNode {
  mode: 'include' | 'optional' | 'exclude';
  text: string | undefined; // undefined for a regex
  regex: RegExp | undefined;
}

export type PatternNode =
  | { kind: 'all' }
  | { kind: 'terms'; terms: TermNode[] }
  | { kind: 'json'; root: JsonNode }
  | { kind: 'delimited'; items: DelimitedItem[] };

/** Reads a pattern left to right; every failure names the 1-based character position and what was expected. */
export class Scanner {
  pos = 0;
  regexCount = 0;
  constructor(readonly text: string) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }
  peek(offset = 0): string {
    return this.text.charAt(this.pos + offset);
  }
  startsWith(s: string): boolean {
    return this.text.startsWith(s, this.pos);
  }
  skipSpaces(): void {
    while (this.pos < this.text.length && isSpace(this.text.charCodeAt(this.pos))) this.pos++;
  }
  /** Consumes `s` (after spaces) when it is next. */
  eat(s: string): boolean {
    this.skipSpaces();
    if (!this.startsWith(s)) return false;
    this.pos += s.length;
    return true;
  }
  expect(s: string, what = `'${s}'`): void {
    if (!this.eat(s)) throw this.fail(what);
  }
  fail(expected: string, at = this.pos): TocsinError {
    const found = at < this.text.length ? `'${this.text.charAt(at)}'` : 'the end of the pattern';
    return filterPatternError(`expected ${expected} at character ${at + 1}, found ${found}`, at, expected);
  }
  countRegex(at: number): void {
    this.regexCount++;
    if (this.regexCount > MAX_REGEX_PER_PATTERN) {
      throw filterPatternError(
        `at most ${MAX_REGEX_PER_PATTERN} regular expressions in a filter pattern; ` +
          `the one at character ${at + 1} is one too many`,
        at,
        'fewer regular expressions',
      );
    }
  }
}

export function filterPatternError(message: string, position: number, expected: string): TocsinError {
  return new TocsinError('validation_failed', `filter pattern: ${message}`, { position, expected });
}

export function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A number as the documentation allows it: optional sign, decimals, scientific notation. */
export function parseNumber(raw: string): number | undefined {
  return NUMBER.test(raw) ? Number(raw) : undefined;
}

/** The numeric comparison of `op`, shared by JSON values and space-delimited fields. */
export function numericOp(op: CompareOp): (x: number, n: number) => boolean {
  switch (op) {
    case '=':
      return (x, n) => x === n;
    case '!=':
      return (x, n) => x !== n;
    case '<':
      return (x, n) => x < n;
    case '<=':
      return (x, n) => x <= n;
    case '>':
      return (x, n) => x > n;
    case '>=':
      return (x, n) => x >= n;
  }
}

/** An unquoted or quoted string value: `*` at its start or end is a wildcard, a lone `*` matches any value. */
export function textValue(raw: string, quoted: boolean): ValueNode {
  if (!quoted && raw === '*') return { kind: 'any' };
  if (!quoted) {
    const n = parseNumber(raw);
    if (n !== undefined) return { kind: 'number', value: n, raw };
  }
  const leading = raw.length > 1 && raw.startsWith('*');
  const trailing = raw.length > 1 && raw.endsWith('*');
  const text = raw.slice(leading ? 1 : 0, trailing ? raw.length - 1 : raw.length);
  return { kind: 'text', text, leading, trailing };
}

/**
 * Reads a double-quoted string at the scanner (which stands on the `"`);
 * `\"` and `\\` are the escapes.
 */
export function readQuoted(s: Scanner): string {
  const start = s.pos;
  s.pos++;
  let out = '';
  while (!s.done) {
    const c = s.peek();
    if (c === '"') {
      s.pos++;
      return out;
    }
    if (c === '\\' && (s.peek(1) === '"' || s.peek(1) === '\\')) {
      out += s.peek(1);
      s.pos += 2;
      continue;
    }
    out += c;
    s.pos++;
  }
  throw filterPatternError(`the quote at character ${start + 1} is never closed`, start, "a closing '\"'");
}
