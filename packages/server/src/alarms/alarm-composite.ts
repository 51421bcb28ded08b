/**
 * Composite alarms: the rule decides ALARM (true) or OK (false). An actions
 * suppressor holds the composite's actions back while it is in ALARM, and
 * for the extension period after it leaves ALARM; with a wait period, the
 * composite's actions wait that long for the suppressor to go into ALARM
 * before they run.
 */
import type { CompositeAlarmSpec } from '@tocsin/protocol';
import type { AlarmState } from './alarm-evaluator.js';
import { alarmsOf, evaluateRule, parseRule, RuleError, type RuleNode } from './alarm-rule.js';

export interface SuppressorView {
  state: AlarmState;
  /** When it last left ALARM (undefined when it never has, since this process started). */
  leftAlarmAt?: number;
}

/** Checks a composite's rule and suppressor against the alarms there will be; field issues, empty when fine. */
export function compositeIssues(spec: CompositeAlarmSpec, known: (name: string) => boolean, prefix = ''): { path: string; message: string }[] {
  const at = (f: string) => (prefix ? `${prefix}.${f}` : f);
  let tree: RuleNode;
  try {
    tree = parseRule(spec.rule);
  } catch (err) {
    if (err instanceof RuleError) return [{ path: at('rule'), message: err.message }];
    throw err;
  }
  const issues = alarmsOf(tree)
    .filter((a) => !known(a) || a === spec.name)
    .map((a) => ({ path: at('rule'), message: a === spec.name ? 'a composite alarm cannot name itself' : `names the alarm '${a}', which does not exist` }));
  if (spec.actionsSuppressor && !known(spec.actionsSuppressor)) issues.push({ path: at('actionsSuppressor'), message: `the alarm '${spec.actionsSuppressor}' does not exist` });
  return issues;
}

export function compositeState(spec: CompositeAlarmSpec, stateOf: (name: string) => AlarmState | undefined): { state: AlarmState; reason: string } {
  const holds = evaluateRule(parseRule(spec.rule), stateOf);
  const children = alarmsOf(parseRule(spec.rule)).map((a) => `${a} is ${stateOf(a) ?? 'unknown'}`).join(', ');
  return { state: holds ? 'ALARM' : 'OK', reason: `the rule ${spec.rule} is ${holds ? 'true' : 'false'} (${children})` };
}

export type ActionDecision = { run: true } | { run: false; suppressed: string } | { run: false; waitUntil: number };

/** Whether a composite's actions run now, are suppressed, or wait for the suppressor. */
export function actionDecision(spec: CompositeAlarmSpec, suppressor: SuppressorView | undefined, transitionAt: number, now: number): ActionDecision {
  if (!spec.actionsSuppressor || !suppressor) return { run: true };
  if (suppressor.state === 'ALARM') return { run: false, suppressed: `suppressed: ${spec.actionsSuppressor} is in ALARM` };
  const extension = spec.actionsSuppressorExtensionPeriod ?? 0;
  if (extension > 0 && suppressor.leftAlarmAt !== undefined && now - suppressor.leftAlarmAt < extension) {
    return { run: false, suppressed: `suppressed: ${spec.actionsSuppressor} left ALARM less than the extension period ago` };
  }
  const wait = spec.actionsSuppressorWaitPeriod ?? 0;
  if (wait > 0 && now < transitionAt + wait) return { run: false, waitUntil: transitionAt + wait };
  return { run: true };
}
