/**
 * `%regex%` terms: CloudWatch's documented subset, checked character by
 * character and translated once into a JavaScript RegExp.
 *
 * Allowed: letters and digits, the symbols `: _ # = @ / ; , -` and space,
 * the operators `^ $ ? [ ] { } | \ * + .`, the escapes `\d \D \s \S \w \W
 * \xhh` and `\` before any operator or symbol. Not allowed: `(` `)` (no
 * sub-patterns), other symbols (`!`, …) and multi-byte characters. Without
 * groups no quantifier can nest, so a pattern cannot backtrack
 * catastrophically.
 */
import { type Scanner, filterPatternError } from './filter-pattern-syntax.js';

const SYMBOLS = new Set([':', '_', '#', '=', '@', '/', ';', ',', '-', ' ']);
const OPERATORS = new Set(['^', '$', '?', '[', ']', '{', '}', '|', '\\', '*', '+', '.']);
const CLASS_ESCAPES: Record<string, string> = {
  d: '\\d',
  D: '\\D',
  w: '\\w',
  W: '\\W',
  s: '[\\t\\n ]', // the documentation's whitespace: tab, space and newline
  S: '[^\\t\\n ]',
};
const SPECIAL_IN_JS = /[\\^$.*+?()[\]{}|/-]/;

function isAlnum(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/** Reads `%…%` at the scanner (standing on the first `%`) into a RegExp, counting it against the pattern's quota. */
export function readRegex(s: Scanner): { regex: RegExp; source: string } {
  const start = s.pos;
  s.countRegex(start);
  s.pos++;
  let js = '';
  let inClass = false;
  while (!s.done && s.peek() !== '%') {
    const at = s.pos;
    const c = s.peek();
    if (c === '\\') {
      js += escapeAt(s, inClass);
      continue;
    }
    if (c.charCodeAt(0) > 127) throw regexError(at, 'multi-byte characters are not supported in a regex');
    if (c === '(' || c === ')') throw regexError(at, "'(' and ')' are not supported in a regex; use \\x28 and \\x29");
    if (!isAlnum(c) && !SYMBOLS.has(c) && !OPERATORS.has(c)) {
      throw regexError(at, `'${c}' is not supported in a regex; use \\x${hex(c)}`);
    }
    s.pos++;
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    if (c === '{' && !inClass) {
      js += readBraces(s, at);
      continue;
    }
    js += c === '/' || (c === '-' && !inClass) ? `\\${c}` : c;
  }
  if (s.done) throw filterPatternError(`the regex at character ${start + 1} is never closed`, start, "a closing '%'");
  s.pos++;
  const source = s.text.slice(start, s.pos);
  if (js === '') throw filterPatternError(`the regex at character ${start + 1} is empty`, start, 'a regex');
  try {
    return { regex: new RegExp(js, 's'), source };
  } catch (e) {
    const message = `the regex at character ${start + 1} is invalid: ${(e as Error).message}`;
    throw filterPatternError(message, start, 'a regex');
  }
}

function escapeAt(s: Scanner, inClass: boolean): string {
  const at = s.pos;
  const next = s.peek(1);
  if (next === '' || next === '%') throw regexError(at, "a '\\' must escape a character");
  const cls = CLASS_ESCAPES[next];
  if (cls) {
    s.pos += 2;
    if (inClass && next === 's') return '\\t\\n ';
    return inClass && next === 'S' ? '\\S' : cls;
  }
  if (next === 'x') {
    const hh = s.text.slice(s.pos + 2, s.pos + 4);
    if (!/^[0-9A-Fa-f]{2}$/.test(hh)) throw regexError(at, "'\\x' needs two hexadecimal digits");
    s.pos += 4;
    return `\\x${hh}`;
  }
  if (OPERATORS.has(next) || SYMBOLS.has(next) || next === '(' || next === ')') {
    s.pos += 2;
    return SPECIAL_IN_JS.test(next) ? `\\${next}` : next;
  }
  throw regexError(at, `'\\${next}' is not a supported escape`);
}

/** `{m,n}`, `{m,}`, `{,n}`, `{m}` with optional spaces, as JavaScript's `{m,n}`. */
function readBraces(s: Scanner, at: number): string {
  const close = s.text.indexOf('}', s.pos);
  const body = close < 0 ? '' : s.text.slice(s.pos, close).replace(/ /g, '');
  const m = /^(\d*)(,?)(\d*)$/.exec(body);
  if (close < 0 || !m || (m[1] === '' && m[3] === '')) throw regexError(at, "'{' must start a quantifier {m,n}");
  s.pos = close + 1;
  return `{${m[1] === '' ? '0' : m[1]}${m[2]}${m[3]}}`;
}

function hex(c: string): string {
  return c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0');
}

function regexError(at: number, message: string) {
  return filterPatternError(`${message} (character ${at + 1})`, at, 'a supported regex character');
}
