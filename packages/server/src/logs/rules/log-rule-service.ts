/**
 * The log rules (routes, metric filters, log alarms) as last applied, in
 * memory with their compiled patterns; the `LogRuleCatalog` the rule stages
 * read. A write checks the rule (pattern, templates, topics, AWS's regex
 * limit per group, loops into Tocsin's own ingest), stores it, tells other
 * nodes through the change bus in the same transaction, then updates memory
 * and the listeners. `changed`/`resync` take other nodes' changes.
 */
import type { Kysely } from 'kysely';
import { logRuleInputSchema, type FieldIssue, type LogRouteRule, type LogRuleSpec } from '@tocsin/protocol';
import type { Clock } from '../../core/clock.js';
import { TocsinError, fieldIssuesOf, invalid, notFound } from '../../core/errors.js';
import type { Database } from '../../db/db-schema.js';
import { MAX_REGEX_PATTERNS_PER_LOG_GROUP, compileFilterPattern, type FilterPattern } from '../filter-pattern.js';
import type { LogRuleCatalog } from '../log-pipeline.js';
import { ownIngestPath, type OwnAddress } from '../own-ingest.js';
import * as store from './log-rule-store.js';
import { compileTemplate } from './route-template.js';

/** The change bus topic of log rules; ids are rule names. */
export const LOG_RULES_TOPIC = 'log_rules';

interface Entry {
  record: store.LogRuleRecord;
  pattern: FilterPattern;
}

export interface LogRuleServiceOptions {
  db: Kysely<Database>;
  clock: Clock;
  topicNames: (q: Kysely<Database>) => Promise<Set<string>>;
  ownAddress: () => OwnAddress;
  /** Tells other nodes, in the transaction `q` of a change, which rules changed. */
  publish?: (q: Kysely<Database>, names: readonly string[]) => Promise<void>;
}

/** A rule as the API shows it. */
export type LogRuleView = LogRuleSpec & { createdAt: number; updatedAt: number };

export class LogRuleService implements LogRuleCatalog {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners: (() => void)[] = [];

  constructor(private readonly o: LogRuleServiceOptions) {}

  async load(): Promise<void> {
    this.entries.clear();
    for (const r of await store.listRules(this.o.db)) this.entries.set(r.spec.name, entryOf(r));
    this.emit();
  }

  list(): readonly LogRuleSpec[] {
    return [...this.entries.values()].map((e) => e.record.spec);
  }

