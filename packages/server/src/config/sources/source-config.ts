/**
 * The `sources:` section of the config file: where a list of monitors lives
 * (a URL, a file or an S3 object), how often it is read again, whether what
 * it leaves out is deleted, and the monitor fields every entry of a plain
 * server list (`{"servers":[{"name","url"}]}`) gets.
 */
import { z } from 'zod';
import { durationSchema, nameSchema, REDACTED, s3LocationSchema, type S3Location } from '@tocsin/protocol';
import { checkUniqueNames, changedKeys, planByName, storedByName } from '../config-planner.js';
import type { ConfigSection } from '../config-section.js';
import { fieldIssuesOf, invalid } from '../../core/errors.js';
import { redactedIssues } from '../../core/redacted-values.js';
import { stableJson } from '../../core/stable-json.js';
import type { SourceStore } from './source-store.js';

export const SOURCE_FORMATS = ['tocsin', 'servers'] as const;
export type SourceFormat = (typeof SOURCE_FORMATS)[number];

const s3ObjectSchema = z.looseObject({ key: z.string().min(1, 'the key of the object').max(1024) });

/** A source as written in the file (and stored: the input, so that an export writes it back as written). */
export const sourceInputSchema = z
  .object({
    name: nameSchema,
    url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }).optional(),
    file: z.string().min(1, 'a path').max(4096).optional(),
    /** The bucket and key, and the S3 location's other fields (endpoint, region, pathStyle, credentials). */
    s3: s3ObjectSchema.optional(),
    /** How the object is written; by default detected (`version:` is Tocsin's file, `servers:` a server list). */
    format: z.enum(SOURCE_FORMATS, { error: `one of ${SOURCE_FORMATS.join(', ')}` }).optional(),
    every: durationSchema(10_000, 7 * 86_400_000, 'every').default(300_000),
    /** Delete the monitors this source made that its list no longer has. */
    prune: z.boolean().default(false),
    /** Monitor fields each entry of a server list gets (interval, topics, timeout, expectedStatus, …). */
    defaults: z.record(z.string(), z.unknown()).default({}),
  })
  .strict()
  .superRefine((s, ctx) => {
    const given = (['url', 'file', 's3'] as const).filter((k) => s[k] !== undefined);
    if (given.length !== 1)
      ctx.addIssue({
        code: 'custom',
        path: given.length ? [given[1]] : ['url'],
        message: given.length ? `give one of url, file and s3 (not ${given.join(' and ')})` : 'give url, file or s3',
      });
    if (s.s3) {
      const { key: _key, ...location } = s.s3;
      const r = s3LocationSchema.safeParse(location);
      if (!r.success) for (const i of r.error.issues) ctx.addIssue({ ...i, path: ['s3', ...i.path] } as never);
    }
    for (const k of ['name', 'url', 'type'])
      if (k in s.defaults && s.defaults[k] !== undefined)
        ctx.addIssue({ code: 'custom', path: ['defaults', k], message: `each server entry gives its own ${k}` });
  });

export type SourceInput = z.input<typeof sourceInputSchema>;

export interface SourceSpec {
  name: string;
  url?: string;
  file?: string;
  s3?: { location: S3Location; key: string };
  format?: SourceFormat;
  everyMs: number;
  prune: boolean;
  defaults: Record<string, unknown>;
}

/** Parses one source; a validation error names each field under `path` (`sources.0.every`). */
export function parseSource(input: unknown, path = ''): SourceSpec {
  const r = sourceInputSchema.safeParse(input);
  if (!r.success) throw invalid(fieldIssuesOf(r.error.issues, path));
  const { every, s3, ...rest } = r.data;
  const spec: SourceSpec = { ...rest, everyMs: every };
  if (s3) {
    const { key, ...location } = s3;
    spec.s3 = { key, location: s3LocationSchema.parse(location) };
  }
  return spec;
}

/** Where a source is read from, for logs and answers: `https://…`, `file:…`, `s3://bucket/key`. */
export function whereOf(spec: SourceSpec): string {
  if (spec.url) return spec.url;
  if (spec.file) return `file:${spec.file}`;
  return `s3://${spec.s3!.location.bucket}/${spec.s3!.key}`;
}

const SECRET_FIELDS = ['secretAccessKey', 'sessionToken'];

/** The stored input with its S3 secrets as the export marker (API answers and exports without secrets). */
export function redactSource(input: Record<string, unknown>): Record<string, unknown> {
  const s3 = input.s3 as Record<string, unknown> | undefined;
  if (!s3) return input;
  const hidden = Object.fromEntries(Object.entries(s3).map(([k, v]) => [k, SECRET_FIELDS.includes(k) ? REDACTED : v]));
  return { ...input, s3: hidden };
}

/** An input whose redacted secrets are taken from what is stored (an export applied back). */
function withStoredSecrets(input: Record<string, unknown>, stored?: Record<string, unknown>): Record<string, unknown> {
  const s3 = input.s3 as Record<string, unknown> | undefined;
  const kept = stored?.s3 as Record<string, unknown> | undefined;
  if (!s3 || !kept) return input;
  const merged = Object.fromEntries(Object.entries(s3).map(([k, v]) => [k, v === REDACTED ? kept[k] : v]));
  return { ...input, s3: merged };
}

/** Checks that the defaults make a monitor (parsed as an http monitor with a placeholder name and URL). */
export type DefaultsCheck = (defaults: Record<string, unknown>, path: string) => void;

/** The `sources:` section: stored inputs by name; creating one reads it on the next tick of the source job. */
export function sourceConfigSection(store: SourceStore, checkDefaults: DefaultsCheck): ConfigSection {
  const parse = (item: unknown, path: string) => {
    const spec = parseSource(item, path);
    checkDefaults(spec.defaults, `${path}.defaults`);
    return spec;
  };
  return {
    key: 'sources',
    check: (items) => checkUniqueNames('sources', 'source', items, parse),
    async plan(q, items, ctx) {
      const stored = storedByName(await store.list(q), (s) => s.name);
      const wanted = items.map((item, i) => {
        const input = withStoredSecrets(item as Record<string, unknown>, stored.get(parse(item, `sources.${i}`).name));
        const issues = redactedIssues(input, `sources.${i}`);
        if (issues.length) throw invalid(issues);
        const name = parse(input, `sources.${i}`).name;
        return { name, input: { ...input, name }, parsed: sourceInputSchema.parse(input) as object };
      });
      return planByName(wanted, stored, ctx.prune, {
        resource: 'source',
        nameOf: (s) => s.name,
        diff: (s, w) => {
          const now = sourceInputSchema.parse(s) as object;
          return stableJson(now) === stableJson(w.parsed) ? undefined : { fields: changedKeys(now, w.parsed) };
        },
        create: (w) => (trx) => store.put(trx, w.input),
        update: (w) => (trx) => store.put(trx, w.input),
        remove: (s) => (trx) => store.remove(trx, s.name),
      });
    },
    async export(q, { includeSecrets }) {
      const all = await store.list(q);
      return includeSecrets ? all : all.map(redactSource);
    },
  };
}
