import { planByName, storedByName } from '../config/config-planner.js';
import type { ConfigSection } from '../config/config-section.js';
import { TocsinError } from '../core/errors.js';
import { stableJson } from '../core/stable-json.js';
import type { GroupService } from './group-service.js';

/** The `groups:` section of the config file. */
export function groupConfigSection(groups: GroupService): ConfigSection {
  return {
    key: 'groups',
    check(items) {
      const issues: { path: string; message: string }[] = [];
      items.forEach((item, i) => {
        try {
          groups.parse(item, `groups.${i}`);
        } catch (err) {
          if (!(err instanceof TocsinError)) throw err;
          issues.push(...((err.details as { issues?: typeof issues } | undefined)?.issues ?? []));
        }
      });
      return issues;
    },
    async plan(_q, items, ctx) {
      const wanted = items.map((item, i) => groups.parse(item, `groups.${i}`));
      return planByName(
        wanted,
        storedByName(groups.list(), (c) => c.name),
        ctx.prune,
        {
          resource: 'group',
          nameOf: (c) => c.name,
          diff(c, g) {
            const stored = {
              name: c.name,
              description: c.description,
              selector: c.selector,
              expectedSize: c.expectedSize,
            };
            return stableJson(stored) === stableJson(g) ? undefined : {};
          },
          create: (g) => (trx) => groups.put(g, trx),
          update: (g) => (trx) => groups.put(g, trx),
          remove: (c) => (trx) => groups.remove(c.name, trx),
        },
      );
    },
    async export() {
      return groups.list().map(({ healthy: _h, members: _m, pending: _p, ...spec }) => spec);
    },
  };
}
