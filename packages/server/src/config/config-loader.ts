/**
 * Reads a config file: YAML with line positions, `${VAR}` references
 * (`${VAR:-default}`; `$$` is a literal `$`), then the config schema. Every
 * problem is reported at once as `file:line: path: message`; nothing is
 * applied from a file with errors.
 */
import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { configFileSchema } from '@tocsin/protocol';

export interface ConfigIssue {
  file: string;
  line: number;
  path: string;
  message: string;
}

export type LoadResult =
  | { ok: true; config: Record<string, unknown>; refs: Record<string, string>; locate(path: string): number }
  | { ok: false; issues: ConfigIssue[] };

const REF = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Resolves `${VAR}` references in one string; returns the missing variables too. */
export function interpolate(text: string, env: NodeJS.ProcessEnv): { value: string; missing: string[]; hasRef: boolean } {
  const missing: string[] = [];
  let hasRef = false;
  const value = text.replace(REF, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === '$$') return '$';
    hasRef = true;
    const v = env[name!];
    if (v !== undefined && v !== '') return v;
    if (fallback !== undefined) return fallback;
    missing.push(name!);
    return '';
  });
  return { value, missing, hasRef };
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
      at(node);
    } else if (isSeq(node) && typeof part === 'number' && node.items[part]) {
      node = node.items[part];
      at(node);
    } else break;
  }
  return line;
}

/** Walks parsed YAML, resolving references in strings and noting where each came from. */
function resolve(value: unknown, path: string, env: NodeJS.ProcessEnv, refs: Record<string, string>, missing: { path: string; name: string }[]): unknown {
  if (typeof value === 'string') {
    const r = interpolate(value, env);
    if (r.hasRef) refs[path] = value;
    for (const name of r.missing) missing.push({ path, name });
    return r.value;
  }
  if (Array.isArray(value)) return value.map((v, i) => resolve(v, path ? `${path}.${i}` : String(i), env, refs, missing));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, path ? `${path}.${k}` : k, env, refs, missing)]));
  }
  return value;
}

export function loadConfigText(text: string, file: string, env: NodeJS.ProcessEnv): LoadResult {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: false });
  const issues: ConfigIssue[] = doc.errors.map((e) => ({
    file,
    line: e.linePos?.[0]?.line ?? counter.linePos(e.pos[0]).line,
    path: '',
    message: e.code === 'DUPLICATE_KEY' ? 'a key appears twice in the same mapping' : e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''),
  }));
  if (issues.length) return { ok: false, issues };
  const locate = (path: string) => lineOf(doc, counter, path);
  const raw = doc.toJS() ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, issues: [{ file, line: 1, path: '', message: 'the file must be a mapping of sections (topics:, monitors:, …)' }] };
  const refs: Record<string, string> = {};
  const missing: { path: string; name: string }[] = [];
  const config = resolve(raw, '', env, refs, missing) as Record<string, unknown>;
  for (const m of missing) issues.push({ file, line: locate(m.path), path: m.path, message: `the environment variable ${m.name} is not set (write \${${m.name}:-default} for a default)` });
  const parsed = configFileSchema.safeParse(config);
  if (!parsed.success) {
    const unresolved = new Set(missing.map((m) => m.path));
    for (const i of parsed.error.issues) {
      const path = i.path.map(String).join('.');
      if (unresolved.has(path)) continue;
      issues.push({ file, line: locate(path), path, message: i.message });
    }
  }
  if (issues.length) return { ok: false, issues: issues.sort((a, b) => a.line - b.line) };
  return { ok: true, config, refs, locate };
}

export function loadConfigFile(file: string, env: NodeJS.ProcessEnv): LoadResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { ok: false, issues: [{ file, line: 0, path: '', message: `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }] };
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
  return list.map((i) => ({ file, line: locate(i.path), path: i.path, message: i.message }));
}
