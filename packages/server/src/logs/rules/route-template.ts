/**
 * A route's title and dedup-key templates: `{group}`, `{stream}`, `{source}`, `{stage}`, `{level}`,
 * `{message}` take the event's field, `{$.json.path}` a value of the message's JSON (docs/logs.md).
 * A field the event lacks renders as ''. Compiled once per rule.
 */
import type { LogEvent } from '@tocsin/protocol';
import { TocsinError } from '../../core/errors.js';
import { compileJsonSelector } from '../filter-pattern.js';

export const TEMPLATE_FIELDS = ['group', 'stream', 'source', 'stage', 'level', 'message'] as const;
type Field = (typeof TEMPLATE_FIELDS)[number];

/** Renders for one event; `parsed.json` is the message's parsed object (undefined when it is not JSON). */
export type Template = (event: LogEvent, parsed: { readonly json: unknown }) => string;

/** Whether the template reads the message's JSON (so the stage parses it once, only when some rule needs it). */
export interface CompiledTemplate {
  render: Template;
  usesJson: boolean;
}

const fieldOf: Record<Field, (e: LogEvent) => string> = {
  group: (e) => e.group,
  stream: (e) => e.stream ?? '',
  source: (e) => e.source ?? '',
  stage: (e) => e.stage ?? '',
  level: (e) => e.levelText,
  message: (e) => e.message,
};

function scalarText(values: unknown[]): string {
  const v = values[0];
  if (v === undefined || v === null) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Compiles `text`; a TocsinError('validation_failed') names the placeholder and its position. */
export function compileTemplate(text: string): CompiledTemplate {
  const parts: Template[] = [];
  let usesJson = false;
  let last = 0;
  const re = /\{([^{}]*)\}/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const literal = text.slice(last, m.index);
    if (literal) parts.push(() => literal);
    last = re.lastIndex;
    const name = m[1].trim();
    if (name.startsWith('$')) {
      let select: (json: unknown) => unknown[];
      try {
        select = compileJsonSelector(name);
      } catch (err) {
        throw new TocsinError(
          'validation_failed',
          `the placeholder {${name}} at position ${m.index + 1} is not a JSON selector: ${(err as Error).message}`,
        );
      }
      usesJson = true;
      parts.push((_e, parsed) => {
        const j = parsed.json;
        return j === undefined ? '' : scalarText(select(j));
      });
    } else if ((TEMPLATE_FIELDS as readonly string[]).includes(name)) {
      parts.push(fieldOf[name as Field]);
    } else {
      throw new TocsinError(
        'validation_failed',
        `unknown placeholder {${name}} at position ${m.index + 1}: use ` +
          `${TEMPLATE_FIELDS.map((f) => `{${f}}`).join(', ')} or {$.json.path}`,
      );
    }
  }
  const tail = text.slice(last);
  if (tail) parts.push(() => tail);
  if (parts.length === 1) return { render: parts[0], usesJson };
  return {
    render: (e, parsed) => {
      let out = '';
      for (const p of parts) out += p(e, parsed);
      return out;
    },
    usesJson,
  };
}
