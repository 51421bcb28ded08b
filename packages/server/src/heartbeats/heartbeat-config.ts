import type { Kysely } from 'kysely';
import { fieldIssuesFrom, missingTopics, type ConfigChange, type ConfigSection, type TopicNames } from '../config/config-section.js';
import { invalid } from '../core/errors.js';
import type { Database } from '../db/db-schema.js';
import type { TopicReferrer } from '../notify/topic-service.js';
import { stableJson } from '../notify/subscription-spec.js';
import type { HeartbeatService } from './heartbeat-service.js';

const DURATIONS = ['period', 'grace', 'maxRuntime', 'minRuntime'] as const;

/** A stored spec as a config file writes it (durations as text). */
function printable(spec: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...spec };
  const text = (ms: number) => (ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`);
  for (const k of DURATIONS) if (typeof out[k] === 'number') out[k] = text(out[k] as number);
  if (typeof out.tooOften === 'number') out.tooOften = text(out.tooOften);
  return out;
}

/** The `heartbeats:` section of the config file. */
export function heartbeatConfigSection(heartbeats: HeartbeatService, topicNames: TopicNames): ConfigSection {
  return {
    key: 'heartbeats',
    check(items) {
      const issues: { path: string; message: string }[] = [];
      const names = new Set<string>();
      items.forEach((item, i) => {
        try {
          const h = heartbeats.parse(item, `heartbeats.${i}`);
          if (names.has(h.name)) issues.push({ path: `heartbeats.${i}.name`, message: `heartbeat '${h.name}' is declared twice` });
          names.add(h.name);
        } catch (err) {
          issues.push(...fieldIssuesFrom(err));
        }
      });
      return issues;
    },
    async plan(q, items, ctx) {
      const wanted = items.map((item, i) => heartbeats.parse(item, `heartbeats.${i}`));
      const named = wanted.flatMap((h, i) => h.topics.map((topic, j) => ({ path: `heartbeats.${i}.topics.${j}`, topic })));
      const issues = await missingTopics(named, q, ctx, topicNames);
      if (issues.length) throw invalid(issues);
      const changes: ConfigChange[] = [];
      const ops: ((trx: Kysely<Database>) => Promise<unknown>)[] = [];
      for (const h of wanted) {
        const existing = heartbeats.list().find((v) => v.name === h.name);
        if (!existing) {
          changes.push({ action: 'create', resource: 'heartbeat', name: h.name });
          ops.push((trx) => heartbeats.create(h, trx));
          continue;
        }
        const stored = existing.spec;
        const keys = new Set([...Object.keys(stored), ...Object.keys(h)]);
        const fields = [...keys].filter((k) => stableJson(stored[k]) !== stableJson((h as Record<string, unknown>)[k])).sort();
        if (fields.length) {
          changes.push({ action: 'update', resource: 'heartbeat', name: h.name, fields });
          ops.push((trx) => heartbeats.replace(h.name, h, trx));
        }
      }
      if (ctx.prune) {
        for (const v of heartbeats.list()) {
          if (wanted.some((w) => w.name === v.name)) continue;
          changes.push({ action: 'delete', resource: 'heartbeat', name: v.name });
          ops.push((trx) => heartbeats.remove(v.name, trx));
        }
      }
      return { changes, apply: async (trx) => { for (const op of ops) await op(trx); } };
    },
    async export() {
      return heartbeats.list().map((v) => printable(v.spec));
    },
  };
}

/** Heartbeats that name a topic, so that it is not deleted under them. */
export function heartbeatTopicReferrer(heartbeats: HeartbeatService): TopicReferrer {
  return { section: 'heartbeats', namesOf: (topic) => heartbeats.list().filter((h) => ((h.spec.topics as string[] | undefined) ?? []).includes(topic)).map((h) => `heartbeat '${h.name}'`) };
}
