/**
 * Alert routes (`alert_routes:`): which topics a Prometheus alert goes to, by label matchers, and how its
 * group's notifications are timed. Routes are tried by ascending `order`, then name; the first that matches
 * takes the alert, and one with `continue: true` lets the next matching ones take it too. An alert no route
 * takes goes to the default route: the topic `alerts` (if it exists), Alertmanager's default timings.
 *
 * Every node holds every route in memory: a change through one node is announced on the change bus (topic
 * `alert-routes`, by name) and read again by the others.
 */
import type { Kysely } from 'kysely';
import { alertRouteInputSchema, printDuration, type AlertRouteSpec } from '@tocsin/protocol';
import type { ChangeBus } from '../cluster/change-bus.js';
import { fieldIssuesOf, invalid, notFound } from '../core/errors.js';
import type { Database } from '../db/db-schema.js';
import { compileMatchers, type CompiledMatcher, type Labels } from './alert-matchers.js';
import { deleteAlertRoute, listAlertRoutes, upsertAlertRoute } from './alert-route-store.js';

export const ALERT_ROUTES_TOPIC = 'alert-routes';
/** The route of alerts no route takes; its name cannot be a route's (names start with a letter or digit). */
export const DEFAULT_ROUTE = '_default';
export const DEFAULT_TOPIC = 'alerts';

/** The default route: Alertmanager's default timings, every alert of it one group. */
export const defaultRoute: AlertRouteSpec = alertRouteInputSchema.parse({
  name: 'default',
  topics: [DEFAULT_TOPIC],
  groupWait: '30s',
  groupInterval: '5m',
  repeatInterval: '4h',
});

interface Compiled {
  spec: AlertRouteSpec;
  matches: CompiledMatcher;
}

/** The route as a config file writes it: durations as text again (a bare number would read as seconds). */
export function routeAsWritten(r: AlertRouteSpec): Record<string, unknown> {
  const text = (ms: number) => (ms === 0 ? '0s' : printDuration(ms, 'h'));
  return {
    ...r,
    groupWait: text(r.groupWait),
    groupInterval: text(r.groupInterval),
    repeatInterval: text(r.repeatInterval),
  };
}

export class AlertRouteService {
  private routes = new Map<string, Compiled>();
  private ordered: Compiled[] = [];

  constructor(
    private readonly db: Kysely<Database>,
    private readonly changes: ChangeBus,
    private readonly topicNames: (q: Kysely<Database>) => Promise<Set<string>>,
  ) {}

  async load(): Promise<void> {
    this.routes = new Map((await listAlertRoutes(this.db)).map((r) => [r.name, this.compile(r)]));
    this.sort();
  }

  /** Routes changed through another node: read again (a name not found was deleted). */
  async changed(names: readonly string[]): Promise<void> {
    const found = new Map((await listAlertRoutes(this.db, names)).map((r) => [r.name, r]));
    for (const name of names) {
      const r = found.get(name);
      if (r) this.routes.set(name, this.compile(r));
      else this.routes.delete(name);
    }
    this.sort();
  }

  parse(input: unknown, prefix = ''): AlertRouteSpec {
    const parsed = alertRouteInputSchema.safeParse(input);
    if (!parsed.success) throw invalid(fieldIssuesOf(parsed.error.issues, prefix));
    return parsed.data;
  }

  /** The routes in the order they are tried. */
  list(): AlertRouteSpec[] {
    return this.ordered.map((c) => c.spec);
  }

  get(name: string): AlertRouteSpec {
    const r = this.routes.get(name);
    if (!r) throw notFound('alert route', name);
    return r.spec;
  }

  has(name: string): boolean {
    return this.routes.has(name);
  }

  /** The routes that take an alert of these labels, in order; the default route if none does. */
  routesFor(labels: Labels): { key: string; spec: AlertRouteSpec }[] {
    const taken: { key: string; spec: AlertRouteSpec }[] = [];
    for (const r of this.ordered) {
      if (!r.matches(labels)) continue;
      taken.push({ key: r.spec.name, spec: r.spec });
      if (!r.spec.continue) break;
    }
    return taken.length ? taken : [{ key: DEFAULT_ROUTE, spec: defaultRoute }];
  }

  /** A route by the key its alerts are stored under (the default route's included); undefined once deleted. */
  byKey(key: string): AlertRouteSpec | undefined {
    return key === DEFAULT_ROUTE ? defaultRoute : this.routes.get(key)?.spec;
  }

  /** Writes a route (its topics must exist: the config planner checks a whole document itself). */
  async put(spec: AlertRouteSpec, q: Kysely<Database> = this.db, checkTopics = true): Promise<void> {
    if (checkTopics) {
      const names = await this.topicNames(q);
      const issues = spec.topics
        .map((t, i) => ({ path: `topics.${i}`, topic: t }))
        .filter((r) => !names.has(r.topic))
        .map((r) => ({ path: r.path, message: `topic '${r.topic}' does not exist` }));
      if (issues.length) throw invalid(issues);
    }
    await upsertAlertRoute(q, spec);
    await this.changes.publish(q, ALERT_ROUTES_TOPIC, [spec.name]);
    this.routes.set(spec.name, this.compile(spec));
    this.sort();
  }

  async remove(name: string, q: Kysely<Database> = this.db): Promise<void> {
    if (!(await deleteAlertRoute(q, name))) throw notFound('alert route', name);
    await this.changes.publish(q, ALERT_ROUTES_TOPIC, [name]);
    this.routes.delete(name);
    this.sort();
  }

  /** The names of routes naming `topic` (a topic they name cannot be deleted). */
  namingTopic(topic: string): string[] {
    return this.list()
      .filter((r) => r.topics.includes(topic))
      .map((r) => `alert route '${r.name}'`);
  }

  private compile(spec: AlertRouteSpec): Compiled {
    return { spec, matches: compileMatchers(spec.matchers) };
  }

  private sort(): void {
    this.ordered = [...this.routes.values()].sort(
      (a, b) => a.spec.order - b.spec.order || a.spec.name.localeCompare(b.spec.name),
    );
  }
}
