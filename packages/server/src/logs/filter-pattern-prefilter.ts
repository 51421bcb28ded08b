/**
 * A literal pre-check derived from a pattern's syntax tree: text the raw
 * message must contain for the pattern to have any chance of matching, so
 * that most lines a rule does not match are decided by a few `indexOf`
 * calls, before any JSON parse or field split. It is sound by construction:
 * it only answers false when the pattern certainly cannot match.
 *
 * What gives a literal (everything else gives none):
 * - terms: every plain include term; a pattern of `?` terms alone needs one
 *   of them (only when none is a regex). Described, not run: the terms test
 *   is these same `includes` calls;
 * - JSON: `$.x = text` (exact or with `*` at either end) needs `text`,
 *   quoted when exact and not `true`/`false`; `IS TRUE|FALSE|NULL` needs
 *   that keyword. Text a number can print as (digits, `.`, `e`, signs,
 *   `Infinity`) gives none, since `1.23e2` compares equal to `"123"`. Every
 *   comparison and `IS` (`!=` and numbers too) needs its selector's last key,
 *   quoted: a selector that reaches nothing matches neither `=` nor `!=`;
 * - space-delimited: `f = text` needs `text` at the start of a field (line
 *   start, or after a space, tab, newline, `[` or `"`), or anywhere with a
 *   leading `*`; a `]` before counts too, as `[a]b` is two fields. Numeric
 *   comparisons give none (`5.0e2` is 500).
 * `&&` keeps both sides' needs, `||` needs one side's (a bounded cross
 * product); `!=`, `NOT EXISTS` and exclusions need nothing; a `= %regex%`
 * value needs its longest literal run (`regexLiteral`). JSON
 * and field values may be written with escapes (`\u0065rror`, `\"`), so for
 * those kinds a message holding a backslash is always checked in full.
 * A JSON pattern's check runs only while the event's JSON is unparsed and
 * the message may be an object: once an earlier rule parsed it, walking the
 * object is cheaper than searching the text. The check reads the raw
 * message: it assumes a JSON object handed to `createFilterEvent` is the
 * parse of that message.
 */
import type {
  CompareOp,
  DelimitedItem,
  FieldNode,
  JsonNode,
  PatternNode,
  Selector,
  TermNode,
  ValueNode,
} from './filter-pattern-syntax.js';
import type { FilterEvent } from './filter-pattern-match.js';

/** False when the event certainly does not match; true when the full test must decide. */
export type PreFilter = (event: FilterEvent) => boolean;
type Check = (message: string) => boolean;

interface Need {
  text: string;
  fieldStart: boolean; // at a field's start rather than anywhere
}
type Clause = Need[]; // one of these
type Needs = Clause[]; // all of these

/** Bounds the cross product `||` makes: dropping clauses only weakens the check, so it stays sound. */
const MAX_CLAUSES = 8;
const MAX_NEEDS_PER_CLAUSE = 8;

/** The pattern's pre-check, or undefined when its syntax tree gives no literal. */
export function compilePreFilter(node: PatternNode): PreFilter | undefined {
  // A terms pattern's own test is already these `includes` (plain terms run before regexes).
  if (node.kind === 'terms') return undefined;
  const needs = needsOf(node);
  if (needs.length === 0) return undefined;
  const check = compileNeeds(needs);
  // Once an event's JSON is parsed (by an earlier rule), or when it is plainly no object, the JSON test is cheaper.
  if (node.kind === 'json') return (e) => e.jsonCheap || check(e.message) || e.hasBackslash;
  return (e) => check(e.message) || e.hasBackslash;
}

/** The needs as plain data, for tests and for explaining a rule. */
export function describePreFilter(node: PatternNode): Array<Array<{ text: string; fieldStart: boolean }>> {
  return needsOf(node);
}

function needsOf(node: PatternNode): Needs {
  switch (node.kind) {
    case 'all':
      return [];
    case 'terms':
      return termNeeds(node.terms);
    case 'json':
      return jsonNeeds(node.root);
    case 'delimited':
      return delimitedNeeds(node.items);
  }
}

function termNeeds(terms: TermNode[]): Needs {
  const plain = (t: TermNode): t is TermNode & { text: string } => t.text !== undefined && t.text !== '';
  const include = terms.filter((t) => t.mode === 'include');
  const exclude = terms.filter((t) => t.mode === 'exclude');
  if (include.length > 0 || exclude.length > 0) {
    return include.filter(plain).map((t) => [{ text: t.text, fieldStart: false }]);
  }
  const optional = terms.filter((t) => t.mode === 'optional');
  if (optional.length === 0 || !optional.every(plain)) return [];
  return [optional.map((t) => ({ text: t.text!, fieldStart: false }))];
}

function or(left: Needs, right: Needs): Needs {
  if (left.length === 0 || right.length === 0) return [];
  const out: Needs = [];
  for (const l of left) {
    for (const r of right) {
      if (out.length < MAX_CLAUSES && l.length + r.length <= MAX_NEEDS_PER_CLAUSE) out.push([...l, ...r]);
    }
  }
  return out;
}

const NUMBER_LIKE = /^[0-9.eE+-]*$/;

/** Text a JSON number may print as (`String(1e999)` is `Infinity`), which its raw form need not contain. */
function numberLike(text: string): boolean {
  return NUMBER_LIKE.test(text) || 'Infinity'.includes(text);
}

