import { isComposite, type AlarmSpec } from '@tocsin/protocol';
import { printDuration } from '@tocsin/protocol';
import { changedKeys, checkUniqueNames, planByName, storedByName } from '../config/config-planner.js';
import { missingTopics, type ConfigSection, type TopicNames } from '../config/config-section.js';
import { TocsinError } from '../core/errors.js';
import { redactedIssues } from '../core/redacted-values.js';
import type { TopicReferrer } from '../notify/topic-service.js';
import { redactedSpec, topicOf, withStoredSecrets } from './alarm-actions.js';
import { dependenciesOf, dependencyOrder } from './alarm-composite.js';
import { alarmsOf, parseRule } from './alarm-rule.js';
import type { AlarmService } from './alarm-service.js';

const ACTION_FIELDS = ['alarmActions', 'okActions', 'insufficientDataActions'] as const;

const seconds = (ms: number) => printDuration(ms, 'm');

function printComposite(spec: Record<string, unknown>): Record<string, unknown> {
  const out = { ...spec };
  for (const k of ['actionsSuppressorWaitPeriod', 'actionsSuppressorExtensionPeriod'])
    if (typeof out[k] === 'number') out[k] = seconds(out[k] as number);
  return out;
}

/**
 * The `alarms:` section of the config file. Alarm actions must name topics
 * that exist or are declared beside them; composite rules must name alarms
 * that exist or are declared, and close no cycle with the alarms as they
 * will be. Issues name the field (`alarms.3.rule`), hence the file's line.
 */
export function alarmConfigSection(alarms: AlarmService, topicNames: TopicNames): ConfigSection {
  return {
    key: 'alarms',
    check: (items) => checkUniqueNames('alarms', 'alarm', items, (item, path) => alarms.parse(item, path)),
    async plan(q, items, ctx) {
      // Managed alarms (a log rule's) come from their owner: the file neither declares nor prunes them.
      const stored = storedByName(
        alarms.list().filter((e) => alarms.ownerOf(e.spec.name) === undefined),
        (e) => e.spec.name,
      );
      const wanted = items.map((item, i) => {
        const a = alarms.parse(item, `alarms.${i}`);
        return withStoredSecrets(stored.get(a.name)?.spec, a);
      });
      const issues = wanted.flatMap((a, i) => alarms.referenceIssues(a, `alarms.${i}`, wanted));
      wanted.forEach((a, i) => {
        const owner = alarms.ownerOf(a.name);
        if (owner !== undefined)
          issues.push({
            path: `alarms.${i}.name`,
            message: `'${a.name}' is managed by ${owner}; declare that instead`,
          });
      });
      const named = wanted.flatMap((a, i) =>
        ACTION_FIELDS.flatMap((field) =>
          a[field].flatMap((act, j) => {
            const topic = topicOf(act);
            return topic === undefined ? [] : [{ path: `alarms.${i}.${field}.${j}`, topic }];
          }),
        ),
      );
      issues.push(...(await missingTopics(named, q, ctx, topicNames)));
      issues.push(...wanted.flatMap((a, i) => redactedIssues(a, `alarms.${i}`)));
      if (ctx.prune) {
        const keep = new Set(wanted.map((a) => a.name));
        const existing = new Set([...stored.all()].map((e) => e.spec.name));
        wanted.forEach((a, i) => {
          const gone = dependenciesOf(a).filter((d) => !keep.has(d) && existing.has(d));
          if (!gone.length || !isComposite(a)) return;
          const inRule = gone.some((g) => alarmsOf(parseRule(a.rule)).includes(g));
          issues.push({
            path: `alarms.${i}.${inRule ? 'rule' : 'actionsSuppressor'}`,
            message: `names ${gone.map((g) => `'${g}'`).join(', ')}, which --prune would delete: keep it in the file`,
          });
        });
      }
      if (issues.length)
        throw new TocsinError('validation_failed', issues.map((x) => `${x.path}: ${x.message}`).join('; '), { issues });
      // Each alarm after the alarms it depends on: a composite's rule names alarms that must exist when it is made.
      return planByName(dependencyOrder(wanted), stored, ctx.prune, {
        resource: 'alarm',
        nameOf: (e) => e.spec.name,
        diff(e, a) {
          const fields = changedKeys(e.spec, a);
          return fields.length ? { fields } : undefined;
        },
        create: (a) => (trx) => alarms.create(a, trx),
        update: (a) => (trx) => alarms.replace(a.name, a, trx),
        remove: (e) => (trx) => alarms.remove(e.spec.name, trx),
        // Composites before the alarms they name, so each delete leaves no rule naming nothing.
        deleteOrder: (doomed) => {
          const byName = new Map(doomed.map((e) => [e.spec.name, e]));
          return dependencyOrder(doomed.map((e) => e.spec))
            .reverse()
            .map((spec) => byName.get(spec.name)!);
        },
      });
    },
    async export(_q, { includeSecrets }) {
      return alarms
        .list()
        .filter((e) => alarms.ownerOf(e.spec.name) === undefined)
        .map((e) => {
          const spec = includeSecrets ? e.spec : redactedSpec(e.spec);
          return 'period' in spec ? { ...spec, period: seconds(spec.period) } : printComposite(spec);
        });
    },
  };
}

/** Alarms whose actions publish to a topic, so that it is not deleted under them. */
export function alarmTopicReferrer(alarms: AlarmService): TopicReferrer {
  const names = (a: AlarmSpec) => ACTION_FIELDS.flatMap((f) => a[f].flatMap((act) => topicOf(act) ?? []));
  return {
    section: 'alarms',
    namesOf: (topic) =>
      alarms
        .list()
        .filter((e) => names(e.spec).includes(topic))
        .map((e) => `alarm '${e.spec.name}'`),
  };
}
