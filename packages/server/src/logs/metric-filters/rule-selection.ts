/**
 * What the log rules of the metric kinds share: which events a rule looks at
 * (group, source, stage) and how a selector of a metric filter
 * (`$.latency`, `$.user.id`, a space-delimited `$bytes` or `$3`) takes a
 * value from a matched event, as CloudWatch's `metricValue` and dimensions
 * do.
 */
import type { LogEvent } from '@tocsin/protocol';
import { compileJsonSelector, type ExtractedFields, type FilterEvent } from '../filter-pattern.js';

export interface RuleSelection {
  group: string;
  source?: string;
  stage?: string;
}

/** Whether a rule of this selection looks at the event. */
export function selects(rule: RuleSelection, e: LogEvent): boolean {
  if (rule.group !== '*' && rule.group !== e.group) return false;
  if (rule.source !== undefined && rule.source !== e.source) return false;
  return rule.stage === undefined || rule.stage === e.stage;
}

/** Takes the value a selector names from a matched event (`fields`: a space-delimited pattern's fields). */
export type ValueSelector = (event: FilterEvent, fields: ExtractedFields) => unknown;

/**
 * Compiles `$.json.path` (a value of the message's JSON) or `$name` (a field of a space-delimited pattern);
 * throws TocsinError('validation_failed') on a JSON selector that does not parse.
 */
export function compileValueSelector(text: string): ValueSelector {
  const t = text.trim();
  if (t.startsWith('$.') || t.startsWith('$[')) {
    const select = compileJsonSelector(t);
    return (event) => {
      const json = event.json;
      return json === undefined ? undefined : select(json)[0];
    };
  }
  return (_event, fields) => fields[t];
}

/** A metric value from what a selector took: a finite number, or a string that is one; else undefined. */
export function numberOf(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** A dimension value from what a selector took: a non-empty string, a number or a boolean as text. */
export function dimensionOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v.slice(0, 1024);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}
