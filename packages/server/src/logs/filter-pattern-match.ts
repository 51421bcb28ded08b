/**
 * Turns a parsed filter pattern into closures that test one event. Built
 * once per rule; per event nothing is parsed or compiled: terms are
 * `includes` calls, regexes were compiled by the parser, JSON selectors are
 * precomputed steps over the object the event parsed once, and a
 * space-delimited test scans the message itself (filter-pattern-scan.ts);
 * the fields are split once per event only to extract a match's values.
 */
import {
  type CompareOp,
  type DelimitedItem,
  type FieldNode,
  type JsonNode,
  type PatternNode,
  type Selector,
  type TermNode,
  type ValueNode,
  WILDCARD,
  isSpace,
  numericOp,
  parseNumber,
} from './filter-pattern-syntax.js';
import { compileDelimitedScan } from './filter-pattern-scan.js';

/** One log event as the matchers see it; build it once per event with `createFilterEvent`. */
export interface FilterEvent {
  readonly message: string;
  /** The message parsed as JSON, or undefined when it is not a JSON object. */
  readonly json: unknown;
  /** The space-delimited fields of the message. */
  readonly fields: DelimitedFields;
  /** Whether a JSON test costs no parse: the JSON is known, or the message plainly is not an object. */
  readonly jsonCheap: boolean;
  /** Whether the message holds a `\` (an escape a literal pre-check cannot see through); looked for once. */
  readonly hasBackslash: boolean;
}

export interface DelimitedFields {
  values: string[];
  starts: number[];
}

const NOT_PARSED = Symbol('not parsed');

/**
 * Wraps a message for matching. Pass `json` when the message was already
 * parsed; otherwise a message that starts with `{` is parsed on first use,
 * once for all patterns.
 */
export function createFilterEvent(message: string, json?: unknown): FilterEvent {
  return new LazyFilterEvent(message, json === undefined ? NOT_PARSED : json);
}

class LazyFilterEvent implements FilterEvent {
  #fields: DelimitedFields | undefined;
  #backslash: boolean | undefined;
  constructor(
    readonly message: string,
    private parsed: unknown,
  ) {}
  get json(): unknown {
    if (this.parsed === NOT_PARSED) this.parsed = parseObject(this.message);
    return this.parsed;
  }
  get fields(): DelimitedFields {
    this.#fields ??= splitFields(this.message);
    return this.#fields;
  }
  get jsonCheap(): boolean {
    if (this.parsed !== NOT_PARSED) return true;
    const c = this.message.charCodeAt(0);
    return c !== 123 && !isSpace(c); // a leading space leaves it to the pre-check and the parse
  }
  get hasBackslash(): boolean {
    this.#backslash ??= this.message.includes('\\');
    return this.#backslash;
  }
}

function parseObject(message: string): unknown {
  let start = 0;
  while (start < message.length && /\s/.test(message.charAt(start))) start++;
  if (start === message.length || message.charCodeAt(start) !== 123) return undefined;
  try {
    return JSON.parse(message);
  } catch {
    return undefined;
  }
}

