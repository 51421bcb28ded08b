import { printDuration } from '@tocsin/protocol';
import { changedKeys, checkUniqueNames, planByName, storedByName } from '../config/config-planner.js';
import { missingTopics, type ConfigSection, type TopicNames } from '../config/config-section.js';
import { invalid } from '../core/errors.js';
import type { TopicReferrer } from '../notify/topic-service.js';
import type { HeartbeatService } from './heartbeat-service.js';

const DURATIONS = ['period', 'grace', 'maxRuntime', 'minRuntime', 'tooOften'] as const;

/** A stored spec as a config file writes it (durations as text). */
function printable(spec: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...spec };
  for (const k of DURATIONS) if (typeof out[k] === 'number') out[k] = printDuration(out[k] as number);
  return out;
}

/** The `heartbeats:` section of the config file. */
export function heartbeatConfigSection(heartbeats: HeartbeatService, topicNames: TopicNames): ConfigSection {
  return {
    key: 'heartbeats',
    check: (items) => checkUniqueNames('heartbeats', 'heartbeat', items, (item, path) => heartbeats.parse(item, path)),
    async plan(q, items, ctx) {
      const wanted = items.map((item, i) => heartbeats.parse(item, `heartbeats.${i}`));
      const named = wanted.flatMap((h, i) =>
        h.topics.map((topic, j) => ({ path: `heartbeats.${i}.topics.${j}`, topic })),
      );
      const issues = await missingTopics(named, q, ctx, topicNames);
      if (issues.length) throw invalid(issues);
      return planByName(
        wanted,
        storedByName(heartbeats.list(), (v) => v.name),
        ctx.prune,
        {
          resource: 'heartbeat',
          nameOf: (v) => v.name,
          diff(stored, h) {
            const fields = changedKeys(stored.spec, h);
            return fields.length ? { fields } : undefined;
          },
          create: (h) => (trx) => heartbeats.create(h, trx),
          update: (h) => (trx) => heartbeats.replace(h.name, h, trx),
          remove: (v) => (trx) => heartbeats.remove(v.name, trx),
        },
      );
    },
    async export() {
      return heartbeats.list().map((v) => printable(v.spec));
    },
  };
}

/** Heartbeats that name a topic, so that it is not deleted under them. */
export function heartbeatTopicReferrer(heartbeats: HeartbeatService): TopicReferrer {
  return {
    section: 'heartbeats',
    namesOf: (topic) =>
      heartbeats
        .list()
        .filter((h) => ((h.spec.topics as string[] | undefined) ?? []).includes(topic))
        .map((h) => `heartbeat '${h.name}'`),
  };
}
