/**
 * Every YAML example of the user docs (docs/*.md, README.md) goes through
 * the real validator, so that a docs example can never be invalid.
 *
 * Fences, strict by default:
 *   ```yaml                   a whole config file (with `version: 1`)
 *   ```yaml fragment SECTION  the fields of one item of SECTION (alarms, topics, …),
 *                             checked inside a minimal valid item
 *   ```yaml skip REASON       not checked; the reason is required
 * An unlabelled fence whose text is a mapping of config sections must be labelled.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { configFileSchema } from '@tocsin/protocol';
import type { Tocsin } from '../app.js';
import { TocsinError } from '../core/errors.js';
import { createTestApp } from '../test-support/test-app.js';
import { loadConfigText, type ConfigIssue } from './config-loader.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** A minimal valid item of each section, which a fragment's fields complete or override. */
const baseItems: Record<string, Record<string, unknown>> = {
  topics: { name: 'example' },
  monitors: { name: 'example', type: 'http', url: 'https://example.com/' },
  heartbeats: { name: 'example', period: '1d', grace: '1h' },
  alarms: {
    name: 'example',
    namespace: 'App',
    metricName: 'm',
    statistic: 'Average',
    period: '1m',
    evaluationPeriods: 1,
    threshold: 1,
    comparisonOperator: 'GreaterThanThreshold',
  },
  maintenance: { name: 'example', monitors: ['example'], cron: '0 3 * * *', duration: '30m' },
  groups: { name: 'example', selector: { tier: 'web' }, expectedSize: 1 },
};

/**
 * Any `${VAR}` of an example resolves to a value that fits URLs, tokens and secrets alike; a Telegram bot token has
 * a shape of its own.
 */
const env = new Proxy({} as NodeJS.ProcessEnv, {
  get: (_, name) =>
    name === 'TELEGRAM_BOT_TOKEN' ? '123456789:AAplaceholder' : 'https://hooks.example.com/placeholder-0123456789',
});

export interface YamlBlock {
  file: string;
  /** Line of the opening fence. */
  line: number;
  info: string;
  text: string;
}

export function yamlBlocks(file: string, markdown: string): YamlBlock[] {
  const lines = markdown.split('\n');
  const blocks: YamlBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(.*)$/.exec(lines[i]);
    if (!open) continue;
    const indent = open[1].length;
    let j = i + 1;
    while (j < lines.length && !/^\s*```\s*$/.test(lines[j])) j++;
    const text = `${lines
      .slice(i + 1, j)
      .map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length)))
      .join('\n')}\n`;
    blocks.push({ file, line: i + 1, info: open[2].trim(), text });
    i = j;
  }
  return blocks;
}

const sectionKeys = new Set(Object.keys(configFileSchema.shape));

/** A fragment inside a minimal item of its section, as a whole file; `offset` maps its lines back. */
function fragmentFile(section: string, text: string): { text: string; offset: number } | string {
  const base = baseItems[section];
  if (!base) return `'fragment ${section}': the section is one of ${Object.keys(baseItems).join(', ')}`;
  const fields = parse(text) as Record<string, unknown> | null;
  const keep = Object.entries(base).filter(([k]) => !(fields && k in fields));
  const head = ['version: 1', `${section}:`, '  -', ...keep.map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`)];
  const body = text.split('\n').map((l) => (l ? `    ${l}` : l));
  return { text: [...head, ...body].join('\n'), offset: head.length };
}

function problemsOf(block: YamlBlock, issues: readonly ConfigIssue[], offset: number): string[] {
  return issues.map(
    (i) => `${block.file}:${block.line + Math.max(1, i.line - offset)}: ${i.path ? `${i.path}: ` : ''}${i.message}`,
  );
}

describe('YAML examples of the docs', () => {
  let tocsin: Tocsin;
  let dispose: () => Promise<void>;
  before(async () => ({ tocsin, dispose } = await createTestApp('sqlite')));
  after(() => dispose());

  const files = [
    ...readdirSync(path.join(root, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
    'README.md',
  ];
  const blocks = files.flatMap((f) => yamlBlocks(f, readFileSync(path.join(root, f), 'utf8')));

  /** What is wrong with one block, as `file:line: path: message` lines of the Markdown file. */
  function check(block: YamlBlock): string[] {
    const [lang, kind, ...rest] = block.info.split(/\s+/);
    if (lang !== 'yaml' && lang !== 'yml') {
      if (lang !== '') return [];
      let value: unknown;
      try {
        value = parse(block.text);
      } catch {
        return [];
      }
      const keys = value && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : [];
      return keys.some((k) => sectionKeys.has(k))
        ? [`${block.file}:${block.line}: a config example in a fence with no language: label it \`\`\`yaml`]
        : [];
    }
    if (kind === 'skip') return rest.length ? [] : [`${block.file}:${block.line}: 'yaml skip' needs a reason`];
    let text = block.text;
    let offset = 0;
    if (kind === 'fragment') {
      const built = fragmentFile(rest[0] ?? '', block.text);
      if (typeof built === 'string') return [`${block.file}:${block.line}: ${built}`];
      ({ text, offset } = built);
    } else if (kind !== undefined)
      return [
        `${block.file}:${block.line}: unknown fence '${block.info}': ` +
          'use yaml, yaml fragment SECTION or yaml skip REASON',
      ];
    const loaded = loadConfigText(text, block.file, env);
    if (!loaded.ok) return problemsOf(block, loaded.issues, offset);
    try {
      tocsin.config.validate(loaded.config);
    } catch (err) {
      if (!(err instanceof TocsinError)) throw err;
      const issues = ((err.details as { issues?: { path: string; message: string }[] })?.issues ?? []).map((i) => ({
        file: block.file,
        line: loaded.locate(i.path),
        ...i,
      }));
      return problemsOf(block, issues, offset);
    }
    return [];
  }

  it('finds the examples', () => {
    assert.ok(blocks.filter((b) => b.info.startsWith('yaml')).length >= 8, 'the docs have their examples');
  });

  it('are valid config files or fragments of their section', () => {
    assert.deepEqual(blocks.flatMap(check), []);
  });

  it('are checked strictly: a bad example, a missing version and an unlabelled config are caught', () => {
    const probe = (info: string, text: string) => check({ file: 'docs/x.md', line: 10, info, text });
    assert.deepEqual(probe('yaml', 'monitors:\n  - name: a\n    type: tcp\n    port: 5\n'), [
      'docs/x.md:11: version: required: start the file with `version: 1` (the format of this file)',
      'docs/x.md:12: monitors.0.host: required: missing here (expected string)',
    ]);
    assert.deepEqual(probe('yaml fragment alarms', 'alarmActions:\n  - topc: ops\n'), [
      'docs/x.md:12: alarms.0.alarmActions.0: an action: {topic: NAME}, "topic:NAME", {webhook: {url: URL}} ' +
        'or {runCommand: {command: CMD}}',
    ]);
    assert.deepEqual(probe('', 'heartbeats:\n  - name: a\n'), [
      'docs/x.md:10: a config example in a fence with no language: label it ```yaml',
    ]);
    assert.deepEqual(probe('yaml skip', 'x: 1\n'), ["docs/x.md:10: 'yaml skip' needs a reason"]);
    assert.deepEqual(
      probe('yaml', 'version: 1\nheartbeats:\n  - name: a\n    cron: "61 * * * *"\n    grace: 1h\n').length,
      1,
      'the server-side checks run too',
    );
  });
});
