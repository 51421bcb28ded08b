/**
 * RFC 5424 messages, by the ABNF of its §6:
 * `<PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP
 * STRUCTURED-DATA [SP MSG]`, NILVALUE (`-`) for any header field and for
 * the structured data, a UTF-8 MSG when it starts with a BOM.
 *
 * Strict where the RFC says MUST (field lengths, the timestamp's form and
 * ranges, no leap second, at most 6 fraction digits, upper-case T and Z,
 * unique SD-IDs, SD-NAME characters); lenient only in accepting an
 * unescaped `]` inside a quoted PARAM-VALUE, which cannot be misread.
 */
import { priorityOf, privalOf } from './syslog-priority.js';
import { isRealDate } from './syslog-time.js';

export type StructuredData = Record<string, Record<string, string | string[]>>;

export interface Rfc5424Message {
  facility: number;
  severity: number;
  version: number;
  /** Epoch ms (sub-millisecond fractions truncated); undefined for NILVALUE. */
  timestamp?: number;
  hostname?: string;
  appName?: string;
  procId?: string;
  msgId?: string;
  structuredData?: StructuredData;
  message: string;
  /** MSG started with a BOM (and so is UTF-8). */
  utf8: boolean;
}

export type ParseOutcome<T> = { ok: true; value: T } | { ok: false; reason: string };

class Rfc5424Error extends Error {}

const fail = (reason: string): never => {
  throw new Rfc5424Error(reason);
};

const BOM = '\uFEFF';
const header = /^<(\d{1,3})>([1-9]\d{0,2}) /;
const timestampForm = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-](\d{2}):(\d{2}))$/;

/**
 * Parses one message. `text` is the frame decoded as UTF-8; `validUtf8`
 * says whether that decoding was lossless (a BOM promises it was).
 */
export function parseRfc5424(text: string, validUtf8 = true): ParseOutcome<Rfc5424Message> {
  try {
    return { ok: true, value: parse(text, validUtf8) };
  } catch (err) {
    if (err instanceof Rfc5424Error) return { ok: false, reason: `RFC 5424: ${err.message}` };
    throw err;
  }
}

function parse(text: string, validUtf8: boolean): Rfc5424Message {
  const h = header.exec(text) ?? fail('the message does not start with <PRI>VERSION and a space');
  const prival = privalOf(h[1]) ?? fail(`PRI <${h[1]}> is not 0–191 without leading zeros`);
  const version = Number(h[2]);
  if (version !== 1) fail(`VERSION ${version} is not supported (only 1)`);
  const { facility, severity } = priorityOf(prival);
  let at = h[0].length;
  const next = (name: string, max: number): string | undefined => {
    const end = text.indexOf(' ', at);
    if (end < 0) fail(`the header ends early: no space after ${name}`);
    const value = text.slice(at, end);
    at = end + 1;
    return fieldOf(value, name, max);
  };
  const out: Rfc5424Message = { facility, severity, version, message: '', utf8: false };
  const stamp = next('TIMESTAMP', 64);
  if (stamp !== undefined) out.timestamp = timestampOf(stamp);
  const hostname = next('HOSTNAME', 255);
  const appName = next('APP-NAME', 48);
  const procId = next('PROCID', 128);
  const msgId = next('MSGID', 32);
  if (hostname !== undefined) out.hostname = hostname;
  if (appName !== undefined) out.appName = appName;
  if (procId !== undefined) out.procId = procId;
  if (msgId !== undefined) out.msgId = msgId;
  const tail = text.slice(at);
  const sd = structuredDataPrefix(tail);
  if (sd.data) out.structuredData = sd.data;
  const after = tail.slice(sd.length);
  if (after !== '') {
    if (after[0] !== ' ') fail(`a space must follow STRUCTURED-DATA, not '${after[0]}'`);
    const msg = after.slice(1);
    if (msg.startsWith(BOM)) {
      if (!validUtf8) fail('MSG starts with a BOM but is not valid UTF-8');
      out.message = msg.slice(1);
      out.utf8 = true;
    } else {
      out.message = msg;
    }
  }
  return out;
}