function jsonNeeds(node: JsonNode): Needs {
  switch (node.kind) {
    case 'and':
      return [...jsonNeeds(node.left), ...jsonNeeds(node.right)].slice(0, MAX_CLAUSES);
    case 'or':
      return or(jsonNeeds(node.left), jsonNeeds(node.right));
    case 'notExists':
      return [];
    case 'is':
      return [[{ text: String(node.value), fieldStart: false }], ...keyNeeds(node.selector)];
    case 'compare':
      return [...jsonValueNeeds(node.op, node.value), ...keyNeeds(node.selector)];
  }
}

function jsonValueNeeds(op: CompareOp, value: ValueNode): Needs {
  if (op !== '=') return [];
  if (value.kind === 'regex') {
    const run = regexLiteral(value.regex.source);
    return run === undefined || numberLike(run) ? [] : [[{ text: run, fieldStart: false }]];
  }
  if (value.kind !== 'text') return [];
  const { text, leading, trailing } = value;
  if (text === '' || numberLike(text)) return [];
  const exact = !leading && !trailing && text !== 'true' && text !== 'false';
  return [[{ text: exact ? `"${text}"` : text, fieldStart: false }]];
}

/** A selector that reaches a value walked through its keys: the last one is in the text, quoted. */
function keyNeeds(selector: Selector): Needs {
  const key = selector.steps.findLast((s): s is string => typeof s === 'string');
  return key === undefined ? [] : [[{ text: `"${key}"`, fieldStart: false }]];
}

function delimitedNeeds(items: DelimitedItem[]): Needs {
  const out: Needs = [];
  for (const item of items) if (item.kind === 'field' && item.condition) out.push(...fieldNeeds(item.condition));
  return out.slice(0, MAX_CLAUSES);
}

function fieldNeeds(node: FieldNode): Needs {
  switch (node.kind) {
    case 'and':
      return [...fieldNeeds(node.left), ...fieldNeeds(node.right)];
    case 'or':
      return or(fieldNeeds(node.left), fieldNeeds(node.right));
    case 'compare':
      return node.op === '=' ? valueNeeds(node.value) : [];
  }
}

function valueNeeds(value: ValueNode): Needs {
  if (value.kind === 'regex') {
    const run = regexLiteral(value.regex.source);
    return run === undefined ? [] : [[{ text: run, fieldStart: false }]];
  }
  if (value.kind !== 'text' || value.text === '') return [];
  return [[{ text: value.text, fieldStart: !value.leading }]];
}

function compileNeeds(needs: Needs): Check {
  const clauses = needs.map(compileClause);
  if (clauses.length === 1) return clauses[0]!;
  return (m) => {
    for (const c of clauses) if (!c(m)) return false;
    return true;
  };
}

function compileClause(clause: Clause): Check {
  const tests = clause.map(({ text, fieldStart }): Check => {
    if (fieldStart) return (m) => atFieldStart(m, text);
    return (m) => m.includes(text);
  });
  if (tests.length === 1) return tests[0]!;
  return (m) => {
    for (const t of tests) if (t(m)) return true;
    return false;
  };
}

/**
 * Whether `text` may start a space-delimited field: at the line start, after a space, tab, newline, `[` or `"`
 * (a bracketed or quoted value), or right after a `]` or `"` (a token that follows one with no space between).
 */
export function atFieldStart(message: string, text: string): boolean {
  for (let i = message.indexOf(text); i >= 0; i = message.indexOf(text, i + 1)) {
    if (i === 0) return true;
    const c = message.charCodeAt(i - 1);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 91 || c === 93 || c === 34) return true;
  }
  return false;
}

const REGEX_OPERATORS = '^$.*+?()[]{}|';

/**
 * The longest run of characters every match of a translated `%regex%` contains (at least 2 long), or undefined:
 * plain or escaped characters in a row, none made optional by `?`, `*` or `{0,…}`; a class, `.`, an anchor or a
 * class escape ends a run, and a regex with `|` anywhere gives none.
 */
export function regexLiteral(source: string): string | undefined {
  if (source.includes('|')) return undefined;
  let best = '';
  let run = '';
  const end = () => {
    if (run.length > best.length) best = run;
    run = '';
  };
  for (let i = 0; i < source.length; i++) {
    let c = source.charAt(i);
    if (c === '\\') {
      c = source.charAt(++i);
      if (/[A-Za-z0-9]/.test(c)) {
        if (c === 'x') i += 2;
        end();
        continue;
      }
    } else if (c === '[') {
      while (i < source.length && source.charAt(i) !== ']') i += source.charAt(i) === '\\' ? 2 : 1;
      end();
      continue;
    } else if (c === '{') {
      i = source.indexOf('}', i);
      if (i < 0) return undefined;
      end();
      continue;
    } else if (REGEX_OPERATORS.includes(c)) {
      end();
      continue;
    }
    // `c` is one literal character; what follows it decides whether it must appear.
    const next = source.charAt(i + 1);
    if (next === '?' || next === '*' || (next === '{' && /^\{0*[,}]/.test(source.slice(i + 1)))) end();
    else if (next === '+' || next === '{') {
      run += c;
      end();
    } else run += c;
  }
  end();
  return best.length >= 2 ? best : undefined;
}
