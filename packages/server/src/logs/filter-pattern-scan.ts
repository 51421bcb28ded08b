/**
 * The test of a space-delimited pattern as a direct scan of the message:
 * token boundaries go into a reused integer buffer (no array of strings),
 * only the fields a condition reads are looked at, text compares run in
 * place (`startsWith` at an offset) and integers are read digit by digit.
 * A string is made only for a regex, a value with `\"` escapes, a number
 * that is not a plain integer, and the remainder the last field takes.
 * Tokens follow `splitFields` in filter-pattern-match.ts exactly; its
 * reference binding (`compileDelimited`'s extract) is checked against this
 * one in filter-pattern-scan.test.ts.
 */
import {
  type CompareOp,
  type DelimitedItem,
  type FieldNode,
  type ValueNode,
  numericOp,
  parseNumber,
} from './filter-pattern-syntax.js';

/** A field value as a range of a string: the message itself, or a string made for it. */
type RangeTest = (m: string, s: number, e: number) => boolean;

// Token k: value [start, end), raw start (where a remainder begins), whether the value holds `\"` escapes.
// Module-level and reused: a scan runs to its end synchronously before the next one starts.
let cap = 64;
let vStart = new Int32Array(cap);
let vEnd = new Int32Array(cap);
let rawStart = new Int32Array(cap);
let escaped = new Uint8Array(cap);

function grow(): void {
  cap *= 2;
  const copy = <T extends Int32Array | Uint8Array>(a: T, b: T): T => {
    b.set(a);
    return b;
  };
  vStart = copy(vStart, new Int32Array(cap));
  vEnd = copy(vEnd, new Int32Array(cap));
  rawStart = copy(rawStart, new Int32Array(cap));
  escaped = copy(escaped, new Uint8Array(cap));
}

