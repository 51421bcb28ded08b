/**
 * The JSON half of the filter-pattern grammar, and the comparison values
 * that space-delimited conditions share with it:
 *
 *   json     := '{' or '}'
 *   or       := and ('||' and)*            precedence: () > && > ||
 *   and      := primary ('&&' primary)*
 *   primary  := '(' or ')' | selector test
 *   test     := op value | 'IS' ('NULL' | 'TRUE' | 'FALSE') | 'NOT' 'EXISTS'
 *   selector := '$' ( '.' name | '.'? '[' (index | '*' | quoted) ']' | '.*' )+
 *   value    := '"…"' | %regex% | number | unquoted text with `*` wildcards
 */
import { readRegex } from './filter-pattern-regex.js';
import {
  type CompareOp,
  type JsonNode,
  MAX_WILDCARD_SELECTORS_PER_PATTERN,
  MAX_WILDCARDS_PER_SELECTOR,
  type Scanner,
  type Selector,
  type SelectorStep,
  type ValueNode,
  WILDCARD,
  filterPatternError,
  readQuoted,
  textValue,
} from './filter-pattern-syntax.js';

const OPS: CompareOp[] = ['!=', '<=', '>=', '=', '<', '>'];
const NAME_CHAR = /[A-Za-z0-9_-]/;
/** Characters that end an unquoted value (the documentation asks for quotes around `@`, `$`, `\` and the like). */
const VALUE_END = /[\s(){}[\],&|"%$@\\'=!<>]/;

export function parseJsonPattern(s: Scanner): JsonNode {
  s.expect('{');
  const state = { wildcardSelectors: 0 };
  const root = parseOr(s, state);
  s.expect('}', "'&&', '||' or '}'");
  return root;
}

function parseOr(s: Scanner, state: { wildcardSelectors: number }): JsonNode {
  let left = parseAnd(s, state);
  while (s.eat('||')) left = { kind: 'or', left, right: parseAnd(s, state) };
  return left;
}

function parseAnd(s: Scanner, state: { wildcardSelectors: number }): JsonNode {
  let left = parsePrimary(s, state);
  while (s.eat('&&')) left = { kind: 'and', left, right: parsePrimary(s, state) };
  return left;
}

function parsePrimary(s: Scanner, state: { wildcardSelectors: number }): JsonNode {
  if (s.eat('(')) {
    const inner = parseOr(s, state);
    s.expect(')', "'&&', '||' or ')'");
    return inner;
  }
  s.skipSpaces();
  const at = s.pos;
  const selector = parseSelector(s);
  if (selector.steps.includes(WILDCARD)) {
    state.wildcardSelectors++;
    if (state.wildcardSelectors > MAX_WILDCARD_SELECTORS_PER_PATTERN) {
      const message = `at most ${MAX_WILDCARD_SELECTORS_PER_PATTERN} wildcard selectors in a filter pattern`;
      throw filterPatternError(`${message} (character ${at + 1})`, at, 'fewer wildcard selectors');
    }
  }
  s.skipSpaces();
  if (s.startsWith('IS ') || s.startsWith('IS\t')) return parseIs(s, selector);
  if (s.startsWith('NOT ') || s.startsWith('NOT\t')) {
    s.pos += 3;
    s.skipSpaces();
    if (!s.startsWith('EXISTS')) throw s.fail("'EXISTS' ('IS NOT' and 'EXISTS' alone are not supported)");
    s.pos += 6;
    return { kind: 'notExists', selector };
  }
  if (s.startsWith('EXISTS')) throw s.fail("a comparison, 'IS' or 'NOT EXISTS' ('EXISTS' alone is not supported)");
  const op = readOp(s);
  return { kind: 'compare', selector, op, value: readValue(s, op) };
}

function parseIs(s: Scanner, selector: Selector): JsonNode {
  s.pos += 2;
  s.skipSpaces();
  for (const [word, value] of [
    ['NULL', null],
    ['TRUE', true],
    ['FALSE', false],
  ] as const) {
    if (s.startsWith(word) && !NAME_CHAR.test(s.peek(word.length))) {
      s.pos += word.length;
      return { kind: 'is', selector, value };
    }
  }
  throw s.fail("'NULL', 'TRUE' or 'FALSE' after 'IS' ('IS NOT' is not supported)");
}

/** Reads a comparison operator, or fails naming the ones allowed. */
export function readOp(s: Scanner): CompareOp {
  s.skipSpaces();
  for (const op of OPS) {
    if (s.startsWith(op)) {
      s.pos += op.length;
      return op;
    }
  }
  throw s.fail("an operator (=, !=, <, <=, >, >=), 'IS' or 'NOT EXISTS'");
}

/**
 * Reads a value after `op`: a quoted string, a `%regex%`, a number or an
 * unquoted string. `<`, `<=`, `>` and `>=` take numbers only.
 */
export function readValue(s: Scanner, op: CompareOp): ValueNode {
  s.skipSpaces();
  const at = s.pos;
  let value: ValueNode;
  if (s.peek() === '"') value = textValue(readQuoted(s), true);
  else if (s.peek() === '%') value = { kind: 'regex', ...readRegex(s) };
  else {
    while (!s.done && !VALUE_END.test(s.peek())) s.pos++;
    if (s.pos === at) throw s.fail('a value (a number, a string, "a quoted string" or %regex%)');
    value = textValue(s.text.slice(at, s.pos), false);
  }
  if (op !== '=' && op !== '!=' && value.kind !== 'number') {
    throw filterPatternError(`'${op}' compares numbers only; expected a number at character ${at + 1}`, at, 'a number');
  }
  return value;
}

/** Reads `$.a.b[0]['c.d'].*` into steps. */
export function parseSelector(s: Scanner): Selector {
  const start = s.pos;
  if (s.peek() !== '$') throw s.fail("a property selector starting with '$.' or '('");
  s.pos++;
  const steps: SelectorStep[] = [];
  for (;;) {
    if (s.peek() === '.' && s.peek(1) === '[') s.pos++;
    if (s.peek() === '[') steps.push(readBracket(s));
    else if (s.peek() === '.' && s.peek(1) === '*') {
      s.pos += 2;
      steps.push(WILDCARD);
    } else if (s.peek() === '.') {
      s.pos++;
      const from = s.pos;
      while (NAME_CHAR.test(s.peek())) s.pos++;
      if (s.pos === from) throw s.fail('a property name (letters, digits, - and _), [index] or *');
      steps.push(s.text.slice(from, s.pos));
    } else break;
  }
  if (steps.length === 0) throw s.fail("'.' and a property after '$'");
  if (steps.filter((x) => x === WILDCARD).length > MAX_WILDCARDS_PER_SELECTOR) {
    const message = `at most ${MAX_WILDCARDS_PER_SELECTOR} wildcard in a property selector`;
    throw filterPatternError(`${message} (character ${start + 1})`, start, 'one wildcard');
  }
  return { text: s.text.slice(start, s.pos), steps };
}

function readBracket(s: Scanner): SelectorStep {
  s.pos++;
  const c = s.peek();
  let step: SelectorStep;
  if (c === '*') {
    s.pos++;
    step = WILDCARD;
  } else if (c === "'" || c === '"') {
    const close = s.text.indexOf(c, s.pos + 1);
    if (close < 0) throw s.fail(`a closing ${c}`);
    step = s.text.slice(s.pos + 1, close);
    s.pos = close + 1;
  } else {
    const from = s.pos;
    while (s.peek() >= '0' && s.peek() <= '9') s.pos++;
    if (s.pos === from) throw s.fail("an array index, '*' or a quoted property name");
    step = Number(s.text.slice(from, s.pos));
  }
  if (s.peek() !== ']') throw s.fail("']'");
  s.pos++;
  return step;
}
