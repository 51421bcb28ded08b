import type { Kysely } from 'kysely';
import type { ConfigChange, ConfigSection } from '../config/config-section.js';
import { TocsinError } from '../core/errors.js';
import type { Database } from '../db/db-schema.js';
import { stableJson } from '../notify/subscription-spec.js';
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
      const current = groups.list();
      const changes: ConfigChange[] = [];
      const ops: ((trx: Kysely<Database>) => Promise<unknown>)[] = [];
      for (const g of wanted) {
        const existing = current.find((c) => c.name === g.name);
        const stored = existing && { name: existing.name, description: existing.description, selector: existing.selector, expectedSize: existing.expectedSize };
        if (!existing) changes.push({ action: 'create', resource: 'group', name: g.name });
        else if (stableJson(stored) !== stableJson(g)) changes.push({ action: 'update', resource: 'group', name: g.name });
        else continue;
        ops.push((trx) => groups.put(g, trx));
      }
      if (ctx.prune) {
        for (const c of current) {
          if (wanted.some((w) => w.name === c.name)) continue;
          changes.push({ action: 'delete', resource: 'group', name: c.name });
          ops.push((trx) => groups.remove(c.name, trx));
        }
      }
      return { changes, apply: async (trx) => { for (const op of ops) await op(trx); } };
    },
    async export() {
      return groups.list().map(({ healthy: _h, members: _m, pending: _p, ...spec }) => spec);
    },
  };
}
