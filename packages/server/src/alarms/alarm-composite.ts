/**
 * Composite alarms: the rule decides ALARM (true) or OK (false). An actions
 * suppressor holds the composite's actions back while it is in ALARM, and
 * for the extension period after it leaves ALARM; with a wait period, the
 * composite's actions wait that long for the suppressor to go into ALARM
 * before they run.
 *
 * Composites form a graph: a composite depends on the alarms its rule names
 * and on its actions suppressor, and is looked at again when one of them
 * changes. A cycle is refused — in a rule, as CloudWatch does, and through a
 * suppressor too: a change would come back to the alarm that is changing
 * while it is still being written.
 */
import { isComposite, type AlarmSpec, type CompositeAlarmSpec } from '@tocsin/protocol';
import type { AlarmState } from './alarm-evaluator.js';
import { alarmsOf, evaluateRule, parseRule, refsOf, RuleError, type RuleNode } from './alarm-rule.js';

export interface SuppressorView {
  state: AlarmState;
  /** When it last left ALARM (undefined when it never has, since this process started). */
  leftAlarmAt?: number;
}

/** Checks a composite's rule and suppressor against the alarms there will be; field issues, empty when fine. */
export function compositeIssues(
  spec: CompositeAlarmSpec,
  known: (name: string) => boolean,
  prefix = '',
): { path: string; message: string }[] {
  const at = (f: string) => (prefix ? `${prefix}.${f}` : f);
  let tree: RuleNode;
  try {
    tree = parseRule(spec.rule);
  } catch (err) {
    if (err instanceof RuleError) return [{ path: at('rule'), message: err.message }];
    throw err;
  }
  const issues = alarmsOf(tree)
    .filter((a) => !known(a) && a !== spec.name)
    .map((a) => ({ path: at('rule'), message: `names the alarm '${a}', which does not exist` }));
  if (spec.actionsSuppressor && !known(spec.actionsSuppressor) && spec.actionsSuppressor !== spec.name)
    issues.push({ path: at('actionsSuppressor'), message: `the alarm '${spec.actionsSuppressor}' does not exist` });
  return issues;
}

/**
 * The alarms a spec depends on: those its rule names, then its suppressor (none for a metric alarm or a rule that does
 * not parse).
 */
export function dependenciesOf(spec: AlarmSpec | undefined): string[] {
  if (!spec || !isComposite(spec)) return [];
  let names: string[] = [];
  try {
    names = alarmsOf(parseRule(spec.rule));
  } catch (err) {
    if (!(err instanceof RuleError)) throw err;
  }
  return spec.actionsSuppressor ? [...names, spec.actionsSuppressor] : names;
}

/** The path from `from` to `to` along dependencies (both ends included), if there is one. */
function pathTo(
  from: string,
  to: string,
  specOf: (name: string) => AlarmSpec | undefined,
  seen = new Set<string>(),
): string[] | undefined {
  if (from === to) return [to];
  if (seen.has(from)) return undefined;
  seen.add(from);
  for (const next of dependenciesOf(specOf(from))) {
    const rest = pathTo(next, to, specOf, seen);
    if (rest) return [from, ...rest];
  }
  return undefined;
}

/**
 * The cycle `spec` would close, as a field issue: the first reference of its
 * rule (then its suppressor) from which the dependencies lead back to it.
 * `specOf` answers with the alarms as they will be (`spec` itself included).
 */
export function cycleIssue(
  spec: CompositeAlarmSpec,
  specOf: (name: string) => AlarmSpec | undefined,
  prefix = '',
): { path: string; message: string } | undefined {
  const at = (f: string) => (prefix ? `${prefix}.${f}` : f);
  let refs: { state: AlarmState; alarm: string }[];
  try {
    refs = refsOf(parseRule(spec.rule));
  } catch (err) {
    if (err instanceof RuleError) return undefined;
    throw err;
  }
  const seen = new Set<string>();
  for (const ref of refs) {
    const path = pathTo(ref.alarm, spec.name, specOf, seen);
    if (path)
      return {
        path: at('rule'),
        message: `${ref.state}(${ref.alarm}) would make a cycle ${[spec.name, ...path].join(' → ')}`,
      };
  }
  const s = spec.actionsSuppressor;
  const path = s === undefined ? undefined : pathTo(s, spec.name, specOf, seen);
  if (path)
    return {
      path: at('actionsSuppressor'),
      message: `${s} would make a cycle ${[spec.name, ...path].join(' → ')} (a suppressor counts as a dependency)`,
    };
  return undefined;
}

/** Specs in an order where each comes after the alarms it depends on (there is no cycle). */
export function dependencyOrder<T extends AlarmSpec>(specs: readonly T[]): T[] {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const done = new Set<string>();
  const out: T[] = [];
  const visit = (s: T) => {
    if (done.has(s.name)) return;
    done.add(s.name);
    for (const d of dependenciesOf(s)) {
      const dep = byName.get(d);
      if (dep) visit(dep);
    }
    out.push(s);
  };
  specs.forEach(visit);
  return out;
}

export function compositeState(
  spec: CompositeAlarmSpec,
  stateOf: (name: string) => AlarmState | undefined,
): { state: AlarmState; reason: string } {
  const holds = evaluateRule(parseRule(spec.rule), stateOf);
  const children = alarmsOf(parseRule(spec.rule))
    .map((a) => `${a} is ${stateOf(a) ?? 'unknown'}`)
    .join(', ');
  return {
    state: holds ? 'ALARM' : 'OK',
    reason: `the rule ${spec.rule} is ${holds ? 'true' : 'false'} (${children})`,
  };
}

export type ActionDecision = { run: true } | { run: false; suppressed: string } | { run: false; waitUntil: number };

/** Whether a composite's actions run now, are suppressed, or wait for the suppressor. */
export function actionDecision(
  spec: CompositeAlarmSpec,
  suppressor: SuppressorView | undefined,
  transitionAt: number,
  now: number,
): ActionDecision {
  if (!spec.actionsSuppressor || !suppressor) return { run: true };
  if (suppressor.state === 'ALARM')
    return { run: false, suppressed: `suppressed: ${spec.actionsSuppressor} is in ALARM` };
  const extension = spec.actionsSuppressorExtensionPeriod ?? 0;
  if (extension > 0 && suppressor.leftAlarmAt !== undefined && now - suppressor.leftAlarmAt < extension) {
    return {
      run: false,
      suppressed: `suppressed: ${spec.actionsSuppressor} left ALARM less than the extension period ago`,
    };
  }
  const wait = spec.actionsSuppressorWaitPeriod ?? 0;
  if (wait > 0 && now < transitionAt + wait) return { run: false, waitUntil: transitionAt + wait };
  return { run: true };
}
