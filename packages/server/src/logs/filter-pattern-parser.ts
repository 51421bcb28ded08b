/**
 * Parses a filter pattern into its syntax tree. The first character picks
 * the kind: `{` a JSON pattern, `[` a space-delimited one, anything else
 * a list of terms (an empty or blank pattern, `""` and `" "` match all).
 *
 *   terms     := (('?' | '-')? (word | '"phrase"' | %regex%))*     words: letters, digits, _
 *   delimited := '[' item (',' item)* ']'
 *   item      := '...' | name? (cond (('&&' | '||') cond)*)?        && binds tighter than ||
 *   cond      := name op value                                      (name: this or another field)
 */
import { parseJsonPattern, readOp, readValue } from './filter-pattern-json-parser.js';
import { readRegex } from './filter-pattern-regex.js';
import {
  type DelimitedField,
  type DelimitedItem,
  type FieldNode,
  MAX_FILTER_PATTERN_LENGTH,
  type PatternNode,
  Scanner,
  type TermNode,
  filterPatternError,
  readQuoted,
} from './filter-pattern-syntax.js';

const WORD_CHAR = /[\p{L}\p{N}_]/u;
const FIELD_NAME_CHAR = /[A-Za-z0-9_]/;

/** Parses `text`, or throws a TocsinError('validation_failed') naming the position and what was expected. */
export function parseFilterPattern(text: string): ParsedFilterPattern {
  if (text.length > MAX_FILTER_PATTERN_LENGTH) {
    const message = `a filter pattern has at most ${MAX_FILTER_PATTERN_LENGTH} characters, this one has ${text.length} \
(character ${MAX_FILTER_PATTERN_LENGTH + 1} is one too many)`;
    throw filterPatternError(message, MAX_FILTER_PATTERN_LENGTH, 'a shorter pattern');
  }
  const s = new Scanner(text);
  s.skipSpaces();
  if (s.done) return { node: { kind: 'all' }, regexCount: 0 };
  let node: PatternNode;
  if (s.peek() === '{') node = { kind: 'json', root: parseJsonPattern(s) };
  else if (s.peek() === '[') node = { kind: 'delimited', items: parseDelimited(s) };
  else return { node: parseTerms(s), regexCount: s.regexCount };
  s.skipSpaces();
  if (!s.done) throw s.fail(`the end of the pattern after the closing '${node.kind === 'json' ? '}' : ']'}'`);
  return { node, regexCount: s.regexCount };
}

export interface ParsedFilterPattern {
  node: PatternNode;
  regexCount: number;
}

function parseTerms(s: Scanner): PatternNode {
  const terms: TermNode[] = [];
  let everything = false;
  for (;;) {
    s.skipSpaces();
    if (s.done) break;
    let mode: TermNode['mode'] = 'include';
    if (s.peek() === '?' || s.peek() === '-') {
      mode = s.peek() === '?' ? 'optional' : 'exclude';
      s.pos++;
      s.skipSpaces(); // the documentation's own example writes `"ERROR" - "Exiting"`
    }
    const at = s.pos;
    const c = s.peek();
    if (c === '"') {
      const phrase = readQuoted(s);
      // `""` and `" "` match every event
      if (phrase.trim() === '') everything = true;
      else terms.push({ mode, text: phrase, regex: undefined });
    } else if (c === '%') {
      terms.push({ mode, text: undefined, regex: readRegex(s).regex });
    } else {
      while (!s.done && WORD_CHAR.test(s.peek())) s.pos++;
      if (s.pos === at) {
        const what = s.done ? 'a term' : 'a term; quote terms with characters other than letters, digits and _';
        throw s.fail(what);
      }
      if (!s.done && !/\s/.test(s.peek())) {
        const word = s.text.slice(at, s.pos);
        throw s.fail(`a space after '${word}'; quote terms with characters other than letters, digits and _`);
      }
      terms.push({ mode, text: s.text.slice(at, s.pos), regex: undefined });
    }
  }
  if (terms.length === 0 && everything) return { kind: 'all' };
  return { kind: 'terms', terms };
}

function parseDelimited(s: Scanner): DelimitedItem[] {
  s.expect('[');
  const items: DelimitedItem[] = [];
  const names = new Map<string, number>();
  const referenced: Array<{ name: string; at: number }> = [];
  for (;;) {
    s.skipSpaces();
    const at = s.pos;
    if (s.startsWith('...')) {
      s.pos += 3;
      items.push({ kind: 'ellipsis' });
    } else if (s.startsWith('…')) {
      s.pos += 1;
      items.push({ kind: 'ellipsis' });
    } else {
      const item = parseField(s, referenced);
      if (item.name !== undefined) {
        if (names.has(item.name)) {
          throw filterPatternError(`field '${item.name}' is named twice (character ${at + 1})`, at, 'a new name');
        }
        names.set(item.name, items.length);
      }
      items.push(item);
    }
    if (s.eat(',')) continue;
    if (s.eat(']')) break;
    throw s.fail("',' or ']'");
  }
  if (items.every((i) => i.kind === 'field' && i.name === undefined && i.condition === undefined)) {
    throw filterPatternError('a space-delimited pattern needs at least one field (character 1)', 0, 'a field');
  }
  for (const r of referenced) {
    if (!names.has(r.name)) {
      const message = `the condition at character ${r.at + 1} names '${r.name}', which is not a field`;
      throw filterPatternError(message, r.at, 'a field name');
    }
  }
  return items;
}

function readName(s: Scanner): string | undefined {
  s.skipSpaces();
  const from = s.pos;
  while (FIELD_NAME_CHAR.test(s.peek())) s.pos++;
  return s.pos > from ? s.text.slice(from, s.pos) : undefined;
}

/** `name`, `name = v`, `name = v && name != w || …`, or nothing (an unnamed field). */
function parseField(s: Scanner, referenced: Array<{ name: string; at: number }>): DelimitedField {
  const name = readName(s);
  s.skipSpaces();
  if (name === undefined) {
    if (s.peek() === ',' || s.peek() === ']') return { kind: 'field', name: undefined, condition: undefined };
    throw s.fail("a field name, '...', ',' or ']'");
  }
  if (s.peek() === ',' || s.peek() === ']') return { kind: 'field', name, condition: undefined };
  const condition = parseFieldOr(s, name, referenced, true);
  return { kind: 'field', name, condition };
}

function parseFieldOr(s: Scanner, own: string, refs: Array<{ name: string; at: number }>, first: boolean): FieldNode {
  let left = parseFieldAnd(s, own, refs, first);
  while (s.eat('||')) left = { kind: 'or', left, right: parseFieldAnd(s, own, refs, false) };
  return left;
}

function parseFieldAnd(s: Scanner, own: string, refs: Array<{ name: string; at: number }>, first: boolean): FieldNode {
  let left = parseCondition(s, own, refs, first);
  while (s.eat('&&')) left = { kind: 'and', left, right: parseCondition(s, own, refs, false) };
  return left;
}

function parseCondition(s: Scanner, own: string, refs: Array<{ name: string; at: number }>, first: boolean): FieldNode {
  s.skipSpaces();
  const at = s.pos;
  let field = own;
  if (!first) {
    const name = readName(s);
    if (name === undefined) throw s.fail('a field name');
    field = name;
    if (name !== own) refs.push({ name, at });
  }
  const op = readOp(s);
  return { kind: 'compare', field, op, value: readValue(s, op) };
}
