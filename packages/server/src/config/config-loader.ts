/**
 * Reads a config file: YAML with line positions, `${VAR}` references
 * (`${VAR:-default}`; `$$` is a literal `$`), then the config schema. A value
 * that is wholly one reference is text, unless the schema wants a number
 * there and the text is one (`threshold: ${DISK_THRESHOLD:-70}`). Every
 * problem is reported at once as `file:line: path: message`; nothing is
 * applied from a file with errors.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import { configFileSchema } from '@tocsin/protocol';
import { closestField, fieldsAt } from './field-suggestions.js';

export interface ConfigIssue {
  file: string;
  line: number;
  path: string;
  message: string;
}

export type LoadResult =
  | { ok: true; config: Record<string, unknown>; refs: Record<string, string>; locate(path: string): number }
  | { ok: false; issues: ConfigIssue[] };

// The last alternative catches a `${` that starts no valid reference.
const REF = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{/g;
const WHOLE_REF = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/;
const NUMBER = /^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Resolves `${VAR}` references in one string. `problems` say what is wrong
 * (a variable unset or empty with no default, a malformed reference).
 */
export function interpolate(
  text: string,
  env: NodeJS.ProcessEnv,
): { value: string; problems: string[]; hasRef: boolean } {
  const problems: string[] = [];
  let hasRef = false;
  const value = text.replace(REF, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === '$$') return '$';
    hasRef = true;
    if (name === undefined) {
      problems.push("'${' starts no valid reference: write ${NAME} or ${NAME:-default}, and $$ for a literal $");
      return match;
    }
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (fallback !== undefined) return fallback;
    const state = v === undefined ? 'not set' : 'empty';
    problems.push(`the environment variable ${name} is ${state} (write \${${name}:-default} for a default)`);
    return '';
  });
  return { value, problems, hasRef };
}

function lineOf(doc: Document, counter: LineCounter, path: string): number {
  const parts = path === '' ? [] : path.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  let node: unknown = doc.contents;
  let line = 1;
  const at = (n: unknown) => {
    const range = (n as Node | undefined)?.range;
    if (range) line = counter.linePos(range[0]).line;
  };
  at(node);
  for (const part of parts) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(part));
      if (!pair) break;
      at(pair.key);
      node = pair.value;
      // A key's own line, unless its value is a scalar written further down (`key: |`).
      if (isScalar(node)) at(node);
    } else if (isSeq(node) && typeof part === 'number' && node.items[part]) {
      node = node.items[part];
      at(node);
    } else break;
  }
  return line;
}

interface Found {
  path: string;
  message: string;
}

/** Walks parsed YAML, resolving references in strings and noting where each came from. */
function resolve(
  value: unknown,
  path: string,
  env: NodeJS.ProcessEnv,
  refs: Record<string, string>,
  problems: Found[],
): unknown {
  const at = (key: string | number) => (path ? `${path}.${key}` : String(key));
  if (typeof value === 'string') {
    const r = interpolate(value, env);
    if (r.hasRef) refs[path] = value;
    for (const message of r.problems) problems.push({ path, message });
    return r.value;
  }
  if (Array.isArray(value)) return value.map((v, i) => resolve(v, at(i), env, refs, problems));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, at(k), env, refs, problems)]));
  }
  return value;
}

/** The dotted path and name of the key that starts at `offset` (a duplicate key error points there). */
function keyAt(doc: Document, offset: number): { path: string; key: string } | undefined {
  let found: { path: string; key: string } | undefined;
  visit(doc, {
    Pair(_, pair, ancestors) {
      if (!isScalar(pair.key) || pair.key.range?.[0] !== offset) return undefined;
      const parts: string[] = [];
      const chain = [...ancestors, pair];
      for (const [i, a] of chain.entries()) {
        if (isPair(a) && isScalar(a.key)) parts.push(String(a.key.value));
        else if (isSeq(a)) parts.push(String(a.items.indexOf(chain[i + 1] as never)));
      }
      found = { path: parts.join('.'), key: String(pair.key.value) };
      return visit.BREAK;
    },
  });
  return found;
}

function syntaxIssues(doc: Document, counter: LineCounter, file: string): ConfigIssue[] {
  return doc.errors.map((e) => {
    const line = e.linePos?.[0]?.line ?? counter.linePos(e.pos[0]).line;
    if (e.code === 'DUPLICATE_KEY') {
      const k = keyAt(doc, e.pos[0]);
      if (k) return { file, line, path: k.path, message: `the key '${k.key}' appears twice in this mapping` };
      return { file, line, path: '', message: 'a key appears twice in the same mapping' };
    }
    return { file, line, path: '', message: e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '') };
  });
}

