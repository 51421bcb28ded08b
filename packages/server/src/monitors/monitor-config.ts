import type { Kysely } from 'kysely';
import { fieldIssuesFrom, missingTopics, type ConfigChange, type ConfigSection, type TopicNames } from '../config/config-section.js';
import { invalid } from '../core/errors.js';
import { redactedIssues } from '../core/redacted-values.js';
import type { Database } from '../db/db-schema.js';
import type { TopicReferrer } from '../notify/topic-service.js';
import { stableJson } from '../notify/subscription-spec.js';
import type { MaintenanceService } from './maintenance-service.js';
import { monitorSpecOf, type ParsedMonitor } from './monitor-input.js';
import { keepSecrets, type MonitorService } from './monitor-service.js';

/** Fields of a monitor that differ from what is wanted (credentials compared, never shown). */
function changedFields(current: Record<string, unknown>, wanted: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(current), ...Object.keys(wanted)]);
  return [...keys].filter((k) => stableJson(current[k]) !== stableJson(wanted[k])).sort();
}

/** The `monitors:` section of the config file. */
export function monitorConfigSection(monitors: MonitorService, topicNames: TopicNames): ConfigSection {
  const parseAll = (items: unknown[]) => items.map((item, i) => monitors.parse(item, `monitors.${i}`));
  return {
    key: 'monitors',
    check(items) {
      const issues: { path: string; message: string }[] = [];
      const names = new Map<string, number>();
      items.forEach((item, i) => {
        try {
          const p = monitors.parse(item, `monitors.${i}`);
          if (names.has(p.name)) issues.push({ path: `monitors.${i}.name`, message: `monitor '${p.name}' is declared twice` });
          names.set(p.name, i);
        } catch (err) {
          issues.push(...fieldIssuesFrom(err));
        }
      });
      return issues;
    },
    async plan(q, items, ctx) {
      const wanted: ParsedMonitor[] = parseAll(items);
      const named = wanted.flatMap((p, i) => p.topics.map((topic, j) => ({ path: `monitors.${i}.topics.${j}`, topic })));
      const issues = await missingTopics(named, q, ctx, topicNames);
      for (const [i, p] of wanted.entries()) {
        const stored = monitors.list().some((m) => m.name === p.name) ? monitors.get(p.name).monitor.probe : undefined;
        issues.push(...redactedIssues(keepSecrets(p.probe, stored), `monitors.${i}`));
      }
      if (issues.length) throw invalid(issues);
      const changes: ConfigChange[] = [];
      const ops: ((trx: Kysely<Database>) => Promise<unknown>)[] = [];
      for (const p of wanted) {
        const existing = monitors.list().find((m) => m.name === p.name);
        if (!existing) {
          changes.push({ action: 'create', resource: 'monitor', name: p.name });
          ops.push((trx) => monitors.create(p, trx));
          continue;
        }
        const stored = monitors.get(p.name).monitor;
        const current = monitorSpecOf(stored);
        const probe = keepSecrets(p.probe, stored.probe) as typeof p.probe;
        const next = monitorSpecOf({ ...stored, ...p, probe, type: probe.type });
        const fields = changedFields(current, next);
        if (fields.length) {
          changes.push({ action: 'update', resource: 'monitor', name: p.name, fields });
          ops.push((trx) => monitors.replace(p.name, p, trx));
        }
      }
      if (ctx.prune) {
        for (const m of monitors.list()) {
          if (wanted.some((w) => w.name === m.name)) continue;
          changes.push({ action: 'delete', resource: 'monitor', name: m.name });
          ops.push((trx) => monitors.remove(m.name, trx));
        }
      }
      return { changes, apply: async (trx) => { for (const op of ops) await op(trx); } };
    },
    async export(_q, { includeSecrets }) {
      return monitors.list().map((v) => {
        const spec = monitorSpecOf(monitors.get(v.name).monitor);
        return includeSecrets ? spec : { ...spec, ...v.target };
      });
    },
  };
}

/** The `maintenance:` section of the config file. */
export function maintenanceConfigSection(maintenance: MaintenanceService): ConfigSection {
  return {
    key: 'maintenance',
    check(items) {
      const issues: { path: string; message: string }[] = [];
      items.forEach((item, i) => {
        try {
          maintenance.parse(item);
        } catch (err) {
          issues.push(...fieldIssuesFrom(err).map((x) => ({ ...x, path: `maintenance.${i}${x.path ? '.' + x.path : ''}` })));
        }
      });
      return issues;
    },
    async plan(q, items, ctx) {
      const wanted = items.map((i) => maintenance.parse(i));
      const stored = await maintenance.specs(q);
      const changes: ConfigChange[] = [];
      const ops: ((trx: Kysely<Database>) => Promise<unknown>)[] = [];
      for (const w of wanted) {
        const s = stored.find((x) => x.name === w.name);
        if (!s) changes.push({ action: 'create', resource: 'maintenance', name: w.name });
        else if (stableJson(s) !== stableJson(w)) changes.push({ action: 'update', resource: 'maintenance', name: w.name, fields: changedFields(s, w) });
        else continue;
        ops.push((trx) => maintenance.put(w, trx));
      }
      if (ctx.prune) {
        for (const s of stored) {
          if (wanted.some((w) => w.name === s.name)) continue;
          changes.push({ action: 'delete', resource: 'maintenance', name: s.name });
          ops.push((trx) => maintenance.remove(s.name, trx));
        }
      }
      return { changes, apply: async (trx) => { for (const op of ops) await op(trx); } };
    },
    async export(q) {
      const minutes = (ms: number) => (ms % 3600_000 === 0 ? `${ms / 3600_000}h` : `${ms / 60_000}m`);
      return (await maintenance.specs(q)).map((s) => (s.duration === undefined ? s : { ...s, duration: minutes(s.duration) }));
    },
  };
}

/** Monitors that name a topic, so that it is not deleted under them. */
export function monitorTopicReferrer(monitors: MonitorService): TopicReferrer {
  return { section: 'monitors', namesOf: (topic) => monitors.list().filter((m) => (m.settings.topics as string[]).includes(topic)).map((m) => `monitor '${m.name}'`) };
}
