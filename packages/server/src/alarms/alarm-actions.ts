/**
 * An alarm's actions. A topic action publishes the `alarm.state` event to
 * the topic. A webhook action queues the same event for one of the alarm's
 * own direct destinations (notify/destination-service.ts): the outbox sends
 * it as a webhook subscription's, with retries, dead letters and replay.
 * Both are queued in the transaction that writes the state change and its
 * history.
 *
 * Webhook secrets (`secret`, header values) stay in the stored spec and are
 * never shown: the API and `tocsin export` print `<redacted>`, and a spec
 * given back with `<redacted>` keeps the stored value.
 */
import type { LiveChange } from '../live/live-hub.js';
import type { Kysely } from 'kysely';
import {
  REDACTED,
  isComposite,
  type AlarmAction,
  type AlarmSpec,
  type CommandRunInput,
  type EventInput,
  type RunCommandAction,
  type WebhookAction,
} from '@tocsin/protocol';
import { uuidv7 } from '../core/ids.js';
import type { Database } from '../db/db-schema.js';
import type { DestinationService, DirectTarget } from '../notify/destination-service.js';
import type { PublishService } from '../notify/publish-service.js';
import { stableJson } from '../core/stable-json.js';
import type { AlarmState } from './alarm-evaluator.js';
import type { HistoryRow } from './alarm-store.js';

const actionLists = ['alarmActions', 'okActions', 'insufficientDataActions'] as const;

export function topicOf(a: AlarmAction): string | undefined {
  if (typeof a === 'string') return a.slice('topic:'.length);
  return 'topic' in a ? a.topic : undefined;
}

export function runCommandOf(a: AlarmAction): RunCommandAction | undefined {
  return typeof a === 'object' && 'runCommand' in a ? a.runCommand : undefined;
}

/** Starts a command run (the fleet's command service, passed from app.ts); `startedBy` is `alarm:NAME`. */
export type StartRun = (body: CommandRunInput, startedBy: string) => Promise<unknown>;

/**
 * The run a runCommand action asks for: its targets, or the host the alarm is about (its InstanceId dimension);
 * undefined when it names no target and the alarm has no InstanceId.
 */
export function runCommandBody(spec: AlarmSpec, a: RunCommandAction, name: string): CommandRunInput | undefined {
  const instance = isComposite(spec) ? undefined : spec.dimensions.InstanceId;
  const targets = a.targets ?? (instance ? { agents: [instance] } : undefined);
  if (!targets) return undefined;
  const { targets: _, executionTimeout, ...rest } = a;
  // The action's timeout is parsed already (ms); the run's input reads a bare number as seconds.
  const timeout = executionTimeout === undefined ? {} : { executionTimeout: `${executionTimeout}ms` };
  return { ...rest, ...timeout, targets, comment: `alarm ${name}` };
}

export function webhookOf(a: AlarmAction): WebhookAction | undefined {
  return typeof a === 'object' && 'webhook' in a ? (a.webhook as WebhookAction) : undefined;
}

/** The actions of a state; none while actions are disabled. */
export function actionsFor(spec: AlarmSpec, state: AlarmState): AlarmAction[] {
  if (!spec.actionsEnabled) return [];
  return state === 'ALARM' ? spec.alarmActions : state === 'OK' ? spec.okActions : spec.insufficientDataActions;
}

/** A webhook action as the webhook channel reads it: `url` is a subscription's `endpoint`. */
function targetOf(w: WebhookAction): DirectTarget {
  return { protocol: 'webhook', spec: { endpoint: w.url, headers: w.headers, secret: w.secret, retry: w.retry } };
}

/** Every webhook the alarm may call: its direct destinations. */
export function webhookTargets(spec: AlarmSpec): DirectTarget[] {
  return actionLists.flatMap((l) => spec[l].flatMap((a) => webhookOf(a) ?? [])).map(targetOf);
}

/** Who owns an alarm's destinations, and what its deliveries show as their topic. */
export const destinationOwner = (alarmId: string) => `alarm/${alarmId}`;
export const destinationLabel = (name: string) => `alarm:${name}`;

export interface ActionSinks {
  publisher: PublishService;
  destinations: DestinationService;
  /** After commit, the change of state (the live stream). */
  live?: (change: LiveChange) => void;
  /** After commit, the runs of runCommand actions. */
  startRun?: StartRun;
  warn?: (msg: string, data: Record<string, unknown>) => void;
}

/** Starts, after the transition committed, the runs its runCommand actions ask for; a failure is logged. */
export function startRuns(
  sinks: ActionSinks,
  spec: AlarmSpec,
  actions: readonly AlarmAction[],
  warn: (msg: string, data: Record<string, unknown>) => void,
): void {
  for (const a of actions) {
    const rc = runCommandOf(a);
    if (!rc || !sinks.startRun) continue;
    const body = runCommandBody(spec, rc, spec.name);
    if (!body) {
      warn('runCommand action has no target: give targets or an InstanceId dimension', { alarm: spec.name });
      continue;
    }
    sinks
      .startRun(body, `alarm:${spec.name}`)
      .catch((err) => warn('runCommand action failed', { alarm: spec.name, err }));
  }
}

