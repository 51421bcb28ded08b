import { printDuration } from '@tocsin/protocol';
import {
  changedKeys,
  checkUniqueNames,
  planByName,
  storedByName,
  type StoredByName,
} from '../config/config-planner.js';
import { fieldIssuesFrom, missingTopics, type ConfigSection, type TopicNames } from '../config/config-section.js';
import { invalid } from '../core/errors.js';
import { redactedIssues } from '../core/redacted-values.js';
import { stableJson } from '../core/stable-json.js';
import type { TopicReferrer } from '../notify/topic-service.js';
import type { MaintenanceService } from './maintenance-service.js';
import { monitorSpecOf, type ParsedMonitor } from './monitor-input.js';
import type { Monitor } from './monitor-types.js';
import { keepSecrets, type MonitorService } from './monitor-service.js';

/** The stored monitors by name, through the service's index (a bulk apply must not walk every monitor per item). */
function storedMonitors(monitors: MonitorService): StoredByName<Monitor> {
  return {
    get: (name) => monitors.find(name)?.monitor,
    all: () => monitors.list().map((v) => monitors.get(v.name).monitor),
  };
}

/** The `monitors:` section of the config file. */
export function monitorConfigSection(monitors: MonitorService, topicNames: TopicNames): ConfigSection {
  return {
    key: 'monitors',
    check: (items) => checkUniqueNames('monitors', 'monitor', items, (item, path) => monitors.parse(item, path)),
    async plan(q, items, ctx) {
      const wanted: ParsedMonitor[] = items.map((item, i) => monitors.parse(item, `monitors.${i}`));
      const stored = storedMonitors(monitors);
      const named = wanted.flatMap((p, i) =>
        p.topics.map((topic, j) => ({ path: `monitors.${i}.topics.${j}`, topic })),
      );
      const issues = await missingTopics(named, q, ctx, topicNames);
      for (const [i, p] of wanted.entries())
        issues.push(...redactedIssues(keepSecrets(p.probe, stored.get(p.name)?.probe), `monitors.${i}`));
      if (issues.length) throw invalid(issues);
      return planByName(wanted, stored, ctx.prune, {
        resource: 'monitor',
        nameOf: (m) => m.name,
        diff(m, p) {
          const probe = keepSecrets(p.probe, m.probe) as typeof p.probe;
          const fields = changedKeys(monitorSpecOf(m), monitorSpecOf({ ...m, ...p, probe, type: probe.type }));
          return fields.length ? { fields } : undefined;
        },
        create: (p) => (trx) => monitors.create(p, trx),
        update: (p) => (trx) => monitors.replace(p.name, p, trx),
        remove: (m) => (trx) => monitors.remove(m.name, trx),
      });
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
      return items.flatMap((item, i) => {
        try {
          maintenance.parse(item);
          return [];
        } catch (err) {
          return fieldIssuesFrom(err).map((x) => ({ ...x, path: `maintenance.${i}${x.path ? `.${x.path}` : ''}` }));
        }
      });
    },
    async plan(q, items, ctx) {
      const wanted = items.map((i) => maintenance.parse(i));
      return planByName(
        wanted,
        storedByName(await maintenance.specs(q), (s) => s.name),
        ctx.prune,
        {
          resource: 'maintenance',
          nameOf: (s) => s.name,
          diff: (s, w) => (stableJson(s) === stableJson(w) ? undefined : { fields: changedKeys(s, w) }),
          create: (w) => (trx) => maintenance.put(w, trx),
          update: (w) => (trx) => maintenance.put(w, trx),
          remove: (s) => (trx) => maintenance.remove(s.name, trx),
        },
      );
    },
    async export(q) {
      return (await maintenance.specs(q)).map((s) =>
        s.duration === undefined ? s : { ...s, duration: printDuration(s.duration, 'h', 'm') },
      );
    },
  };
}

/** Monitors that name a topic, so that it is not deleted under them. */
export function monitorTopicReferrer(monitors: MonitorService): TopicReferrer {
  return {
    section: 'monitors',
    namesOf: (topic) =>
      monitors
        .list()
        .filter((m) => (m.settings.topics as string[]).includes(topic))
        .map((m) => `monitor '${m.name}'`),
  };
}
