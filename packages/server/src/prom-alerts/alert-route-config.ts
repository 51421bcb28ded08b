import { changedKeys, checkUniqueNames, planByName, storedByName } from '../config/config-planner.js';
import { missingTopics, type ConfigSection, type TopicNames } from '../config/config-section.js';
import { invalid } from '../core/errors.js';
import { routeAsWritten, type AlertRouteService } from './alert-route-service.js';

const SECTION = 'alert_routes';

/** The `alert_routes:` section of the config file: routes by name; their topics must exist or be declared. */
export function alertRouteConfigSection(routes: AlertRouteService, topicNames: TopicNames): ConfigSection {
  return {
    key: SECTION,
    check: (items) => checkUniqueNames(SECTION, 'alert route', items, (item, path) => routes.parse(item, path)),
    async plan(q, items, ctx) {
      const wanted = items.map((item, i) => routes.parse(item, `${SECTION}.${i}`));
      const refs = wanted.flatMap((r, i) =>
        r.topics.map((topic, k) => ({ path: `${SECTION}.${i}.topics.${k}`, topic })),
      );
      const issues = await missingTopics(refs, q, ctx, topicNames);
      if (issues.length) throw invalid(issues);
      return planByName(
        wanted,
        storedByName(routes.list(), (r) => r.name),
        ctx.prune,
        {
          resource: 'alert route',
          nameOf: (r) => r.name,
          diff(stored, w) {
            const fields = changedKeys(stored, w);
            return fields.length ? { fields } : undefined;
          },
          create: (r) => (trx) => routes.put(r, trx, false),
          update: (r) => (trx) => routes.put(r, trx, false),
          remove: (r) => (trx) => routes.remove(r.name, trx),
        },
      );
    },
    async export() {
      return routes.list().map(routeAsWritten);
    },
  };
}