  /** The enabled route rules. */
  routes(): LogRouteRule[] {
    return this.list().filter((r): r is LogRouteRule => r.kind === 'route' && r.enabled);
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** The rule's compiled pattern (compiled once per rule version). */
  patternOf(rule: LogRuleSpec): FilterPattern {
    const e = this.entries.get(rule.name);
    return e && e.record.spec === rule ? e.pattern : compileFilterPattern(rule.pattern);
  }

  records(): store.LogRuleRecord[] {
    return [...this.entries.values()].map((e) => e.record).sort((a, b) => (a.spec.name < b.spec.name ? -1 : 1));
  }

  get(name: string): store.LogRuleRecord {
    const e = this.entries.get(name);
    if (!e) throw notFound('log rule', name);
    return e.record;
  }

  /**
   * Validates a body: the schema, then the pattern (its error names the position) and a route's templates.
   * Issues' paths start with `prefix` (`log_rules.3`), so a config error names the field's line.
   */
  parse(input: unknown, prefix = ''): LogRuleSpec {
    const at = (field: string) => (prefix ? `${prefix}.${field}` : field);
    const parsed = logRuleInputSchema.safeParse(input);
    if (!parsed.success) throw invalid(fieldIssuesOf(parsed.error.issues, prefix));
    const spec = parsed.data;
    const issues: FieldIssue[] = [];
    try {
      compileFilterPattern(spec.pattern);
    } catch (err) {
      if (!(err instanceof TocsinError)) throw err;
      issues.push({ path: at('pattern'), message: err.message });
    }
    if (spec.kind === 'route')
      for (const field of ['title', 'dedupKey'] as const) {
        const text = spec[field];
        if (text === undefined) continue;
        try {
          compileTemplate(text);
        } catch (err) {
          if (!(err instanceof TocsinError)) throw err;
          issues.push({ path: at(field), message: err.message });
        }
      }
    if (issues.length) throw invalid(issues);
    return spec;
  }

  /**
   * Issues of AWS's limit of `%regex%` patterns per log group over a whole set of rules (a `*` rule counts
   * in every group); `pathOf` gives the path of a rule's pattern field, or undefined for a rule not being written.
   */
  regexLimitIssues(rules: readonly LogRuleSpec[], pathOf: (name: string) => string | undefined): FieldIssue[] {
    const withRegex = rules.filter((r) => this.patternOf(r).usesRegex);
    const groups = new Set(withRegex.map((r) => r.group));
    // A `*` rule runs in every group: each named group counts its own and the `*` ones.
    if (groups.size > 1) groups.delete('*');
    const issues: FieldIssue[] = [];
    for (const group of groups) {
      const inGroup = withRegex.filter((r) => r.group === group || r.group === '*');
      if (inGroup.length <= MAX_REGEX_PATTERNS_PER_LOG_GROUP) continue;
      const names = inGroup.map((r) => `'${r.name}'`).join(', ');
      for (const r of inGroup) {
        const path = pathOf(r.name);
        if (path === undefined || issues.some((i) => i.path === path)) continue;
        issues.push({
          path,
          message:
            `group '${group}' would have ${inGroup.length} rules with a %regex% pattern (${names}); ` +
            `at most ${MAX_REGEX_PATTERNS_PER_LOG_GROUP} per log group, as in CloudWatch Logs: ` +
            'use terms or a JSON pattern in some of them',
        });
      }
    }
    return issues;
  }

  /**
   * A 409 naming the subscriptions through which the route's topics would post into this server's log
   * ingest (seed 002's loop); `extra` are targets a config file declares beside the rule.
   */
  async checkLoops(spec: LogRuleSpec, q: Kysely<Database>, extra: readonly store.RouteTarget[] = []): Promise<void> {
    const message = await this.loopMessage(spec, q, extra);
    if (message) throw new TocsinError('conflict', message, { rule: spec.name });
  }

  async loopMessage(
    spec: LogRuleSpec,
    q: Kysely<Database>,
    extra: readonly store.RouteTarget[] = [],
  ): Promise<string | undefined> {
    if (spec.kind !== 'route') return undefined;
    const self = this.o.ownAddress();
    const targets = [
      ...(await store.routeTargets(q, spec.topics)),
      ...extra.filter((t) => spec.topics.includes(t.topic)),
    ];
    const loops = targets.flatMap((t) =>
      t.urls.flatMap((url) => {
        const path = ownIngestPath(url, self);
        return path === undefined ? [] : [`topic '${t.topic}' subscription '${t.subscription}' posts to ${path}`];
      }),
    );
    if (loops.length === 0) return undefined;
    return (
      `route '${spec.name}' would send into Tocsin's own log ingest, a loop: ${[...new Set(loops)].join('; ')}. ` +
      'Send it to a topic whose subscriptions point elsewhere'
    );
  }

  /**
   * Creates or replaces a rule (in `q`'s transaction when given); says whether it was new. `planned`: a config
   * apply has checked topics, limits and loops over the whole file.
   */
  async put(
    spec: LogRuleSpec,
    q?: Kysely<Database>,
    options: { planned?: boolean } = {},
  ): Promise<{ record: store.LogRuleRecord; created: boolean }> {
    const run = async (trx: Kysely<Database>) => {
      if (!options.planned) {
        await this.checkTopics(spec, trx);
        const others = this.list().filter((r) => r.name !== spec.name);
        const limit = this.regexLimitIssues([...others, spec], (n) => (n === spec.name ? 'pattern' : undefined));
        if (limit.length) throw invalid(limit);
        await this.checkLoops(spec, trx);
      }
      const written = await store.upsertRule(trx, spec, this.o.clock.now());
      await this.o.publish?.(trx, [spec.name]);
      return written;
    };
    const written = q ? await run(q) : await this.o.db.transaction().execute(run);
    const record = { spec, createdAt: written.createdAt, updatedAt: written.updatedAt };
    this.entries.set(spec.name, entryOf(record));
    this.emit();
    return { record, created: written.created };
  }

  async remove(name: string, q?: Kysely<Database>): Promise<void> {
    this.get(name);
    const run = async (trx: Kysely<Database>) => {
      await store.deleteRule(trx, name);
      await this.o.publish?.(trx, [name]);
    };
    if (q) await run(q);
    else await this.o.db.transaction().execute(run);
    this.entries.delete(name);
    this.emit();
  }

  /** Rules changed through another node: read again. */
  async changed(names: readonly string[]): Promise<void> {
    const rows = new Map((await store.loadRules(this.o.db, names)).map((r) => [r.spec.name, r]));
    for (const name of new Set(names)) {
      const row = rows.get(name);
      if (row) this.entries.set(name, entryOf(row));
      else this.entries.delete(name);
    }
    this.emit();
  }

  /** Notices may have been missed: every rule is read again. */
  async resync(): Promise<void> {
    await this.load();
  }

  /** The rules that name `topic` (so that it is not deleted under them). */
  namingTopic(topic: string): string[] {
    return this.list().flatMap((r) => {
      const topics = r.kind === 'route' ? r.topics : r.kind === 'alarm' ? [...r.alarmActions, ...r.okActions] : [];
      return topics.includes(topic) ? [`log rule '${r.name}'`] : [];
    });
  }

  private async checkTopics(spec: LogRuleSpec, q: Kysely<Database>): Promise<void> {
    const named =
      spec.kind === 'route'
        ? spec.topics.map((t, i) => ({ path: `topics.${i}`, topic: t }))
        : spec.kind === 'alarm'
          ? [
              ...spec.alarmActions.map((t, i) => ({ path: `alarmActions.${i}`, topic: t })),
              ...spec.okActions.map((t, i) => ({ path: `okActions.${i}`, topic: t })),
            ]
          : [];
    if (named.length === 0) return;
    const known = await this.o.topicNames(q);
    const missing = named.filter((n) => !known.has(n.topic));
    if (missing.length)
      throw invalid(missing.map((m) => ({ path: m.path, message: `topic '${m.topic}' does not exist` })));
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }
}

function entryOf(record: store.LogRuleRecord): Entry {
  return { record, pattern: compileFilterPattern(record.spec.pattern) };
}
