import type { Kysely } from 'kysely';
import { configFileSchema } from '@tocsin/protocol';
import { fieldIssuesOf, invalid } from '../core/errors.js';
import type { Database } from '../db/db-schema.js';
import type { ConfigChange, ConfigSection, ExportOptions, PlanContext } from './config-section.js';

export interface ApplyRequest {
  config: unknown;
  refs?: Record<string, string>;
  dryRun?: boolean;
  prune?: boolean;
}

export interface ApplyResult {
  changes: ConfigChange[];
  applied: boolean;
}

function namesAfter(
  doc: Record<string, unknown[] | undefined>,
  prune: boolean,
  section: string,
  stored: Iterable<string>,
): Set<string> {
  const items = doc[section];
  if (items === undefined) return new Set(stored);
  const declared = items.flatMap((i) =>
    i && typeof i === 'object' && typeof (i as { name?: unknown }).name === 'string'
      ? [(i as { name: string }).name]
      : [],
  );
  return new Set(prune ? declared : [...stored, ...declared]);
}

/**
 * Config as code: validates a whole document, plans the changes of every
 * section (only sections present in the document are touched, and deletions
 * happen only with `prune`), and applies them in one transaction.
 */
export class ConfigApplyService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly sections: ConfigSection[],
    private readonly afterApply: () => void = () => {},
  ) {}

  validate(config: unknown): Record<string, unknown[] | undefined> {
    const parsed = configFileSchema.safeParse(config ?? {});
    if (!parsed.success) throw invalid(fieldIssuesOf(parsed.error.issues));
    // Sections parse their own items: hand them the document as written, not the schema's output.
    const doc = (config ?? {}) as Record<string, unknown[] | undefined>;
    const issues = this.sections.flatMap((s) => (doc[s.key] && s.check ? s.check(doc[s.key]!) : []));
    if (issues.length) throw invalid(issues);
    return doc;
  }

  async apply(req: ApplyRequest): Promise<ApplyResult> {
    const doc = this.validate(req.config);
    const prune = req.prune ?? false;
    const ctx: PlanContext = {
      prune,
      refs: req.refs ?? {},
      document: doc,
      namesAfter: (section, stored) => namesAfter(doc, prune, section, stored),
    };
    let changes: ConfigChange[] = [];
    await this.db.transaction().execute(async (trx) => {
      const plans = [];
      for (const section of this.sections) {
        const items = doc[section.key];
        if (items === undefined) continue;
        plans.push(await section.plan(trx, items, ctx));
      }
      changes = plans.flatMap((p) => p.changes);
      if (req.dryRun) return;
      for (const p of plans) await p.apply(trx);
    });
    if (!req.dryRun && changes.length) this.afterApply();
    return { changes, applied: !req.dryRun };
  }

  /** The current state as a config document; with `includeSecrets`, a backup that restores into an empty server. */
  async export(options: ExportOptions = { includeSecrets: false }): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = { version: 1 };
    for (const s of this.sections) out[s.key] = await s.export(this.db, options);
    return out;
  }
}
