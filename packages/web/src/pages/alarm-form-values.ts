/**
 * The alarm form's values (strings, as the inputs hold them) to and from the API's alarm body, checked with
 * @tocsin/protocol's alarm schemas: metric alarms with alarmInputSchema, composites (with `rule`) with
 * compositeAlarmInputSchema.
 */
import {
  alarmInputSchema,
  comparisonOperators,
  compositeAlarmInputSchema,
  printDuration,
  treatMissingDataValues,
} from '@tocsin/protocol';
import type { SchemaLike } from '../components/form.js';

export { comparisonOperators, treatMissingDataValues };

export type AlarmAction = string | { topic: string } | { webhook: Record<string, unknown> };

export interface AlarmSpecView {
  name: string;
  description?: string;
  namespace?: string;
  metricName?: string;
  dimensions?: Record<string, string>;
  statistic?: string;
  period?: number;
  evaluationPeriods?: number;
  datapointsToAlarm?: number;
  threshold?: number;
  comparisonOperator?: string;
  treatMissingData?: string;
  rule?: string;
  actionsEnabled?: boolean;
  alarmActions?: AlarmAction[];
  okActions?: AlarmAction[];
  insufficientDataActions?: AlarmAction[];
}

export interface AlarmView {
  name: string;
  state: string;
  reason: string | null;
  stateChangedAt: string | null;
  evaluatedAt: string | null;
  spec: AlarmSpecView;
}

export type AlarmFormValues = {
  kind: string;
  name: string;
  description: string;
  namespace: string;
  metricName: string;
  dimensions: string;
  statistic: string;
  period: string;
  evaluationPeriods: string;
  datapointsToAlarm: string;
  threshold: string;
  comparisonOperator: string;
  treatMissingData: string;
  rule: string;
  actionsEnabled: boolean;
  alarmTopics: string;
  okTopics: string;
  insufficientTopics: string;
};

const topicOf = (a: AlarmAction): string | undefined =>
  typeof a === 'string' ? (a.startsWith('topic:') ? a.slice(6) : undefined) : 'topic' in a ? a.topic : undefined;

const topicsText = (actions: AlarmAction[] | undefined) =>
  (actions ?? [])
    .map(topicOf)
    .filter((t): t is string => t !== undefined)
    .join(', ');

/** `k=v, k2=v2` to an object (and back). */
export function parseDimensions(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const [k, ...v] = part.split('=');
    if (k.trim()) out[k.trim()] = v.join('=').trim();
  }
  return out;
}

export const dimensionsText = (d: Record<string, string> | undefined) =>
  Object.entries(d ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');

/** Form values from an alarm (edit), or from the explorer's query string (new). */
export function alarmFormValues(spec: AlarmSpecView | undefined, query?: URLSearchParams): AlarmFormValues {
  const q = (k: string) => query?.get(k) ?? '';
  let dims = '';
  try {
    dims = q('dimensions') ? dimensionsText(JSON.parse(q('dimensions'))) : '';
  } catch {
    dims = '';
  }
  return {
    kind: spec ? (spec.rule !== undefined ? 'composite' : 'metric') : q('new') === 'composite' ? 'composite' : 'metric',
    name: spec?.name ?? '',
    description: spec?.description ?? '',
    namespace: spec?.namespace ?? q('namespace'),
    metricName: spec?.metricName ?? q('metricName'),
    dimensions: spec ? dimensionsText(spec.dimensions) : dims,
    statistic: spec?.statistic ?? (q('statistic') || 'Average'),
    period: spec?.period !== undefined ? printDuration(spec.period) : q('period') || '1m',
    evaluationPeriods: String(spec?.evaluationPeriods ?? 3),
    datapointsToAlarm: spec?.datapointsToAlarm !== undefined ? String(spec.datapointsToAlarm) : '',
    threshold: spec?.threshold !== undefined ? String(spec.threshold) : '',
    comparisonOperator: spec?.comparisonOperator ?? 'GreaterThanThreshold',
    treatMissingData: spec?.treatMissingData ?? 'missing',
    rule: spec?.rule ?? '',
    actionsEnabled: spec?.actionsEnabled ?? true,
    alarmTopics: topicsText(spec?.alarmActions),
    okTopics: topicsText(spec?.okActions),
    insufficientTopics: topicsText(spec?.insufficientDataActions),
  };
}

const num = (s: string) => (s.trim() === '' ? undefined : Number(s));

/** The actions: the topics of the field, then the alarm's other actions (webhooks) as they were. */
function actions(text: string, before: AlarmAction[] | undefined): AlarmAction[] {
  const topics = text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
    .map((topic) => ({ topic }));
  return [...topics, ...(before ?? []).filter((a) => topicOf(a) === undefined)];
}

export function alarmBody(v: AlarmFormValues, before?: AlarmSpecView): Record<string, unknown> {
  const common = {
    name: v.name.trim(),
    ...(v.description.trim() ? { description: v.description.trim() } : {}),
    actionsEnabled: v.actionsEnabled,
    alarmActions: actions(v.alarmTopics, before?.alarmActions),
    okActions: actions(v.okTopics, before?.okActions),
    insufficientDataActions: actions(v.insufficientTopics, before?.insufficientDataActions),
  };
  if (v.kind === 'composite') return { ...common, rule: v.rule.trim() };
  const dp = num(v.datapointsToAlarm);
  return {
    ...common,
    namespace: v.namespace.trim(),
    metricName: v.metricName.trim(),
    dimensions: parseDimensions(v.dimensions),
    statistic: v.statistic.trim(),
    period: v.period.trim(),
    evaluationPeriods: num(v.evaluationPeriods),
    ...(dp !== undefined ? { datapointsToAlarm: dp } : {}),
    threshold: num(v.threshold),
    comparisonOperator: v.comparisonOperator,
    treatMissingData: v.treatMissingData,
  };
}

/** The schema the API uses for this body: composite when it has a rule. */
export const alarmSchema: SchemaLike = {
  safeParse: (body) =>
    (body as { rule?: unknown }).rule !== undefined
      ? compositeAlarmInputSchema.safeParse(body)
      : alarmInputSchema.safeParse(body),
};

/** Which form field shows an issue of the body. */
export function alarmFieldOf(path: string): string {
  const head = path.split('.')[0] || '_';
  if (head === 'alarmActions') return 'alarmTopics';
  if (head === 'okActions') return 'okTopics';
  if (head === 'insufficientDataActions') return 'insufficientTopics';
  return head;
}

/** The alarms a composite's rule names (ALARM("a") OR OK(b) …), in order, once each. */
export function ruleAlarmNames(rule: string): string[] {
  const names = [...rule.matchAll(/\b(?:ALARM|OK|INSUFFICIENT_DATA)\(\s*"?([A-Za-z0-9][A-Za-z0-9._-]*)"?\s*\)/g)].map(
    (m) => m[1],
  );
  return [...new Set(names)];
}
