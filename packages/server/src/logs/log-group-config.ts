import { changedKeys, checkUniqueNames, planByName, storedByName } from '../config/config-planner.js';
import type { ConfigSection } from '../config/config-section.js';
import { stableJson } from '../core/stable-json.js';
import type { LogGroupService } from './log-group-service.js';

const SECTION = 'log_groups';

/**
 * The `log_groups:` section of the config file: groups by name with their retention and match. Groups created
 * by their first event are exported too (with the default retention), so an export applied elsewhere keeps them;
 * with `--prune`, a stored group the file leaves out is deleted with its events, as the plan shows.
 */
export function logGroupConfigSection(groups: LogGroupService): ConfigSection {
  const parse = (item: unknown, path: string) => {
    const spec = groups.parse(item, path);
    return { name: spec.name, spec };
  };
  return {
    key: SECTION,
    check: (items) => checkUniqueNames(SECTION, 'log group', items, parse),
    async plan(q, items, ctx) {
      const wanted = items.map((item, i) => parse(item, `${SECTION}.${i}`));
      const current = await groups.list(q);
      return planByName(
        wanted,
        storedByName(current, (g) => g.spec.name),
        ctx.prune,
        {
          resource: 'log group',
          nameOf: (g) => g.spec.name,
          diff: (g, w) =>
            stableJson(g.spec) === stableJson(w.spec) ? undefined : { fields: changedKeys(g.spec, w.spec) },
          create: (w) => (trx) => groups.put(w.spec, trx),
          update: (w) => (trx) => groups.put(w.spec, trx),
          remove: (g) => (trx) => groups.remove(g.spec.name, trx),
        },
      );
    },
    async export(q) {
      return (await groups.list(q)).map((g) => g.spec);
    },
  };
}
