import { z } from 'zod';
import { parseDuration, printDuration } from './duration.js';
import { s3LocationSchema } from './object-store.js';

/**
 * The settings of each probe type of an uptime monitor. Parsed output keeps
 * the shape of the input (defaults filled in), so a stored probe exports back
 * as written.
 */

export const probeTypes = ['http', 'tcp', 'dns', 'tls', 'object'] as const;
export type ProbeType = (typeof probeTypes)[number];

export const httpMethods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export const dnsRecordTypes = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SOA', 'SRV', 'CAA', 'PTR'] as const;
export type DnsRecordType = (typeof dnsRecordTypes)[number];

/** `db:5432` or `[::1]:5432`: the host with its port, which has a field of its own. */
const hostWithPort = /^(?:\[[^\]]*\]:\d*|[^:]*:\d*)$/;

const hostSchema = z
  .string()
  .min(1, 'a host name or IP address')
  .max(253)
  .refine((h) => !hostWithPort.test(h), {
    error: (issue) => `the host without its port: give the port in 'port' (got '${issue.input}')`,
    abort: true,
  })
  .regex(/^[A-Za-z0-9._:%-]+$/, 'a host name or IP address, without scheme, port or path');

const portSchema = z
  .number({ error: 'a port number from 1 to 65535' })
  .int('a port number from 1 to 65535')
  .min(1, 'a port number from 1 to 65535')
  .max(65535, 'a port number from 1 to 65535');

const daysSchema = z.number().int('a whole number of days').min(0, 'zero or more days').max(3650, 'at most 3650 days');

/** `200-299` → [200, 299]; `204` → [204, 204]; undefined when not a code or range of codes. */
export function parseStatusRange(value: number | string): [number, number] | undefined {
  const m = /^([1-5]\d\d)(?:-([1-5]\d\d))?$/.exec(String(value).trim());
  if (!m) return undefined;
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  return lo <= hi ? [lo, hi] : undefined;
}

const statusSchema = z
  .union([z.number(), z.string()])
  .refine(
    (v) => parseStatusRange(v) !== undefined,
    'a status code such as 200, or a range such as "200-299" (low to high, 100 to 599)',
  );

/** A JSON path of dotted names and [n] indexes: `$.data.items[0].status`. */
export const jsonPathPattern = /^\$(?:\.[A-Za-z0-9_$-]+|\[\d+\])*$/;

const headerNameSchema = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'a header name: letters, digits and dashes');
const headerValueSchema = z.string().regex(/^[^\r\n\0]*$/, 'a header value on one line');

export const httpAuthSchema = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('basic'), username: z.string(), password: z.string() }).strict(),
    z.object({ type: z.literal('bearer'), token: z.string().min(1, 'the bearer token') }).strict(),
  ],
  { error: 'auth type "basic" (username, password) or "bearer" (token)' },
);

export const httpProbeSchema = z
  .object({
    type: z.literal('http'),
    url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }),
    method: z.enum(httpMethods, { error: `one of ${httpMethods.join(', ')}` }).default('GET'),
    headers: z.record(headerNameSchema, headerValueSchema).optional(),
    body: z.string().max(1_048_576, 'at most 1 MiB').optional(),
    auth: httpAuthSchema.optional(),
    /** Status codes or ranges that count as up. */
    expectedStatus: z.array(statusSchema).min(1, 'at least one status code or range').default(['200-299']),
    followRedirects: z.boolean().default(true),
    maxRedirects: z.number().int().min(0, 'from 0 to 20').max(20, 'from 0 to 20').default(5),
    bodyContains: z.string().min(1, 'the text the body must contain').optional(),
    /** A regular expression (JavaScript syntax, no slashes or flags) the body must match. */
    bodyMatches: z
      .string()
      .min(1, 'a regular expression')
      .superRefine((source, ctx) => {
        try {
          new RegExp(source);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: `a valid regular expression (${(err as Error).message})` });
        }
      })
      .optional(),
    jsonPath: z
      .string()
      .regex(jsonPathPattern, 'a path such as $.data.items[0].status (dotted names and [n] indexes)')
      .optional(),
    /** The JSON value found at jsonPath must equal this; without it, the path must exist. */
    jsonEquals: z.json().optional(),
    maxResponseTimeMs: z.number().int().min(1, 'a number of milliseconds').max(600_000, 'at most 600000 ms').optional(),
    verifyTls: z.boolean().default(true),
    /** Warn (still up) when the certificate expires in fewer days than this; 0 disables. */
    certExpiryWarningDays: daysSchema.default(14),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.jsonEquals !== undefined && s.jsonPath === undefined) {
      ctx.addIssue({ code: 'custom', path: ['jsonPath'], message: 'jsonEquals needs a jsonPath, such as $.status' });
    }
  });

export const tcpProbeSchema = z.object({ type: z.literal('tcp'), host: hostSchema, port: portSchema }).strict();

/** `1.1.1.1`, `1.1.1.1:53`, `::1` or `[::1]:53`. */
export function isResolverAddress(text: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?::(\d{1,5}))?$/.exec(text);
  if (v4) return v4.slice(1, 5).every((o) => Number(o) <= 255) && (v4[5] === undefined || validPort(v4[5]));
  const v6 = /^\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?$/.exec(text);
  if (v6) return v6[1].includes(':') && (v6[2] === undefined || validPort(v6[2]));
  return /^[0-9A-Fa-f:.]+$/.test(text) && text.split(':').length >= 3;
}

function validPort(text: string): boolean {
  const n = Number(text);
  return n >= 1 && n <= 65535;
}

