/**
 * Loki stream label sets in the selector syntax that the protobuf push body
 * carries (`{job="api", env="prod"}`), parsed and printed. Names follow
 * Prometheus's `[a-zA-Z_][a-zA-Z0-9_]*`; values are double-quoted (or
 * backquoted, raw) strings with Go's escapes (`\"`, `\\`, `\n`, `\t`, `\xHH`,
 * `\uHHHH`, `\UHHHHHHHH`, octal `\NNN`, …), as Loki's parser takes them. Only
 * `=` is allowed: a push names its labels, it does not match them.
 */

import { ORIGIN_ATTRIBUTE, ORIGIN_LABEL } from '../log-pipeline.js';

export class LabelSyntaxError extends Error {}

const NAME = /[a-zA-Z_][a-zA-Z0-9_]*/y;

const simpleEscapes: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

/** Reads the quoted value at `i` (its opening quote); returns the value and the index after it. */
function readValue(s: string, i: number): [string, number] {
  if (s[i] === '`') {
    const end = s.indexOf('`', i + 1);
    if (end < 0) throw new LabelSyntaxError(`an unterminated value at ${i}`);
    return [s.slice(i + 1, end), end + 1];
  }
  if (s[i] !== '"') throw new LabelSyntaxError(`a quoted value expected at ${i}`);
  let out = '';
  for (let j = i + 1; j < s.length; j++) {
    const c = s[j];
    if (c === '"') return [out, j + 1];
    if (c === '\n') break;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = s[++j];
    if (e === undefined) break;
    if (e in simpleEscapes) out += simpleEscapes[e];
    else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = s.slice(j + 1, j + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) throw new LabelSyntaxError(`a bad \\${e} escape at ${j - 1}`);
      const code = Number.parseInt(hex, 16);
      if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
        throw new LabelSyntaxError(`an invalid code point at ${j - 1}`);
      // \x is a byte in Go; Loki's values are UTF-8 text, so a byte above 0x7f is taken as that code point.
      out += String.fromCodePoint(code);
      j += n;
    } else if (e >= '0' && e <= '7') {
      const oct = s.slice(j, j + 3);
      if (!/^[0-7]{3}$/.test(oct)) throw new LabelSyntaxError(`a bad octal escape at ${j - 1}`);
      out += String.fromCodePoint(Number.parseInt(oct, 8));
      j += 2;
    } else throw new LabelSyntaxError(`an unknown escape \\${e} at ${j - 1}`);
  }
  throw new LabelSyntaxError(`an unterminated value at ${i}`);
}

const skipSpace = (s: string, i: number): number => {
  while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
  return i;
};

/** Parses a label set; a repeated name keeps its last value. Throws a LabelSyntaxError saying where it broke. */
export function parseLabels(s: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = skipSpace(s, 0);
  if (s[i] !== '{') throw new LabelSyntaxError(`'{' expected at ${i}`);
  i = skipSpace(s, i + 1);
  if (s[i] === '}') {
    if (skipSpace(s, i + 1) !== s.length) throw new LabelSyntaxError(`text after '}' at ${i + 1}`);
    return labels;
  }
  for (;;) {
    NAME.lastIndex = i;
    const m = NAME.exec(s);
    if (!m) throw new LabelSyntaxError(`a label name expected at ${i}`);
    i = skipSpace(s, i + m[0].length);
    if (s[i] !== '=' || s[i + 1] === '~') throw new LabelSyntaxError(`'=' expected at ${i}`);
    const [value, next] = readValue(s, skipSpace(s, i + 1));
    labels[m[0]] = value;
    i = skipSpace(s, next);
    if (s[i] === ',') {
      i = skipSpace(s, i + 1);
      if (s[i] === '}') break;
      continue;
    }
    if (s[i] === '}') break;
    throw new LabelSyntaxError(`',' or '}' expected at ${i}`);
  }
  if (skipSpace(s, i + 1) !== s.length) throw new LabelSyntaxError(`text after '}' at ${i + 1}`);
  return labels;
}

/** Whether a string is a valid label name. */
export const isLabelName = (name: string): boolean => /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name);

/** A label set as Loki prints a stream: names sorted, values quoted as JSON strings do, `{a="1", b="2"}`. */
export function formatLabels(labels: Record<string, string>): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return `{${parts.join(', ')}}`;
}

/**
 * The resource of a stream's events: its labels, and when one is Tocsin's origin label (a line Tocsin's Loki channel
 * pushed, come back), the origin attribute too, so that the pipeline drops it as a loop.
 */
export function resourceOfLabels(labels: Record<string, string>): Record<string, unknown> {
  const origin = labels[ORIGIN_LABEL];
  return origin ? { ...labels, [ORIGIN_ATTRIBUTE]: origin } : labels;
}
