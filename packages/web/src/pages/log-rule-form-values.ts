/**
 * The log rule form's values (strings, as the inputs hold them) to and from the body of
 * `PUT /api/log-rules/{name}`, checked with @tocsin/protocol's logRuleInputSchema: one form for the three kinds
 * (route, metric_filter, alarm), each sending only its own fields.
 */
import { logRuleInputSchema, type LogRuleKind } from '@tocsin/protocol';
import type { LogRuleView } from '../core/api-types.js';
import { durationText, listOf, numberOrText, parseTags, tagsText } from '../core/form-text.js';

export const ruleKindLabels: Record<LogRuleKind, string> = {
  route: 'Route (notify topics)',
  metric_filter: 'Metric filter',
  alarm: 'Log alarm',
};

export type LogRuleFormValues = {
  kind: string;
  name: string;
  description: string;
  enabled: boolean;
  group: string;
  source: string;
  stage: string;
  pattern: string;
  topics: string;
  severity: string;
  title: string;
  dedupKey: string;
  throttle: string;
  sampleLines: string;
  maxPerMinute: string;
  namespace: string;
  metricName: string;
  value: string;
  defaultValue: string;
  dimensions: string;
  unit: string;
  measure: string;
  threshold: string;
  minCount: string;
  period: string;
  evaluationPeriods: string;
  datapointsToAlarm: string;
  alarmActions: string;
  okActions: string;
};

const text = (v: unknown) => (v === undefined || v === null ? '' : String(v));

/** Form values of a rule (edit), or the defaults of a new one (the schema's own defaults, as text). */
export function ruleFormValues(rule?: LogRuleView, query?: URLSearchParams): LogRuleFormValues {
  const r = (rule ?? {}) as Partial<Record<string, unknown>>;
  const q = (k: string) => query?.get(k) ?? '';
  return {
    kind: rule?.kind ?? (q('kind') || 'route'),
    name: rule?.name ?? '',
    description: text(r.description),
    enabled: rule?.enabled ?? true,
    group: rule?.group ?? (q('group') || '*'),
    source: text(r.source),
    stage: text(r.stage),
    pattern: rule?.pattern ?? q('pattern'),
    topics: Array.isArray(r.topics) ? r.topics.join(', ') : '',
    severity: text(r.severity) || 'error',
    title: text(r.title) || '{group}: {message}',
    dedupKey: text(r.dedupKey),
    throttle: typeof r.throttle === 'number' ? durationText(r.throttle) || '0s' : '5m',
    sampleLines: text(r.sampleLines ?? 5),
    maxPerMinute: text(r.maxPerMinute ?? 60),
    namespace: text(r.namespace),
    metricName: text(r.metricName),
    value: text(r.value ?? 1),
    defaultValue: text(r.defaultValue),
    dimensions:
      r.dimensions && typeof r.dimensions === 'object' ? tagsText(r.dimensions as Record<string, string>) : '',
    unit: text(r.unit),
    measure: text(r.measure) || 'count',
    threshold: text(r.threshold),
    minCount: text(r.minCount ?? 1),
    period: typeof r.period === 'number' ? durationText(r.period) : '5m',
    evaluationPeriods: text(r.evaluationPeriods ?? 1),
    datapointsToAlarm: text(r.datapointsToAlarm),
    alarmActions: Array.isArray(r.alarmActions) ? r.alarmActions.join(', ') : '',
    okActions: Array.isArray(r.okActions) ? r.okActions.join(', ') : '',
  };
}

/** A number when the field has one; omitted when empty (the schema's default then applies). */
const opt = (key: string, s: string) => (s.trim() === '' ? {} : { [key]: numberOrText(s) });
const optText = (key: string, s: string) => (s.trim() === '' ? {} : { [key]: s.trim() });

/** The request body of the values: the selector and the fields of the chosen kind only. */
export function ruleBody(v: LogRuleFormValues): Record<string, unknown> {
  const common = {
    kind: v.kind,
    name: v.name.trim(),
    ...optText('description', v.description),
    enabled: v.enabled,
    group: v.group.trim() || '*',
    ...optText('source', v.source),
    ...optText('stage', v.stage),
    pattern: v.pattern,
  };
  if (v.kind === 'route')
    return {
      ...common,
      topics: listOf(v.topics),
      severity: v.severity,
      ...optText('title', v.title),
      ...optText('dedupKey', v.dedupKey),
      ...optText('throttle', v.throttle),
      ...opt('sampleLines', v.sampleLines),
      ...opt('maxPerMinute', v.maxPerMinute),
    };
  if (v.kind === 'metric_filter')
    return {
      ...common,
      namespace: v.namespace.trim(),
      metricName: v.metricName.trim(),
      ...opt('value', v.value),
      ...opt('defaultValue', v.defaultValue),
      dimensions: parseTags(v.dimensions),
      ...optText('unit', v.unit),
    };
  return {
    ...common,
    measure: v.measure,
    threshold: numberOrText(v.threshold),
    ...opt('minCount', v.minCount),
    ...optText('period', v.period),
    ...opt('evaluationPeriods', v.evaluationPeriods),
    ...opt('datapointsToAlarm', v.datapointsToAlarm),
    alarmActions: listOf(v.alarmActions),
    okActions: listOf(v.okActions),
  };
}

/** The API's own schema of a rule body (a SchemaLike for useForm). */
export const ruleSchema = logRuleInputSchema;

/** What a rule does, in a few words, for the list. */
export function ruleSummary(r: LogRuleView): string {
  if (r.kind === 'route') return `→ ${r.topics.join(', ')} (${r.severity})`;
  if (r.kind === 'metric_filter') return `→ ${r.namespace}/${r.metricName} += ${r.value}`;
  const what = r.measure === 'ratio' ? `${r.threshold}% of lines` : `${r.threshold} matches`;
  return `ALARM at ${what} in ${durationText(r.period)} → ${r.alarmActions.join(', ') || 'no topic'}`;
}
