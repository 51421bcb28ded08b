import type { Kysely } from 'kysely';
import type { FieldIssue } from '@tocsin/protocol';
import { invalid } from '../core/errors.js';
import { stableJson } from '../core/stable-json.js';
import type { Database } from '../db/db-schema.js';
import { fieldIssuesFrom, type ConfigChange, type SectionPlan } from './config-section.js';

/**
 * What the config sections share: checking a section's items (each parses,
 * no name twice) and planning by name (create what is not stored, update
 * what differs, and with prune delete what the file leaves out). A section
 * keeps only what is its own: how to parse, compare and write its resource.
 */

/** One write of an apply, run in its transaction. */
export type ConfigOp = (trx: Kysely<Database>) => Promise<unknown>;

/** The stored resources of a section, found by name. */
export interface StoredByName<S> {
  get(name: string): S | undefined;
  /** Every stored resource, in the order deletions are listed; read only with prune. */
  all(): Iterable<S>;
}

/** Stored resources from a list, indexed once (a lookup per wanted item must not scan the list). */
export function storedByName<S>(items: Iterable<S>, nameOf: (s: S) => string): StoredByName<S> {
  const list = [...items];
  const index = new Map<string, S>();
  for (const s of list) if (!index.has(nameOf(s))) index.set(nameOf(s), s);
  return { get: (name) => index.get(name), all: () => list };
}

/**
 * Parses every item of a section and names each one declared twice
 * (`monitors.3.name: monitor 'api' is declared twice`); the issues keep the
 * items' order. `parse` throws a validation error whose issues carry full paths.
 */
export function checkUniqueNames<T extends { name: string }>(
  section: string,
  resource: string,
  items: readonly unknown[],
  parse: (item: unknown, path: string) => T,
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const names = new Set<string>();
  items.forEach((item, i) => {
    try {
      const { name } = parse(item, `${section}.${i}`);
      if (names.has(name)) {
        issues.push({ path: `${section}.${i}.name`, message: `${resource} '${name}' is declared twice` });
      }
      names.add(name);
    } catch (err) {
      issues.push(...fieldIssuesFrom(err));
    }
  });
  return issues;
}

/** Fields of a resource that differ from what is wanted, sorted (values compared, never shown). */
export function changedKeys(current: object, wanted: object): string[] {
  const a = current as Record<string, unknown>;
  const b = wanted as Record<string, unknown>;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => stableJson(a[k]) !== stableJson(b[k])).sort();
}

/** How a section plans its resource by name. */
export interface ByNamePlanner<W extends { name: string }, S> {
  resource: string;
  nameOf(stored: S): string;
  /** The update line's details when `stored` differs from `wanted`; undefined when it does not. */
  diff(stored: S, wanted: W): Pick<ConfigChange, 'fields' | 'children'> | undefined;
  create(wanted: W): ConfigOp;
  update(wanted: W, stored: S): ConfigOp;
  remove(stored: S): ConfigOp;
  /** The create line's children (a topic's subscriptions). */
  createChildren?(wanted: W): ConfigChange[];
  /** The order of deletions (composites before what they name); the stored order by default. */
  deleteOrder?(doomed: S[]): S[];
  /** Why a resource the file leaves out cannot be deleted (something still names it); undefined when it can. */
  refuseDelete?(stored: S): FieldIssue | undefined;
}

/**
 * The plan of a section: wanted items in their order (create or update),
 * then with prune the stored ones the file leaves out (delete). Lookups go
 * by name, so planning costs what the file holds, not what the server holds
 * (the stored set is walked only with prune).
 */
export function planByName<W extends { name: string }, S>(
  wanted: readonly W[],
  stored: StoredByName<S>,
  prune: boolean,
  planner: ByNamePlanner<W, S>,
): SectionPlan {
  const changes: ConfigChange[] = [];
  const ops: ConfigOp[] = [];
  const { resource } = planner;
  for (const w of wanted) {
    const s = stored.get(w.name);
    if (s === undefined) {
      const children = planner.createChildren?.(w);
      const line: ConfigChange = { action: 'create', resource, name: w.name };
      changes.push(children ? { ...line, children } : line);
      ops.push(planner.create(w));
      continue;
    }
    const details = planner.diff(s, w);
    if (!details) continue;
    changes.push({ action: 'update', resource, name: w.name, ...details });
    ops.push(planner.update(w, s));
  }
  if (prune) {
    const keep = new Set(wanted.map((w) => w.name));
    const doomed = [...stored.all()].filter((s) => !keep.has(planner.nameOf(s)));
    const issues: FieldIssue[] = [];
    for (const s of planner.deleteOrder ? planner.deleteOrder(doomed) : doomed) {
      const refused = planner.refuseDelete?.(s);
      if (refused) {
        issues.push(refused);
        continue;
      }
      changes.push({ action: 'delete', resource, name: planner.nameOf(s) });
      ops.push(planner.remove(s));
    }
    if (issues.length) throw invalid(issues);
  }
  return {
    changes,
    async apply(trx) {
      for (const op of ops) await op(trx);
    },
  };
}