/** The value at a dotted path of the document, or undefined. */
function valueAt(config: unknown, path: readonly PropertyKey[]): unknown {
  let v = config;
  for (const p of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[String(p)] : undefined;
  return v;
}

/**
 * Where the schema wants a number and found the text of a value that is wholly one reference, that text as a
 * number when it is one (in place); answers whether any was changed.
 */
function numbersFromRefs(
  issues: readonly z.core.$ZodIssue[],
  config: Record<string, unknown>,
  refs: Record<string, string>,
): boolean {
  let changed = false;
  for (const path of wantedNumbers(issues, [])) {
    if (path.length === 0 || !WHOLE_REF.test(refs[path.map(String).join('.')] ?? '')) continue;
    const parent = valueAt(config, path.slice(0, -1)) as Record<string, unknown>;
    const key = String(path[path.length - 1]);
    const text = parent[key];
    if (typeof text !== 'string' || !NUMBER.test(text.trim())) continue;
    parent[key] = Number(text);
    changed = true;
  }
  return changed;
}

/** The paths where the schema wanted a number, inside the alternatives of a union too (an alarm's actions). */
function wantedNumbers(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[]): PropertyKey[][] {
  return issues.flatMap((i) => {
    if (i.code === 'invalid_union') return i.errors.flatMap((alt) => wantedNumbers(alt, [...prefix, ...i.path]));
    return i.code === 'invalid_type' && i.expected === 'number' ? [[...prefix, ...i.path]] : [];
  });
}

/**
 * Zod issues as file issues: an unknown field is reported at its own line,
 * with the known field it is closest to; a field left out says it is required.
 */
function schemaIssues(
  issues: readonly z.core.$ZodIssue[],
  file: string,
  config: Record<string, unknown>,
  locate: (path: string) => number,
  skip: Set<string>,
): ConfigIssue[] {
  return issues.flatMap((i) => {
    const path = i.path.map(String).join('.');
    if (skip.has(path)) return [];
    if (i.code === 'unrecognized_keys') {
      const known = fieldsAt(config, path);
      return i.keys.map((key) => {
        const at = path ? `${path}.${key}` : key;
        const near = closestField(key, known);
        return {
          file,
          line: locate(at),
          path: at,
          message: near ? `unknown field; did you mean '${near}'?` : 'unknown field',
        };
      });
    }
    if (i.path.length > 0 && valueAt(config, i.path) === undefined) {
      if (i.code === 'invalid_type' && /received undefined$/.test(i.message))
        return [{ file, line: locate(path), path, message: `required: missing here (expected ${i.expected})` }];
      if (i.code === 'invalid_union' || i.code === 'invalid_value') {
        const choices = i.message.replace(/^Invalid discriminator value\. Expected /, 'one of ');
        return [{ file, line: locate(path), path, message: `required: missing here (${choices})` }];
      }
    }
    return [{ file, line: locate(path), path, message: i.message }];
  });
}

/** Parses, interpolates and validates config text; `file` only names it in issues. */
export function loadConfigText(text: string, file: string, env: NodeJS.ProcessEnv): LoadResult {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: false });
  const issues = syntaxIssues(doc, counter, file);
  if (issues.length) return { ok: false, issues: sortByLine(issues) };
  const locate = (path: string) => lineOf(doc, counter, path);
  const raw = doc.toJS() ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw))
    return {
      ok: false,
      issues: [{ file, line: 1, path: '', message: 'the file must be a mapping of sections (topics:, monitors:, …)' }],
    };
  const refs: Record<string, string> = {};
  const problems: Found[] = [];
  const config = resolve(raw, '', env, refs, problems) as Record<string, unknown>;
  for (const p of problems) issues.push({ file, line: locate(p.path), path: p.path, message: p.message });
  // Every file says which format it is written in; an empty file declares nothing.
  if (!('version' in config) && Object.keys(config).length > 0) {
    issues.push({
      file,
      line: 1,
      path: 'version',
      message: 'required: start the file with `version: 1` (the format of this file)',
    });
  }
  let parsed = configFileSchema.safeParse(config);
  // Each pass can reveal issues the earlier ones hid (a refinement runs once its fields have their types).
  for (let pass = 0; pass < 3 && !parsed.success && numbersFromRefs(parsed.error.issues, config, refs); pass++)
    parsed = configFileSchema.safeParse(config);
  // A value that failed to resolve also fails the schema; its first issue says why.
  if (!parsed.success)
    issues.push(...schemaIssues(parsed.error.issues, file, config, locate, new Set(problems.map((p) => p.path))));
  if (issues.length) return { ok: false, issues: sortByLine(issues) };
  return { ok: true, config, refs, locate };
}

function sortByLine(issues: ConfigIssue[]): ConfigIssue[] {
  return issues.sort((a, b) => a.line - b.line);
}

export function loadConfigFile(file: string, env: NodeJS.ProcessEnv, cwd?: string): LoadResult {
  let text: string;
  try {
    // Read from `cwd` (the CLI's own directory) but named as given, as errors show it.
    text = readFileSync(cwd ? path.resolve(cwd, file) : file, 'utf8');
  } catch (err) {
    return {
      ok: false,
      issues: [
        {
          file,
          line: 0,
          path: '',
          message: `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        },
      ],
    };
  }
  return loadConfigText(text, file, env);
}

/** One line per issue: `file:line: path: message`. */
export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((i) => `${i.file}:${i.line}: ${i.path ? `${i.path}: ` : ''}${i.message}`).join('\n');
}

/** Maps the field issues of an API answer (400 `details.issues`) to lines of the file. */
export function issuesFromApi(details: unknown, file: string, locate: (path: string) => number): ConfigIssue[] {
  const list = (details as { issues?: { path: string; message: string }[] } | undefined)?.issues ?? [];
  // Checks of the whole request body (a NUL character, too deep) name the document's fields under `config.`.
  return list
    .map((i) => ({ ...i, path: i.path.replace(/^config\./, '') }))
    .map((i) => ({ file, line: locate(i.path), path: i.path, message: i.message }));
}