function space(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** Token boundaries of `m` into the buffers, as `splitFields` splits; stops after `limit` tokens. */
function tokenize(m: string, limit: number): number {
  const n = m.length;
  // Spaces alone (the usual line) let the native indexOf find where a token ends.
  const spacesOnly = !m.includes('\t') && !m.includes('\n') && !m.includes('\r');
  let count = 0;
  let i = 0;
  while (i < n && count < limit) {
    let c = m.charCodeAt(i);
    while (space(c) && ++i < n) c = m.charCodeAt(i);
    if (i >= n) break;
    if (count === cap) grow();
    rawStart[count] = i;
    escaped[count] = 0;
    if (c === 91 || c === 34) {
      const close = c === 91 ? m.indexOf(']', i + 1) : closingQuote(m, i + 1);
      if (close >= 0) {
        vStart[count] = i + 1;
        vEnd[count] = close;
        if (c === 34 && quoteHadBackslash) escaped[count] = 1;
        count++;
        i = close + 1;
        continue;
      }
    }
    vStart[count] = i;
    if (spacesOnly) {
      const end = m.indexOf(' ', i);
      i = end < 0 ? n : end;
    } else while (i < n && !space(m.charCodeAt(i))) i++;
    vEnd[count++] = i;
  }
  return count;
}

let quoteHadBackslash = false;

/** The closing `"` (a `\` escapes the next character); notes whether a `\` came before it. */
function closingQuote(m: string, from: number): number {
  quoteHadBackslash = false;
  for (let i = from; i < m.length; i++) {
    const c = m.charCodeAt(i);
    if (c === 92) {
      quoteHadBackslash = true;
      i++;
    } else if (c === 34) return i;
  }
  return -1;
}

/** Compiles a delimited pattern's test, or undefined for the forms it leaves to the reference (two or more `...`). */
export function compileDelimitedScan(items: DelimitedItem[]): ((message: string) => boolean) | undefined {
  const ellipses = items.filter((i) => i.kind === 'ellipsis').length;
  if (ellipses > 1) return undefined;
  const fields = items.flatMap((item) => (item.kind === 'field' ? [item] : []));
  const index = new Map<string, number>();
  for (const [i, f] of fields.entries()) if (f.name !== undefined) index.set(f.name, i);
  const n = fields.length;
  const last = n - 1;
  const before = items.findIndex((i) => i.kind === 'ellipsis');
  // The field values the conditions read, per field slot; the message, or a string made for one value.
  const str: string[] = new Array(n).fill('');
  const from = new Int32Array(n);
  const to = new Int32Array(n);
  const read = new Set<number>();
  const conditions = fields.flatMap((f) =>
    f.condition ? [compileField(f.condition, index, str, from, to, read)] : [],
  );
  const slots = [...read];
  const lastRead = read.has(last);
  const setToken = (m: string, slot: number, k: number): void => {
    if (escaped[k] === 1) {
      const v = m.slice(vStart[k], vEnd[k]).replace(/\\"/g, '"');
      str[slot] = v;
      from[slot] = 0;
      to[slot] = v.length;
    } else {
      str[slot] = m;
      from[slot] = vStart[k]!;
      to[slot] = vEnd[k]!;
    }
  };
  const all = (): boolean => {
    for (const c of conditions) if (!c()) return false;
    return true;
  };
  if (before < 0) {
    return (m) => {
      const count = tokenize(m, n + 1);
      if (count < n) return false;
      for (const slot of slots) if (slot !== last) setToken(m, slot, slot);
      if (lastRead) {
        if (count === n) setToken(m, last, last);
        else {
          const rest = m.slice(rawStart[last]).trimEnd();
          str[last] = rest;
          from[last] = 0;
          to[last] = rest.length;
        }
      }
      return all();
    };
  }
  return (m) => {
    const count = tokenize(m, Number.MAX_SAFE_INTEGER);
    const skip = count - n;
    if (skip < 0) return false;
    for (const slot of slots) setToken(m, slot, slot < before ? slot : slot + skip);
    return all();
  };
}

function compileField(
  node: FieldNode,
  index: Map<string, number>,
  str: string[],
  from: Int32Array,
  to: Int32Array,
  read: Set<number>,
): () => boolean {
  if (node.kind !== 'compare') {
    const l = compileField(node.left, index, str, from, to, read);
    const r = compileField(node.right, index, str, from, to, read);
    return node.kind === 'and' ? () => l() && r() : () => l() || r();
  }
  const slot = index.get(node.field)!;
  read.add(slot);
  const test = compileRangeCompare(node.op, node.value);
  return () => test(str[slot]!, from[slot]!, to[slot]!);
}

/** `compileCompare` of filter-pattern-match.ts on a string value given as a range. */
export function compileRangeCompare(op: CompareOp, value: ValueNode): RangeTest {
  const negate = op === '!=';
  switch (value.kind) {
    case 'any':
      return () => !negate;
    case 'number': {
      const want = value.value;
      const cmp = numericOp(op);
      return (m, s, e) => {
        const x = readNumber(m, s, e);
        return x === undefined ? negate : cmp(x, want);
      };
    }
    case 'regex': {
      const regex = value.regex;
      return (m, s, e) => regex.test(m.slice(s, e)) !== negate;
    }
    case 'text': {
      const test = textRangeTest(value);
      return negate ? (m, s, e) => !test(m, s, e) : test;
    }
  }
}

function textRangeTest(value: { text: string; leading: boolean; trailing: boolean }): RangeTest {
  const { text, leading, trailing } = value;
  const len = text.length;
  if (leading && trailing) {
    return (m, s, e) => {
      const at = m.indexOf(text, s);
      return at >= 0 && at + len <= e;
    };
  }
  if (leading) return (m, s, e) => e - s >= len && m.startsWith(text, e - len);
  if (trailing) return (m, s, e) => e - s >= len && m.startsWith(text, s);
  return (m, s, e) => e - s === len && m.startsWith(text, s);
}

/** A plain integer digit by digit; anything else (decimals, exponents, spaces) through `parseNumber`. */
function readNumber(m: string, s: number, e: number): number | undefined {
  let i = s;
  const sign = m.charCodeAt(i);
  if (sign === 45 || sign === 43) i++;
  if (i === e || e - i > 15) return parseNumber(m.slice(s, e).trim());
  let x = 0;
  for (; i < e; i++) {
    const d = m.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return parseNumber(m.slice(s, e).trim());
    x = x * 10 + d;
  }
  return sign === 45 ? -x : x;
}
