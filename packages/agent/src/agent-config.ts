/**
 * The agent's settings: flags, and a config file (YAML or JSON, which is YAML too) giving the same. Flags win
 * over the file for single values; tags, log files and allowed prefixes of both are merged. A bad file is
 * reported as `file:line: field: message` for every problem at once.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { agentTagsSchema, durationSchema, logGroupNameSchema, tagKeySchema } from '@tocsin/protocol';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { z } from 'zod';
import type { LogSource } from './log-shipper.js';
import { defaultStateDir } from './state-files.js';

const sourceSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9_.:/-]+$/, 'letters, digits and _ . : / -'),
    group: logGroupNameSchema,
    path: z.string().min(1, 'required: the file to tail'),
  })
  .strict();

/**
 * How often host metrics may be sent: from every second (the CloudWatch agent's high resolution, for short alarm
 * periods) to every hour.
 */
const metricsEverySchema = durationSchema(1_000, 3_600_000, 'interval');

export const agentConfigFileSchema = z
  .object({
    url: z.string().url('a URL such as https://tocsin.example.com').optional(),
    name: z.string().min(1).max(255).optional(),
    stateDir: z.string().min(1).optional(),
    tags: agentTagsSchema.optional(),
    metricsEvery: metricsEverySchema.optional(),
    commands: z
      .object({ enabled: z.boolean().default(false), allow: z.array(z.string().min(1).max(1024)).max(100).default([]) })
      .strict()
      .optional(),
    logs: z.array(sourceSchema).max(100).optional(),
    /** Run monitors' probes from this host (as `--allow-probes`). */
    probes: z
      .object({ enabled: z.boolean().default(false) })
      .strict()
      .optional(),
  })
  .strict();

export interface ResolvedSettings {
  url: string;
  hostname: string;
  stateDir: string;
  tags: Record<string, string>;
  enrollToken?: string;
  allowCommands: boolean;
  allowPrefixes: string[];
  allowProbes: boolean;
  sources: LogSource[];
  metricsEveryMs?: number;
}

export class SettingsError extends Error {}

export const USAGE = `usage: tocsin-agent --url URL [--enroll TOKEN] [--tag KEY=VALUE ...] [--state-dir DIR]
  [--allow-commands [--allow-prefix PREFIX ...]] [--allow-probes] [--log-file GROUP=PATH ...] [--config FILE]
  [--metrics-every 60s] [--name HOST]`;

function lineOf(doc: ReturnType<typeof parseDocument>, counter: LineCounter, p: (string | number)[]): number {
  let node: unknown = doc.contents;
  let line = 1;
  const at = (n: unknown) => {
    const r = (n as Node | undefined)?.range;
    if (r) line = counter.linePos(r[0]).line;
  };
  at(node);
  for (const part of p) {
    if (isMap(node)) {
      const pair = node.items.find((i) => isScalar(i.key) && String(i.key.value) === String(part));
      if (!pair) break;
      at(pair.key);
      node = pair.value;
    } else if (isSeq(node) && typeof part === 'number') {
      node = node.items[part];
      at(node);
    } else break;
  }
  return line;
}

/** Reads and checks a config file; throws a SettingsError listing every problem with its line. */
export function loadConfigFile(file: string, text = readFileSync(file, 'utf8')): z.infer<typeof agentConfigFileSchema> {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw new SettingsError(`${file}:${counter.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`);
  }
  const parsed = agentConfigFileSchema.safeParse(doc.toJS() ?? {});
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => {
    const p = i.path.filter((x): x is string | number => typeof x !== 'symbol');
    return `${file}:${lineOf(doc, counter, p)}: ${p.join('.') || '(top)'}: ${i.message}`;
  });
  throw new SettingsError(lines.join('\n'));
}

function pairs(values: string[], what: string): [string, string][] {
  return values.map((v) => {
    const i = v.indexOf('=');
    if (i <= 0) throw new SettingsError(`${what} '${v}': write KEY=VALUE`);
    return [v.slice(0, i), v.slice(i + 1)];
  });
}

/** Settings from the command line (and the config file it names). */
export function resolveSettings(argv: string[]): ResolvedSettings {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      enroll: { type: 'string' },
      tag: { type: 'string', multiple: true, default: [] },
      'state-dir': { type: 'string' },
      'allow-commands': { type: 'boolean', default: false },
      'allow-prefix': { type: 'string', multiple: true, default: [] },
      'allow-probes': { type: 'boolean', default: false },
      'log-file': { type: 'string', multiple: true, default: [] },
      config: { type: 'string' },
      'metrics-every': { type: 'string' },
      name: { type: 'string' },
    },
    strict: true,
  });
  const file = values.config ? loadConfigFile(values.config) : {};
  const tags: Record<string, string> = { ...file.tags };
  for (const [k, v] of pairs(values.tag, '--tag')) {
    if (!tagKeySchema.safeParse(k).success) throw new SettingsError(`--tag ${k}: a tag key is letters, digits, _.:/-`);
    tags[k] = v;
  }
  const sources: LogSource[] = [...(file.logs ?? [])];
  for (const [group, p] of pairs(values['log-file'], '--log-file')) {
    const g = logGroupNameSchema.safeParse(group);
    if (!g.success) throw new SettingsError(`--log-file ${group}: ${g.error.issues[0]?.message}`);
    sources.push({ name: p.replace(/[^A-Za-z0-9_.:/-]/g, '_').slice(0, 128), group, path: p });
  }
  const names = new Set<string>();
  for (const s of sources) {
    if (names.has(s.name)) throw new SettingsError(`log source '${s.name}' is given twice: names must be unique`);
    names.add(s.name);
  }
  const url = values.url ?? file.url;
  if (!url) throw new SettingsError(`--url is required (or url: in --config)\n${USAGE}`);
  let metricsEveryMs = file.metricsEvery;
  if (values['metrics-every']) {
    const r = metricsEverySchema.safeParse(values['metrics-every']);
    if (!r.success) throw new SettingsError(`--metrics-every: ${r.error.issues[0]?.message}`);
    metricsEveryMs = r.data;
  }
  return {
    url,
    hostname: values.name ?? file.name ?? os.hostname(),
    stateDir: values['state-dir'] ?? file.stateDir ?? defaultStateDir(),
    tags: agentTagsSchema.parse(tags),
    enrollToken: values.enroll,
    allowCommands: values['allow-commands'] || (file.commands?.enabled ?? false),
    allowPrefixes: [...(file.commands?.allow ?? []), ...values['allow-prefix']],
    allowProbes: values['allow-probes'] || (file.probes?.enabled ?? false),
    sources,
    metricsEveryMs,
  };
}
