import { printDuration, type FieldIssue, type LogRuleSpec } from '@tocsin/protocol';
import { changedKeys, checkUniqueNames, planByName, storedByName } from '../../config/config-planner.js';
import { missingTopics, type ConfigSection, type PlanContext, type TopicNames } from '../../config/config-section.js';
import { invalid } from '../../core/errors.js';
import type { LogRuleService } from './log-rule-service.js';
import type { RouteTarget } from './log-rule-store.js';

const SECTION = 'log_rules';

/** A stored spec as a config file writes it (durations as text). */
export function printableRule(spec: LogRuleSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { ...spec };
  for (const k of ['throttle', 'period'])
    if (typeof out[k] === 'number') out[k] = out[k] === 0 ? '0s' : printDuration(out[k] as number);
  return out;
}

function topicRefs(r: LogRuleSpec, i: number): { path: string; topic: string }[] {
  const at = `${SECTION}.${i}`;
  if (r.kind === 'route') return r.topics.map((topic, j) => ({ path: `${at}.topics.${j}`, topic }));
  if (r.kind === 'alarm')
    return [
      ...r.alarmActions.map((topic, j) => ({ path: `${at}.alarmActions.${j}`, topic })),
      ...r.okActions.map((topic, j) => ({ path: `${at}.okActions.${j}`, topic })),
    ];
  return [];
}

/** The subscriptions the file's `topics:` declares, with their URLs, for the loop check. */
function declaredTargets(ctx: PlanContext): RouteTarget[] {
  const urls = (v: unknown, out: string[] = [], depth = 0): string[] => {
    if (typeof v === 'string' && /^https?:\/\//i.test(v)) out.push(v);
    else if (v && typeof v === 'object' && depth < 4) for (const x of Object.values(v)) urls(x, out, depth + 1);
    return out;
  };
  return (ctx.document.topics ?? []).flatMap((t) => {
    const topic = t as { name?: string; subscriptions?: { name?: string; protocol?: string }[] };
    return (topic.subscriptions ?? []).map((s, j) => ({
      topic: String(topic.name),
      subscription: s.name ?? `#${j + 1} (${s.protocol ?? 'subscription'})`,
      protocol: String(s.protocol),
      urls: urls(s),
    }));
  });
}

/**
 * The `log_rules:` section of the config file. Patterns and templates are compiled (their errors name the
 * position); routes' and alarms' topics must exist or be declared; AWS's regex limit per group holds over the
 * rules as they will be; a route whose topic posts into Tocsin's own ingest is refused.
 */
export function logRuleConfigSection(rules: LogRuleService, topicNames: TopicNames): ConfigSection {
  return {
    key: SECTION,
    check: (items) => checkUniqueNames(SECTION, 'log rule', items, (item, path) => rules.parse(item, path)),
    async plan(q, items, ctx) {
      const wanted = items.map((item, i) => rules.parse(item, `${SECTION}.${i}`));
      const issues: FieldIssue[] = await missingTopics(
        wanted.flatMap((r, i) => topicRefs(r, i)),
        q,
        ctx,
        topicNames,
      );
      const index = new Map(wanted.map((r, i) => [r.name, i]));
      const kept = ctx.prune ? [] : rules.list().filter((r) => !index.has(r.name));
      issues.push(
        ...rules.regexLimitIssues([...kept, ...wanted], (name) => {
          const i = index.get(name);
          return i === undefined ? undefined : `${SECTION}.${i}.pattern`;
        }),
      );
      const declared = declaredTargets(ctx);
      for (const [i, r] of wanted.entries()) {
        const loop = await rules.loopMessage(r, q, declared);
        if (loop) issues.push({ path: `${SECTION}.${i}.topics`, message: loop });
      }
      if (issues.length) throw invalid(issues);
      return planByName(
        wanted,
        storedByName(rules.records(), (r) => r.spec.name),
        ctx.prune,
        {
          resource: 'log rule',
          nameOf: (r) => r.spec.name,
          diff(stored, w) {
            const fields = changedKeys(stored.spec, w);
            return fields.length ? { fields } : undefined;
          },
          create: (w) => async (trx) => void (await rules.put(w, trx, { planned: true })),
          update: (w) => async (trx) => void (await rules.put(w, trx, { planned: true })),
          remove: (r) => (trx) => rules.remove(r.spec.name, trx),
        },
      );
    },
    async export() {
      return rules.records().map((r) => printableRule(r.spec));
    },
  };
}
