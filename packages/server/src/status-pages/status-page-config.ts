import { changedKeys, checkUniqueNames, planByName, storedByName } from '../config/config-planner.js';
import type { ConfigSection } from '../config/config-section.js';
import { invalid } from '../core/errors.js';
import { stableJson } from '../core/stable-json.js';
import { missingItems, type ItemNames, type StatusPageService } from './status-page-service.js';

const SECTION = 'status_pages';

/** What items may name now, by type, and the config section each type is declared in. */
export interface StoredItemNames {
  now(): ItemNames;
}

const sectionOf = { monitor: 'monitors', heartbeat: 'heartbeats', group: 'groups' } as const;

/**
 * The `status_pages:` section of the config file: pages by slug (incidents are not config). Items may name
 * monitors, heartbeats and groups that exist or that the same file declares.
 */
export function statusPageConfigSection(pages: StatusPageService, names: StoredItemNames): ConfigSection {
  const parse = (item: unknown, path: string) => {
    const spec = pages.parse(item, path);
    return { name: spec.slug, spec };
  };
  return {
    key: SECTION,
    check: (items) =>
      checkUniqueNames(SECTION, 'status page', items, parse).map((i) => ({
        ...i,
        path: i.path.replace(/\.name$/, '.slug'),
      })),
    async plan(q, items, ctx) {
      const wanted = items.map((item, i) => parse(item, `${SECTION}.${i}`));
      const stored = names.now();
      const after: ItemNames = {
        monitor: ctx.namesAfter(sectionOf.monitor, stored.monitor),
        heartbeat: ctx.namesAfter(sectionOf.heartbeat, stored.heartbeat),
        group: ctx.namesAfter(sectionOf.group, stored.group),
      };
      const issues = wanted.flatMap((w, i) => missingItems(w.spec.items, after, `${SECTION}.${i}`));
      if (issues.length) throw invalid(issues);
      const current = await pages.list(q);
      return planByName(
        wanted,
        storedByName(current, (p) => p.spec.slug),
        ctx.prune,
        {
          resource: 'status page',
          nameOf: (p) => p.spec.slug,
          diff(p, w) {
            return stableJson(p.spec) === stableJson(w.spec) ? undefined : { fields: changedKeys(p.spec, w.spec) };
          },
          create: (w) => (trx) => pages.put(w.spec, trx, after),
          update: (w) => (trx) => pages.put(w.spec, trx, after),
          remove: (p) => (trx) => pages.remove(p.spec.slug, trx),
        },
      );
    },
    async export(q) {
      return (await pages.list(q)).map((p) => p.spec);
    },
  };
}