export const dnsProbeSchema = z
  .object({
    type: z.literal('dns'),
    /** The domain name to ask about (`name` is the monitor's own name). */
    query: z
      .string({
        error: (issue) =>
          issue.input === undefined
            ? 'required: the domain name to ask about, such as example.com ' +
              "(the field is 'query'; 'name' is the monitor's name)"
            : 'a domain name such as example.com',
      })
      .min(1, 'a domain name such as example.com')
      .max(253)
      .regex(/^[A-Za-z0-9_*.:-]+$/, 'a domain name such as example.com'),
    recordType: z.enum(dnsRecordTypes, { error: `one of ${dnsRecordTypes.join(', ')}` }).default('A'),
    /** The DNS server to ask instead of the system's. */
    resolver: z
      .string()
      .refine(
        isResolverAddress,
        'an IP address, optionally with a port: "1.1.1.1", "1.1.1.1:53" or "[2606:4700::1111]:53"',
      )
      .optional(),
    /** Every value must be among the answers; empty or omitted: at least one answer. */
    expected: z.array(z.string().min(1, 'an expected answer')).optional(),
  })
  .strict();

export const tlsProbeSchema = z
  .object({
    type: z.literal('tls'),
    host: hostSchema,
    port: portSchema.default(443),
    /** The server name sent (SNI) and checked against the certificate; the host by default. */
    servername: z.string().min(1).max(253).optional(),
    /** Fewer days left than this is DOWN. */
    minDaysLeft: daysSchema.default(14),
    verifyTls: z.boolean().default(true),
  })
  .strict();

/**
 * A duration kept as written (`30m`, or a number of seconds), so that a stored probe exports back as it was
 * given; the server reads it with parseDuration.
 */
function writtenDurationSchema(min: number, max: number, what: string) {
  const show = (ms: number) => printDuration(ms, 'm');
  return z.union([z.string(), z.number()]).superRefine((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) ctx.addIssue({ code: 'custom', message: `a ${what} such as 30s, 5m or 1h (got '${value}')` });
    else if (ms < min || ms > max)
      ctx.addIssue({ code: 'custom', message: `must be between ${show(min)} and ${show(max)} (got ${show(ms)})` });
  });
}

/**
 * An object that must exist: an S3 key or a file path, either of which may hold `{date:YYYY-MM-DD}`
 * placeholders, filled in `timezone` for the cron time being checked (or the time of the check, without a
 * cron). With a `cron`, the object is checked `deadline` after each cron time, and while it fails, every
 * retry interval (or interval) after, until it is there. The server checks the cron expression, the time zone
 * and the placeholders (they need the cron library and the time-zone data).
 */
export const objectProbeSchema = z
  .object({
    type: z.literal('object'),
    /** Where the object lives, in S3-compatible storage; `key` is under its prefix. */
    s3: s3LocationSchema.optional(),
    key: z.string().min(1, 'the key of the object, such as {date:YYYY-MM-DD}/evidence.txt').max(1024).optional(),
    /** A file on the server's disk, instead of `s3` and `key`. */
    path: z.string().min(1, 'the path of a file, such as /var/batch/{date:YYYY-MM-DD}.done').max(4096).optional(),
    /** The IANA time zone of `cron` and of the dates in `key` or `path`. */
    timezone: z.string().min(1).max(64).default('UTC'),
    /** When the object is due: a cron expression (5 fields) in `timezone`. */
    cron: z.string().min(1).max(200).optional(),
    /** How long after each cron time the object may take to appear; 0 by default. */
    deadline: writtenDurationSchema(0, 7 * 86_400_000, 'deadline').optional(),
    /** Down when the object is older than this. */
    maxAge: writtenDurationSchema(1_000, 366 * 86_400_000, 'maximum age').optional(),
    /** Down when the object has fewer bytes than this. */
    minSize: z
      .number({ error: 'a number of bytes' })
      .int('a whole number of bytes')
      .min(0, 'a number of bytes')
      .optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    const add = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (o.path !== undefined && (o.s3 !== undefined || o.key !== undefined))
      add('path', 'give either s3 and key (an object in a bucket) or path (a file), not both');
    else if (o.path === undefined && o.s3 === undefined && o.key === undefined)
      add('s3', 'give either s3 and key (an object in a bucket) or path (a file)');
    else if (o.path === undefined && o.s3 === undefined) add('s3', 'a key needs its bucket: s3: { bucket: … }');
    else if (o.path === undefined && o.key === undefined)
      add('key', 'required: the key of the object, such as {date:YYYY-MM-DD}/evidence.txt');
    if (o.deadline !== undefined && o.cron === undefined)
      add('deadline', 'a deadline counts from the cron times: give a cron too');
  });

export const probeSpecSchema = z.discriminatedUnion(
  'type',
  [httpProbeSchema, tcpProbeSchema, dnsProbeSchema, tlsProbeSchema, objectProbeSchema],
  {
    error: (issue) => (issue.code === 'invalid_union' ? `the probe type: one of ${probeTypes.join(', ')}` : undefined),
  },
);

export type HttpProbeSpec = z.output<typeof httpProbeSchema>;
export type TcpProbeSpec = z.output<typeof tcpProbeSchema>;
export type DnsProbeSpec = z.output<typeof dnsProbeSchema>;
export type TlsProbeSpec = z.output<typeof tlsProbeSchema>;
export type ObjectProbeSpec = z.output<typeof objectProbeSchema>;
export type ProbeSpec = z.output<typeof probeSpecSchema>;
export type ProbeSpecInput = z.input<typeof probeSpecSchema>;
