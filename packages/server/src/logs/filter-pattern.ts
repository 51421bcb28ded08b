/**
 * CloudWatch Logs filter patterns, compiled once and matched many times:
 * the rule language of log routes, log alarms, metric filters, queries and
 * the live tail. Semantics follow AWS's "Filter pattern syntax for metric
 * filters, subscription filters, filter log events, and Live Tail":
 *
 * - terms are case-sensitive and match anywhere in the message (`ERROR`
 *   matches `Exiting with ERRORCODE: -1`); all plain terms must appear,
 *   no `-` term may; `?` terms are an OR that counts only in a pattern
 *   made of `?` terms alone (mixed with others they are ignored);
 * - JSON patterns test the event's JSON object; a selector that reaches
 *   an object, an array, null or nothing matches neither `=` nor `!=`;
 *   numbers compare numerically (a numeric string counts as its number);
 * - space-delimited patterns bind fields left to right, see
 *   `compileDelimited` in filter-pattern-match.ts.
 *
 * Hand-written because it is a measured hot path: bench/logs/filter-pattern-bench.ts.
 */
import { parseSelector } from './filter-pattern-json-parser.js';
import {
  type EventTest,
  type ExtractedFields,
  type FilterEvent,
  compileDelimited,
  compileNode,
  compileSelector,
  createFilterEvent,
} from './filter-pattern-match.js';
import { parseFilterPattern } from './filter-pattern-parser.js';
import { compilePreFilter } from './filter-pattern-prefilter.js';
import { type PatternNode, Scanner } from './filter-pattern-syntax.js';

export { createFilterEvent, type ExtractedFields, type FilterEvent };
export {
  MAX_FILTER_PATTERN_LENGTH,
  MAX_REGEX_PATTERNS_PER_LOG_GROUP,
  MAX_REGEX_PER_PATTERN,
} from './filter-pattern-syntax.js';

export interface FilterPattern {
  readonly text: string;
  readonly kind: PatternNode['kind'];
  /** Whether the pattern holds a `%regex%` (AWS allows 5 such patterns per log group). */
  readonly usesRegex: boolean;
  /** Whether the event matches. Build the event once with `createFilterEvent` and test it against every rule. */
  matches(event: FilterEvent): boolean;
  /**
   * The field values of a space-delimited pattern when the event matches (as CloudWatch's
   * `extractedValues`); `{}` for a match of another kind; undefined when it does not match.
   */
  extract(event: FilterEvent): ExtractedFields | undefined;
}

/**
 * Parses and compiles `text`; throws TocsinError('validation_failed') naming
 * the character position and what was expected.
 */
export function compileFilterPattern(text: string): FilterPattern {
  const { node, regexCount } = parseFilterPattern(text);
  const full: EventTest = compileNode(node);
  // Most lines a rule does not match are decided by the literal pre-check, before any parse or split.
  const pre = compilePreFilter(node);
  const test: EventTest = pre ? (event) => pre(event) && full(event) : full;
  const extractAll = node.kind === 'delimited' ? compileDelimited(node.items).extract : undefined;
  const extract = (event: FilterEvent): ExtractedFields | undefined => {
    if (extractAll === undefined) return test(event) ? {} : undefined;
    return pre && !pre(event) ? undefined : extractAll(event);
  };
  return { text, kind: node.kind, usesRegex: regexCount > 0, matches: test, extract };
}

/** One-off convenience for tests and the rule editor's "test this pattern": compile, then match each message. */
export function testFilterPattern(text: string, messages: string[]): boolean[] {
  const pattern = compileFilterPattern(text);
  return messages.map((m) => pattern.matches(createFilterEvent(m)));
}

/**
 * Compiles a JSON property selector (`$.latency`, `$.users[0].id`, `$.tags[*]`) into a function that
 * returns every value it reaches in a parsed event: a metric filter's `metricValue` and dimensions.
 */
export function compileJsonSelector(text: string): (json: unknown) => unknown[] {
  const s = new Scanner(text.trim());
  const selector = parseSelector(s);
  if (!s.done) throw s.fail('the end of the selector');
  return compileSelector(selector);
}
