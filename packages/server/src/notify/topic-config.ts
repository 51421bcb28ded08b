import type { TopicSpec } from '@tocsin/protocol';
import { planByName, storedByName } from '../config/config-planner.js';
import type { ConfigChange, ConfigSection } from '../config/config-section.js';
import { stableJson } from '../core/stable-json.js';
import type { Subscription } from './notify-types.js';
import { changedFields, splitSpec, subscriptionView } from './subscription-spec.js';
import { invalid } from '../core/errors.js';
import { checkUniqueNames, unresolvedSecrets, type TopicService } from './topic-service.js';
import * as store from './topic-store.js';

/** A topic's subscription lines: created, updated (the fields that change) and, with prune, deleted. */
function subscriptionChanges(
  spec: TopicSpec,
  stored: Subscription[],
  refs: (j: number, field: string) => string | undefined,
  prune: boolean,
): ConfigChange[] {
  const children: ConfigChange[] = [];
  for (const [j, s] of (spec.subscriptions ?? []).entries()) {
    const split = splitSpec(s, (f) => refs(j, f));
    const match = stored.find((x) => x.name === split.name);
    const name = `${spec.name}/${split.name}`;
    if (!match) children.push({ action: 'create', resource: 'subscription', name });
    else {
      const changed = match.protocol !== s.protocol ? ['protocol'] : changedFields(match, split);
      if (changed.length) children.push({ action: 'update', resource: 'subscription', name, fields: changed });
    }
  }
  if (prune) {
    for (const s of stored) {
      if (!(spec.subscriptions ?? []).some((w) => splitSpec(w).name === s.name)) {
        children.push({ action: 'delete', resource: 'subscription', name: `${spec.name}/${s.name}` });
      }
    }
  }
  return children;
}

/** The `topics:` section of the config file. */
export function topicConfigSection(service: TopicService): ConfigSection {
  return {
    key: 'topics',
    check(items) {
      const issues: { path: string; message: string }[] = [];
      const seen = new Set<string>();
      const parsed: TopicSpec[] = [];
      for (const [i, item] of items.entries()) {
        try {
          parsed.push(service.parseTopic(item));
        } catch (err) {
          const found = (err as { details?: { issues?: typeof issues } }).details?.issues ?? [];
          issues.push(...found.map((x) => ({ ...x, path: `topics.${i}${x.path ? `.${x.path}` : ''}` })));
        }
      }
      if (issues.length) return issues;
      for (const [i, t] of parsed.entries()) {
        if (seen.has(t.name)) issues.push({ path: `topics.${i}.name`, message: `topic '${t.name}' is declared twice` });
        seen.add(t.name);
        try {
          checkUniqueNames(t.subscriptions ?? [], `topics.${i}.subscriptions`);
        } catch (err) {
          issues.push(...((err as { details?: { issues?: typeof issues } }).details?.issues ?? []));
        }
      }
      return issues;
    },

    async plan(q, items, ctx) {
      const wanted = items.map((item) => service.parseTopic(item));
      const topics = await store.listTopics(q);
      const subs = await store.listSubscriptions(q);
      const unresolved = wanted.flatMap((spec, i) => {
        const existing = topics.find((t) => t.name === spec.name);
        const stored = existing ? subs.filter((s) => s.topicId === existing.id) : [];
        return unresolvedSecrets(
          spec.subscriptions ?? [],
          stored,
          (j, field) => `topics.${i}.subscriptions.${j}.${field}`,
        );
      });
      if (unresolved.length) throw invalid(unresolved);
      const refsOf = (i: number) => (j: number, field: string) => ctx.refs[`topics.${i}.subscriptions.${j}.${field}`];
      const refsByName = new Map(wanted.map((spec, i) => [spec.name, refsOf(i)]));
      // Sections in the document check their own references against the topics it keeps; the others are checked here.
      const checkedByDocument = new Set(Object.keys(ctx.document).filter((k) => ctx.document[k] !== undefined));
      return planByName(
        wanted,
        storedByName(topics, (t) => t.name),
        ctx.prune,
        {
          resource: 'topic',
          nameOf: (t) => t.name,
          createChildren: (spec) =>
            (spec.subscriptions ?? []).map((s) => ({
              action: 'create',
              resource: 'subscription',
              name: `${spec.name}/${splitSpec(s).name}`,
            })),
          diff(existing, spec) {
            const fields: string[] = [];
            if ((existing.displayName ?? null) !== (spec.displayName ?? null)) fields.push('displayName');
            if (stableJson(existing.tags) !== stableJson(spec.tags ?? {})) fields.push('tags');
            const children = subscriptionChanges(
              spec,
              subs.filter((s) => s.topicId === existing.id),
              refsByName.get(spec.name)!,
              ctx.prune,
            );
            return fields.length || children.length ? { fields, children } : undefined;
          },
          create: (spec) => (trx) => service.create(spec, refsByName.get(spec.name)!, trx),
          update: (spec) => (trx) =>
            service.replace(spec.name, spec, { prune: ctx.prune, refs: refsByName.get(spec.name)! }, trx),
          remove: (t) => (trx) => service.remove(t.name, trx, { referrersChecked: true }),
          refuseDelete(t) {
            const referrers = service.referrersOf(t.name, checkedByDocument);
            if (!referrers.length) return undefined;
            return {
              path: 'topics',
              message:
                `leaves out topic '${t.name}', which --prune would delete, ` +
                `but ${referrers.join(', ')} name${referrers.length > 1 ? '' : 's'} it: keep it in the file`,
            };
          },
        },
      );
    },

    async export(q, { includeSecrets }) {
      const view = (s: Subscription) => {
        const out = subscriptionView(s);
        if (includeSecrets) for (const [k, v] of Object.entries(s.secrets)) out[k] = v.value;
        return out;
      };
      const topics = await store.listTopics(q);
      const subs = await store.listSubscriptions(q);
      return topics.map((t) => {
        const out: Record<string, unknown> = { name: t.name };
        if (t.displayName) out.displayName = t.displayName;
        if (Object.keys(t.tags).length) out.tags = t.tags;
        const mine = subs.filter((s) => s.topicId === t.id);
        if (mine.length) out.subscriptions = mine.map(view);
        return out;
      });
    },
  };
}