function fieldOf(value: string, name: string, max: number): string | undefined {
  if (value === '') fail(`${name} is empty (two spaces in the header?)`);
  if (value === '-') return undefined;
  if (value.length > max) fail(`${name} is longer than ${max} characters`);
  if (!/^[\x21-\x7e]+$/.test(value)) fail(`${name} has characters outside printable US-ASCII`);
  return value;
}

/** Epoch ms of an RFC 5424 TIMESTAMP (RFC 3339 with the restrictions of §6.2.3). */
export function timestampOf(text: string): number {
  const m = timestampForm.exec(text);
  if (!m) {
    const why = /\.\d{7,}/.test(text) ? ' (at most 6 fraction digits)' : '';
    return fail(`TIMESTAMP ${text} is not YYYY-MM-DDThh:mm:ss[.ffffff](Z|±hh:mm)${why}`);
  }
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (!isRealDate(year, month, day)) fail(`TIMESTAMP ${text} names a date that does not exist`);
  if (hour > 23 || minute > 59) fail(`TIMESTAMP ${text} has a time out of range`);
  if (second > 59) fail(`TIMESTAMP ${text} has second ${second} (leap seconds are not allowed)`);
  let offset = 0;
  if (m[8] !== 'Z') {
    const oh = Number(m[9]);
    const om = Number(m[10]);
    if (oh > 23 || om > 59) fail(`TIMESTAMP ${text} has an offset out of range`);
    offset = (m[8][0] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  const ms = m[7] ? Number(m[7].padEnd(3, '0').slice(0, 3)) : 0;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset;
}

const sdNameChar = /[\x21-\x7e]/;

/** Parses STRUCTURED-DATA at the start of `text`: NILVALUE or SD-ELEMENTs; returns what it read. */
export function structuredDataPrefix(text: string): { data?: StructuredData; length: number } {
  if (text.startsWith('-') && (text.length === 1 || text[1] === ' ')) return { length: 1 };
  if (!text.startsWith('[')) fail('STRUCTURED-DATA must be - or start with [');
  const data: StructuredData = {};
  let at = 0;
  while (text[at] === '[') {
    at++;
    const [id, idEnd] = sdName(text, at, 'SD-ID');
    if (Object.hasOwn(data, id)) fail(`SD-ID ${id} appears twice`);
    const params: Record<string, string | string[]> = {};
    data[id] = params;
    at = idEnd;
    while (text[at] === ' ') {
      const [name, nameEnd] = sdName(text, at + 1, `PARAM-NAME in [${id}]`);
      if (text[nameEnd] !== '=' || text[nameEnd + 1] !== '"') fail(`[${id}] ${name} must be followed by ="`);
      const [value, valueEnd] = paramValue(text, nameEnd + 2, id, name);
      const prev = params[name];
      params[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
      at = valueEnd;
    }
    if (text[at] !== ']')
      fail(`[${id}] must end with ] (found ${text[at] === undefined ? 'the end' : `'${text[at]}'`})`);
    at++;
  }
  return { data, length: at };
}

function sdName(text: string, from: number, what: string): [string, number] {
  let at = from;
  while (at < text.length && sdNameChar.test(text[at]) && !'= ]"'.includes(text[at])) at++;
  if (at === from) fail(`${what} is empty`);
  if (at - from > 32) fail(`${what} ${text.slice(from, at)} is longer than 32 characters`);
  return [text.slice(from, at), at];
}

/** A quoted PARAM-VALUE from after its opening quote: `\"`, `\\` and `\]` unescaped, other `\` kept. */
function paramValue(text: string, from: number, id: string, name: string): [string, number] {
  let value = '';
  for (let at = from; at < text.length; at++) {
    const c = text[at];
    if (c === '"') return [value, at + 1];
    if (c === '\\' && (text[at + 1] === '"' || text[at + 1] === '\\' || text[at + 1] === ']')) {
      value += text[at + 1];
      at++;
    } else {
      value += c;
    }
  }
  return fail(`[${id}] ${name}'s value has no closing quote`);
}
