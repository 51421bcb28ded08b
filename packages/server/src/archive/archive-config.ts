import { printDuration, type ArchiveJobSpec } from '@tocsin/protocol';
import { changedKeys, checkUniqueNames, planByName, storedByName } from '../config/config-planner.js';
import { missingTopics, type ConfigSection, type TopicNames } from '../config/config-section.js';
import { invalid } from '../core/errors.js';
import type { ArchiveService } from './archive-service.js';

const SECTION = 'archives';

/** A stored spec as a config file writes it (durations as text); keys redacted unless a backup. */
function printable(spec: ArchiveJobSpec, includeSecrets: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ...spec,
    retryAfter: printDuration(spec.retryAfter),
    retryMax: printDuration(spec.retryMax),
  };
  if (!includeSecrets && spec.destination.type === 's3') {
    const d: Record<string, unknown> = { ...spec.destination };
    for (const k of ['secretAccessKey', 'sessionToken']) if (d[k]) d[k] = '<redacted>';
    out.destination = d;
  }
  return out;
}

/** The `archives:` section: archive jobs by name; their topics must exist or be declared beside them. */
export function archiveConfigSection(jobs: ArchiveService, topicNames: TopicNames): ConfigSection {
  return {
    key: SECTION,
    check: (items) => checkUniqueNames(SECTION, 'archive job', items, (item, path) => jobs.parse(item, path)),
    async plan(q, items, ctx) {
      const wanted = items.map((item, i) => jobs.parse(item, `${SECTION}.${i}`));
      const refs = wanted.flatMap((j, i) =>
        j.topics.map((topic, k) => ({ path: `${SECTION}.${i}.topics.${k}`, topic })),
      );
      const issues = await missingTopics(refs, q, ctx, topicNames);
      if (issues.length) throw invalid(issues);
      return planByName(
        wanted,
        storedByName(await jobs.list(q), (j) => j.spec.name),
        ctx.prune,
        {
          resource: 'archive job',
          nameOf: (j) => j.spec.name,
          diff(stored, w) {
            const fields = changedKeys(stored.spec, w);
            return fields.length ? { fields } : undefined;
          },
          create: (w) => async (trx) => void (await jobs.put(w, trx)),
          update: (w) => async (trx) => void (await jobs.put(w, trx)),
          remove: (j) => (trx) => jobs.remove(j.spec.name, trx),
        },
      );
    },
    async export(q, options) {
      return (await jobs.list(q)).map((j) => printable(j.spec, options.includeSecrets));
    },
  };
}
