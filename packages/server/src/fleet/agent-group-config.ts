import { changedKeys, checkUniqueNames, planByName, storedByName } from '../config/config-planner.js';
import { missingTopics, type ConfigSection, type TopicNames } from '../config/config-section.js';
import { invalid } from '../core/errors.js';
import type { AgentGroupService } from './agent-group-service.js';

const SECTION = 'agent_groups';

/** The `agent_groups:` section of the config file: groups by name; their topics must exist or be declared. */
export function agentGroupConfigSection(groups: AgentGroupService, topicNames: TopicNames): ConfigSection {
  return {
    key: SECTION,
    check: (items) => checkUniqueNames(SECTION, 'agent group', items, (item, path) => groups.parse(item, path)),
    async plan(q, items, ctx) {
      const wanted = items.map((item, i) => groups.parse(item, `${SECTION}.${i}`));
      const refs = wanted.flatMap((g, i) =>
        (g.topics ?? []).map((topic, k) => ({ path: `${SECTION}.${i}.topics.${k}`, topic })),
      );
      const issues = await missingTopics(refs, q, ctx, topicNames);
      if (issues.length) throw invalid(issues);
      return planByName(
        wanted,
        storedByName(groups.list(), (g) => g.name),
        ctx.prune,
        {
          resource: 'agent group',
          nameOf: (g) => g.name,
          diff(stored, w) {
            const fields = changedKeys(stored, w);
            return fields.length ? { fields } : undefined;
          },
          create: (g) => (trx) => groups.put(g, trx, false),
          update: (g) => (trx) => groups.put(g, trx, false),
          remove: (g) => (trx) => groups.remove(g.name, trx),
        },
      );
    },
    async export() {
      return groups.list();
    },
  };
}
