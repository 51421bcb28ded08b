import type { Kysely } from 'kysely';
import type { Database } from '../db/db-schema.js';
import { TocsinError } from '../core/errors.js';

/** One line of an apply plan. `children` are the changes inside a resource (a topic's subscriptions). */
export interface ConfigChange {
  action: 'create' | 'update' | 'delete';
  resource: string;
  name: string;
  /** Fields that change (values of secrets are never shown). */
  fields?: string[];
  children?: ConfigChange[];
}

export interface PlanContext {
  prune: boolean;
  /** The `${VAR}` text a value came from, by dotted path (`topics.0.subscriptions.1.endpoint`). */
  refs: Record<string, string>;
  /** The whole validated document, for references across sections (a monitor naming a topic declared beside it). */
  document: Record<string, unknown[] | undefined>;
  /**
   * The names a section will hold once the document is applied, given those
   * it holds now: a section the document leaves out keeps its own, one it has
   * gains what it declares and, with prune, loses the rest.
   */
  namesAfter(section: string, stored: Iterable<string>): Set<string>;
}

export interface SectionPlan {
  changes: ConfigChange[];
  apply(trx: Kysely<Database>): Promise<void>;
}

export interface ExportOptions {
  includeSecrets: boolean;
}

/**
 * A resource's section of the config file. Each owner module provides one;
 * the apply service plans all of them and applies them in one transaction.
 */
export interface ConfigSection {
  key: string;
  /** Checks a whole section beyond its schema (unique names, references); returns field issues. */
  check?(items: unknown[]): { path: string; message: string }[];
  plan(q: Kysely<Database>, items: unknown[], ctx: PlanContext): Promise<SectionPlan>;
  /** The section as a file writes it; secrets redacted unless `includeSecrets` (a backup). */
  export(q: Kysely<Database>, options: ExportOptions): Promise<unknown[]>;
}

/** The field issues of a validation error (to collect every problem of a section); other errors are thrown on. */
export function fieldIssuesFrom(err: unknown): { path: string; message: string }[] {
  if (err instanceof TocsinError)
    return (
      (err.details as { issues?: { path: string; message: string }[] } | undefined)?.issues ?? [
        { path: '', message: err.message },
      ]
    );
  throw err;
}

/** The names of the topics that exist, seen through `q`. */
export type TopicNames = (q: Kysely<Database>) => Promise<Set<string>>;

/**
 * Issues for the topics a section's resources name that will not exist once
 * the document is applied (not stored and not declared, or left out of a
 * pruned file's topics). `refs` are the topics named, each with its path.
 */
export async function missingTopics(
  refs: readonly { path: string; topic: string }[],
  q: Kysely<Database>,
  ctx: PlanContext,
  topicNames: TopicNames,
): Promise<{ path: string; message: string }[]> {
  if (refs.length === 0) return [];
  const stored = await topicNames(q);
  const after = ctx.namesAfter('topics', stored);
  return refs
    .filter((r) => !after.has(r.topic))
    .map((r) => ({
      path: r.path,
      message: stored.has(r.topic)
        ? `topic '${r.topic}' is left out of the file's topics, so --prune would delete it: ` +
          'keep it in the file, or stop naming it here'
        : `topic '${r.topic}' does not exist`,
    }));
}