/** Splits on spaces; text between `[` and `]` or between double quotes is one field (without them). */
export function splitFields(message: string): DelimitedFields {
  const values: string[] = [];
  const starts: number[] = [];
  let i = 0;
  const n = message.length;
  while (i < n) {
    while (i < n && isSpace(message.charCodeAt(i))) i++;
    if (i >= n) break;
    starts.push(i);
    const c = message.charCodeAt(i);
    if (c === 91 || c === 34) {
      const close = c === 91 ? message.indexOf(']', i + 1) : closingQuote(message, i + 1);
      if (close >= 0) {
        const inner = message.slice(i + 1, close);
        values.push(c === 34 && inner.includes('\\') ? inner.replace(/\\"/g, '"') : inner);
        i = close + 1;
        continue;
      }
    }
    const from = i;
    for (let code = c; i < n && code !== 32 && code !== 9 && code !== 10 && code !== 13; )
      code = message.charCodeAt(++i);
    values.push(message.slice(from, i));
  }
  return { values, starts };
}

function closingQuote(message: string, from: number): number {
  for (let i = from; i < message.length; i++) {
    if (message.charCodeAt(i) === 92) i++;
    else if (message.charCodeAt(i) === 34) return i;
  }
  return -1;
}

export type EventTest = (event: FilterEvent) => boolean;
type Scalar = string | number | boolean;

export function compileNode(node: PatternNode): EventTest {
  switch (node.kind) {
    case 'all':
      return () => true;
    case 'terms':
      return compileTerms(node.terms);
    case 'json': {
      const test = compileJson(node.root);
      return (event) => {
        const json = event.json;
        return typeof json === 'object' && json !== null && test(json);
      };
    }
    case 'delimited':
      return compileDelimited(node.items).test;
  }
}

function termTest(term: TermNode): (message: string) => boolean {
  const { text, regex } = term;
  return text !== undefined ? (m) => m.includes(text) : (m) => regex!.test(m);
}

/** Include terms must all appear, exclude terms none; `?` terms count only when a pattern has nothing else. */
function compileTerms(terms: TermNode[]): EventTest {
  // Plain terms before regexes: an `includes` that fails spares the regex.
  const byCost = [...terms].sort((a, b) => Number(a.text === undefined) - Number(b.text === undefined));
  const must = byCost.filter((t) => t.mode === 'include').map(termTest);
  const mustNot = terms.filter((t) => t.mode === 'exclude').map(termTest);
  const anyOf = terms.filter((t) => t.mode === 'optional').map(termTest);
  if (must.length === 0 && mustNot.length === 0) return ({ message }) => anyOf.some((t) => t(message));
  return ({ message }) => must.every((t) => t(message)) && !mustNot.some((t) => t(message));
}

/** The comparison both JSON values and space-delimited fields share. */
export function compileCompare(op: CompareOp, value: ValueNode): (v: Scalar) => boolean {
  const negate = op === '!=';
  if (value.kind === 'any') return () => !negate;
  if (value.kind === 'number') {
    const n = value.value;
    const cmp = numericOp(op);
    return (v) => {
      const x = typeof v === 'number' ? v : typeof v === 'string' ? parseNumber(v.trim()) : undefined;
      return x === undefined ? negate : cmp(x, n);
    };
  }
  const test = value.kind === 'regex' ? regexTest(value.regex) : textTest(value);
  return negate ? (v) => !test(String(v)) : (v) => test(String(v));
}

function regexTest(regex: RegExp): (s: string) => boolean {
  return (s) => regex.test(s);
}

function textTest(value: { text: string; leading: boolean; trailing: boolean }): (s: string) => boolean {
  const { text, leading, trailing } = value;
  if (leading && trailing) return (s) => s.includes(text);
  if (leading) return (s) => s.endsWith(text);
  if (trailing) return (s) => s.startsWith(text);
  return (s) => s === text;
}

const MISSING = Symbol('missing');

function step(value: unknown, key: string | number): unknown {
  if (typeof key === 'number') return Array.isArray(value) && key < value.length ? value[key] : MISSING;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return MISSING;
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : MISSING;
}

/** Every value the selector reaches (one at most without a wildcard). */
export function compileSelector(selector: Selector): (root: unknown) => unknown[] {
  const steps = selector.steps;
  const w = steps.indexOf(WILDCARD);
  const walk = (from: unknown, a: number, b: number): unknown => {
    let v = from;
    for (let i = a; i < b && v !== MISSING; i++) v = step(v, steps[i] as string | number);
    return v;
  };
  if (w < 0) {
    return (root) => {
      const v = walk(root, 0, steps.length);
      return v === MISSING ? [] : [v];
    };
  }
  return (root) => {
    const holder = walk(root, 0, w);
    if (typeof holder !== 'object' || holder === null) return [];
    const out: unknown[] = [];
    for (const child of Object.values(holder)) {
      const v = walk(child, w + 1, steps.length);
      if (v !== MISSING) out.push(v);
    }
    return out;
  };
}

function isScalar(v: unknown): v is Scalar {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/**
 * Whether some value the selector reaches passes `test`: the walk of `compileSelector` with no array
 * of results, and for a selector without a wildcard a straight walk of its steps.
 */
function compileSome(selector: Selector, test: (v: unknown) => boolean): (root: unknown) => boolean {
  const steps = selector.steps;
  const w = steps.indexOf(WILDCARD);
  const walk = (from: unknown, a: number, b: number): unknown => {
    let v = from;
    for (let i = a; i < b && v !== MISSING; i++) v = step(v, steps[i] as string | number);
    return v;
  };
  if (w < 0 && steps.length === 1) {
    const key = steps[0] as string | number;
    return (root) => {
      const v = step(root, key);
      return v !== MISSING && test(v);
    };
  }
  if (w < 0) {
    return (root) => {
      const v = walk(root, 0, steps.length);
      return v !== MISSING && test(v);
    };
  }
  return (root) => {
    const holder = walk(root, 0, w);
    if (typeof holder !== 'object' || holder === null) return false;
    for (const child of Object.values(holder)) {
      const v = walk(child, w + 1, steps.length);
      if (v !== MISSING && test(v)) return true;
    }
    return false;
  };
}

function compileJson(node: JsonNode): (root: unknown) => boolean {
  switch (node.kind) {
    case 'and': {
      const [l, r] = [compileJson(node.left), compileJson(node.right)];
      return (root) => l(root) && r(root);
    }
    case 'or': {
      const [l, r] = [compileJson(node.left), compileJson(node.right)];
      return (root) => l(root) || r(root);
    }
    case 'notExists': {
      const some = compileSome(node.selector, () => true);
      return (root) => !some(root);
    }
    case 'is': {
      const want = node.value;
      return compileSome(node.selector, (v) => v === want);
    }
    case 'compare': {
      const test = compileCompare(node.op, node.value);
      // A selector that reaches an object, an array or null matches neither = nor !=.
      return compileSome(node.selector, (v) => isScalar(v) && test(v));
    }
  }
}

/** Field values by name (`$status_code`) or by 1-based position (`$7`), as CloudWatch's extractedValues. */
export type ExtractedFields = Record<string, string>;

function compileField(node: FieldNode, index: Map<string, number>): (bound: string[]) => boolean {
  if (node.kind !== 'compare') {
    const [l, r] = [compileField(node.left, index), compileField(node.right, index)];
    return node.kind === 'and' ? (b) => l(b) && r(b) : (b) => l(b) || r(b);
  }
  const slot = index.get(node.field)!;
  const test = compileCompare(node.op, node.value);
  return (bound) => test(bound[slot]!);
}

/**
 * Space-delimited matching: each field takes one value, `...` any number
 * (none included); without `...`, a line longer than the pattern gives its
 * remainder to the last field, as `[w1=ERROR, w2]` matches any line whose
 * first word is ERROR. Conditions run once every field is bound.
 */
export function compileDelimited(items: DelimitedItem[]): {
  test: EventTest;
  extract: (event: FilterEvent) => ExtractedFields | undefined;
} {
  const fields = items.flatMap((item) => (item.kind === 'field' ? [item] : []));
  const index = new Map<string, number>();
  for (const [i, f] of fields.entries()) if (f.name !== undefined) index.set(f.name, i);
  const conditions = fields.flatMap((f) => (f.condition ? [compileField(f.condition, index)] : []));
  const last = fields.length - 1;
  const hasEllipsis = fields.length < items.length;
  const bindFixed = (event: FilterEvent): Bound | undefined => {
    const { values, starts } = event.fields;
    if (values.length < fields.length) return undefined;
    const bound = values.length === fields.length ? values : values.slice(0, fields.length);
    if (values.length > fields.length) bound[last] = event.message.slice(starts[last]).trimEnd();
    return conditions.every((c) => c(bound)) ? { bound, at: undefined } : undefined;
  };
  const bindAround = (event: FilterEvent): Bound | undefined => {
    const { values } = event.fields;
    const bound: string[] = [];
    const at: number[] = [];
    const search = (item: number, token: number): boolean => {
      if (item === items.length) return token === values.length && conditions.every((c) => c(bound));
      if (items[item]!.kind === 'ellipsis') {
        for (let t = token; t <= values.length; t++) if (search(item + 1, t)) return true;
        return false;
      }
      if (token >= values.length) return false;
      bound.push(values[token]!);
      at.push(token);
      if (search(item + 1, token + 1)) return true;
      bound.pop();
      at.pop();
      return false;
    };
    return search(0, 0) ? { bound, at } : undefined;
  };
  // One ellipsis (the documented form): the fields before it take the first values, those after it the last.
  const ellipses = items.filter((i) => i.kind === 'ellipsis').length;
  const before = items.findIndex((i) => i.kind === 'ellipsis');
  const bindOne = (event: FilterEvent): Bound | undefined => {
    const { values } = event.fields;
    const skip = values.length - fields.length;
    if (skip < 0) return undefined;
    const at = fields.map((_, i) => (i < before ? i : i + skip));
    const bound = at.map((t) => values[t]!);
    return conditions.every((c) => c(bound)) ? { bound, at } : undefined;
  };
  const bind = !hasEllipsis ? bindFixed : ellipses === 1 ? bindOne : bindAround;
  const extract = (event: FilterEvent): ExtractedFields | undefined => {
    const b = bind(event);
    if (!b) return undefined;
    const out: ExtractedFields = {};
    const positions = b.at ? event.fields.values.length : fields.length;
    for (let i = 0; i < positions; i++) out[`$${i + 1}`] = event.fields.values[i]!;
    fields.forEach((f, i) => {
      const position = `$${(b.at ? b.at[i]! : i) + 1}`;
      if (f.name === undefined) out[position] = b.bound[i]!;
      else {
        delete out[position];
        out[`$${f.name}`] = b.bound[i]!;
      }
    });
    return out;
  };
  // The test scans the message directly; `bind` stays the reference, for extract and for two or more ellipses.
  const scan = compileDelimitedScan(items);
  return { test: scan ? (event) => scan(event.message) : (event) => bind(event) !== undefined, extract };
}

interface Bound {
  bound: string[];
  at: number[] | undefined; // token index of each field, when an ellipsis moved them
}