type HistoryBase = Pick<HistoryRow, 'alarm_id' | 'at' | 'old_state' | 'new_state'>;

/** Queues `actions` in the caller's transaction; returns their history rows (`suffix` ends each summary). */
export async function queueActions(
  trx: Kysely<Database>,
  sinks: ActionSinks,
  name: string,
  actions: readonly AlarmAction[],
  event: EventInput,
  base: HistoryBase,
  suffix = '',
): Promise<HistoryRow[]> {
  const row = (summary: string, data: unknown): HistoryRow => ({
    ...base,
    id: uuidv7(base.at),
    kind: 'action',
    summary: summary + suffix,
    data: JSON.stringify(data),
  });
  const topics = [...new Set(actions.flatMap((a) => topicOf(a) ?? []))];
  const seen = new Set<string>();
  const hooks = actions
    .flatMap((a) => webhookOf(a) ?? [])
    .filter((w) => !seen.has(stableJson(w)) && seen.add(stableJson(w)));
  const rows: HistoryRow[] = [];
  if (topics.length) {
    await sinks.publisher.publishIn(trx, topics, event);
    rows.push(row(`Published to ${topics.join(', ')}`, { topics }));
  }
  for (const rc of actions.flatMap((a) => runCommandOf(a) ?? []))
    rows.push(row(`Runs command ${JSON.stringify(rc.command).slice(0, 200)}`, { runCommand: rc.command }));
  if (hooks.length) {
    const deliveries = await sinks.destinations.sendIn(
      trx,
      destinationOwner(base.alarm_id),
      destinationLabel(name),
      hooks.map(targetOf),
      event,
    );
    hooks.forEach((w, i) => {
      rows.push(row(`Called webhook ${w.url}`, { webhook: w.url, delivery: deliveries[i] }));
    });
  }
  return rows;
}

function mapWebhooks(spec: AlarmSpec, f: (w: WebhookAction) => WebhookAction): AlarmSpec {
  const out: Record<string, unknown> = { ...spec };
  for (const l of actionLists) out[l] = spec[l].map((a) => (webhookOf(a) ? { webhook: f(webhookOf(a)!) } : a));
  return out as AlarmSpec;
}

/** The spec as the API and export show it: webhook secrets and header values redacted. */
export function redactedSpec(spec: AlarmSpec): AlarmSpec {
  return mapWebhooks(spec, (w) => {
    const out = { ...w };
    if (w.secret !== undefined) out.secret = REDACTED;
    if (w.headers) out.headers = Object.fromEntries(Object.keys(w.headers).map((k) => [k, REDACTED]));
    return out;
  });
}

/** A spec given back with `<redacted>` values keeps those of the stored webhook action with the same URL. */
export function withStoredSecrets(stored: AlarmSpec | undefined, spec: AlarmSpec): AlarmSpec {
  if (!stored) return spec;
  const old = actionLists.flatMap((l) => stored[l].flatMap((a) => webhookOf(a) ?? []));
  return mapWebhooks(spec, (w) => {
    const prev = old.find((o) => o.url === w.url);
    if (!prev) return w;
    const out = { ...w };
    if (w.secret === REDACTED && prev.secret !== undefined) out.secret = prev.secret;
    if (w.headers)
      out.headers = Object.fromEntries(
        Object.entries(w.headers).map(([k, v]) => [
          k,
          v === REDACTED && prev.headers?.[k] !== undefined ? prev.headers[k] : v,
        ]),
      );
    return out;
  });
}

const severity: Record<AlarmState, EventInput['severity']> = {
  ALARM: 'critical',
  OK: 'ok',
  INSUFFICIENT_DATA: 'warning',
};

/**
 * The `alarm.state` event every action sends; an ALARM and the OK that ends it share `incidentSince`, hence a dedup
 * key.
 */
export function alarmEvent(
  alarm: { id: string; spec: AlarmSpec },
  change: {
    old: AlarmState;
    next: AlarmState;
    reason: string;
    datapoints: { time: string; value: number | null }[];
    at: number;
    incidentSince: number;
  },
): EventInput {
  const s = alarm.spec;
  const attributes: Record<string, unknown> = {
    alarm: s.name,
    oldState: change.old,
    newState: change.next,
    reason: change.reason,
    datapoints: change.datapoints,
  };
  if (isComposite(s)) attributes.rule = s.rule;
  else
    Object.assign(attributes, {
      threshold: s.threshold,
      comparisonOperator: s.comparisonOperator,
      metric: `${s.namespace}/${s.metricName}`,
      dimensions: s.dimensions,
    });
  return {
    kind: 'alarm.state',
    severity: severity[change.next],
    source: { type: 'alarm', name: s.name, tags: {} },
    title: `${change.next}: ${s.name}`,
    text: change.reason,
    attributes,
    dedupKey: `alarm/${alarm.id}/${change.incidentSince}`,
    time: change.at,
  };
}
